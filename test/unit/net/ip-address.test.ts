import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipAddressVersion } from '../../../src/net/ip-address.js';

// src/net/ip-address.ts stands in for net.isIP on the offline path: it must give the same answer.
const SAMPLES = [
  '192.0.2.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4',
  '::', '::1', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:db8::1%eth0', 'fe80::1%25', '::ffff:192.0.2.1', '64:ff9b::192.0.2.33',
  '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', 'g::1', '[::1]', '::1%', '1:2:3:4:5:6:192.0.2.1', '1:2:3:4:5:6:7:192.0.2.1',
  'example.org', 'xn--bcher-kva.example', '_validation-persist.example.org', 'localhost', '', '.', '1', '1.2.3.4.example', 'a:b', 'example.org:443',
];

describe('ipAddressVersion', () => {
  it.each(SAMPLES)('answers as net.isIP for %j', (text) => {
    expect(ipAddressVersion(text)).toBe(isIP(text));
  });

  it('knows each kind', () => {
    expect([ipAddressVersion('192.0.2.1'), ipAddressVersion('2001:db8::1'), ipAddressVersion('example.org')]).toEqual([4, 6, 0]);
  });
});
