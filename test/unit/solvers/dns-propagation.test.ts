import { expect, test } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { parseResolverAddress } from '../../../src/solvers/dns-propagation.js';

test.each([
  ['127.0.0.1:8053', '127.0.0.1:8053'],
  ['1.1.1.1', '1.1.1.1'],
  [' 9.9.9.9:53 ', '9.9.9.9:53'],
  ['[::1]:53', '[::1]:53'],
  ['[2001:db8::53]:5353', '[2001:db8::53]:5353'],
  ['::1', '::1'],
  ['[::1]', '::1'],
  ['2001:db8::53', '2001:db8::53'],
])('resolver %j is %j', (text, form) => {
  expect(parseResolverAddress(text)).toBe(form);
});

test.each([
  ['dns.google', /not an IP address/],
  ['dns.google:53', /not an IP address/],
  ['127.0.0.1:0', /not a port/],
  ['127.0.0.1:65536', /not a port/],
  ['127.0.0.1:', /not a port/],
  ['[::1]:x', /not a port/],
  ['[1.2.3.4]:53', /not an IPv6 address/],
  ['', /not an IP address/],
])('resolver %j is refused', (text, why) => {
  expect(() => parseResolverAddress(text)).toThrow(UsageError);
  expect(() => parseResolverAddress(text)).toThrow(why);
});
