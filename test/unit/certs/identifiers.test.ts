import { describe, expect, test } from 'vitest';
import { defaultLineageName, formatIpAddress, identifiersEqual, ipAddressBytes, normaliseIpAddress, parseIdentifiers } from '../../../src/certs/identifiers.js';
import { UsageError } from '../../../src/errors.js';
import { checkLineageName } from '../../../src/state/lineage-store.js';

describe('parseIdentifiers accepts', () => {
  test.each([
    ['example.com', { type: 'dns', value: 'example.com' }],
    ['WWW.Example.COM', { type: 'dns', value: 'www.example.com' }],
    ['*.example.com', { type: 'dns', value: '*.example.com' }],
    ['xn--mller-kva.de', { type: 'dns', value: 'xn--mller-kva.de' }],
    ['a-b.c-d.example', { type: 'dns', value: 'a-b.c-d.example' }],
    ['3com.com', { type: 'dns', value: '3com.com' }],
    [`${'a'.repeat(63)}.com`, { type: 'dns', value: `${'a'.repeat(63)}.com` }],
    ['192.0.2.1', { type: 'ip', value: '192.0.2.1' }],
    ['2001:DB8:0:0:0:0:0:1', { type: 'ip', value: '2001:db8::1' }],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', { type: 'ip', value: '2001:db8::1:0:0:1' }],
    ['2001:db8:0:1:1:1:1:1', { type: 'ip', value: '2001:db8:0:1:1:1:1:1' }],
    ['::1', { type: 'ip', value: '::1' }],
    ['::', { type: 'ip', value: '::' }],
    ['::ffff:192.0.2.1', { type: 'ip', value: '::ffff:c000:201' }],
    ['fe80::', { type: 'ip', value: 'fe80::' }],
  ])('%s', (name, identifier) => {
    expect(parseIdentifiers([name])).toEqual([identifier]);
  });

  test('keeps order, and mixes DNS names and addresses', () => {
    expect(parseIdentifiers(['b.example', '10.0.0.1', 'a.example'])).toEqual([
      { type: 'dns', value: 'b.example' },
      { type: 'ip', value: '10.0.0.1' },
      { type: 'dns', value: 'a.example' },
    ]);
  });

  test('a 253-character name is the longest allowed', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name).toHaveLength(253);
    expect(parseIdentifiers([name])).toHaveLength(1);
    expect(() => parseIdentifiers([`x${name}`])).toThrow(/longer than 253/);
  });
});

describe('parseIdentifiers refuses, with one line naming the value', () => {
  test.each([
    ['', /it is empty/],
    ['example', /at least two labels/],
    ['example.com.', /trailing dot/],
    ['_acme.example.com', /underscores/],
    ['my host.example.com', /white space/],
    [' example.com', /white space/],
    ['a..example.com', /empty label/],
    ['.example.com', /empty label/],
    ['-a.example.com', /letters, digits and hyphens/],
    ['a-.example.com', /letters, digits and hyphens/],
    ['a!.example.com', /letters, digits and hyphens/],
    [`${'a'.repeat(64)}.com`, /longer than 63/],
    ['*', /wildcard needs a name of at least two labels/],
    ['*.com', /wildcard needs a name of at least two labels/],
    ['www.*.example.com', /whole leftmost label/],
    ['*www.example.com', /whole leftmost label/],
    ['**.example.com', /whole leftmost label/],
    ['*.192.0.2.1', /IP address cannot have a wildcard/],
    ['*.::1', /IP address cannot have a wildcard/],
    ['a.example.com,b.example.com', /one name per -d/],
    ['münchen.de', /ASCII form: xn--mnchen-3ya\.de/],
    ['256.0.0.1', /neither a valid IPv4 address nor a DNS name/],
    ['192.0.2', /neither a valid IPv4 address nor a DNS name/],
    ['01.2.3.4', /neither a valid IPv4 address nor a DNS name/],
    ['2001:db8::1::2', /not a valid IPv6 address/],
    ['[2001:db8::1]', /without brackets/],
    ['fe80::1%eth0', /zone index/],
    ['12345::1', /not a valid IPv6 address/],
    ['a.example\u3002', /ASCII form: a\.example$/],
    ['a.example\uff0e', /ASCII form: a\.example$/],
    ['xn--a.example', /xn-- but is not valid punycode/],
    ['xn--abc.example', /xn-- but is not valid punycode/],
    ['www.xn--ab.example', /xn-- but is not valid punycode/],
  ])('%j', (name, reason) => {
    let error: unknown;
    try {
      parseIdentifiers([name]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toMatch(reason);
    expect(message).toContain(`"${name}"`);
    expect(message).not.toContain('\n');
  });

  test('no names at all', () => {
    expect(() => parseIdentifiers([])).toThrow(UsageError);
  });

  test.each([
    [['example.com', 'example.com'], 'duplicate name example.com'],
    [['example.com', 'EXAMPLE.com'], 'duplicate name EXAMPLE.com (same as example.com)'],
    [['2001:db8::1', '2001:DB8:0:0:0:0:0:1'], 'duplicate name 2001:DB8:0:0:0:0:0:1 (same as 2001:db8::1)'],
    [['a.example', '10.0.0.1', '10.0.0.1'], 'duplicate name 10.0.0.1'],
  ])('duplicates after normalisation: %j', (names, message) => {
    expect(() => parseIdentifiers(names)).toThrow(new UsageError(message));
  });

  test('a wildcard and its base name are different names', () => {
    expect(parseIdentifiers(['*.example.com', 'example.com'])).toHaveLength(2);
  });
});

describe('identifiersEqual compares as sets', () => {
  const dns = (value: string) => ({ type: 'dns' as const, value });
  const ip = (value: string) => ({ type: 'ip' as const, value });
  test.each([
    [[dns('a.example'), dns('b.example')], [dns('b.example'), dns('a.example')], true],
    [[dns('a.example')], [dns('A.EXAMPLE')], true],
    [[ip('2001:db8::1')], [ip('2001:DB8:0::1')], true],
    [[dns('a.example'), dns('a.example')], [dns('a.example')], true],
    [[dns('a.example')], [dns('a.example'), dns('b.example')], false],
    [[dns('a.example'), dns('b.example')], [dns('a.example'), dns('c.example')], false],
    [[dns('10.0.0.1')], [ip('10.0.0.1')], false],
    [[], [], true],
  ])('%j = %j → %s', (a, b, expected) => {
    expect(identifiersEqual(a, b)).toBe(expected);
    expect(identifiersEqual(b, a)).toBe(expected);
  });
});

describe('IP address text (RFC 5952 §4, as RFC 8738 §3 asks)', () => {
  test.each([
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: the first of two equal runs
    ['2001:db8:0:0:0:1:0:0', '2001:db8::1:0:0'], // the longer run wins even when later
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single zero group is not compressed
    ['2001:0DB8::0001', '2001:db8::1'], // §4.1 and §4.3: no leading zeros, lowercase
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:0:0:0:0:0', '1::'],
  ])('%s → %s', (input, canonical) => {
    expect(normaliseIpAddress(input)).toBe(canonical);
  });

  test('bytes round trip, and what is not an address', () => {
    expect([...(ipAddressBytes('::ffff:192.0.2.1') ?? [])]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
    expect(formatIpAddress(Uint8Array.from([192, 0, 2, 1]))).toBe('192.0.2.1');
    expect(formatIpAddress(new Uint8Array(5))).toBeUndefined();
    expect(normaliseIpAddress('example.com')).toBeUndefined();
    expect(normaliseIpAddress('fe80::1%eth0')).toBeUndefined();
  });
});

describe('the default lineage name of a first -d', () => {
  test.each([
    ['example.com', 'example.com'],
    ['*.example.com', '_wildcard.example.com'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8::1', '2001-db8--1'],
    ['::ffff:127.0.0.1', '0--ffff-7f00-1'],
    ['::1', '0--1'],
  ])('%s → %s, a name checkLineageName accepts', (given, expected) => {
    const name = defaultLineageName(parseIdentifiers([given])[0]!);
    expect(name).toBe(expected);
    expect(checkLineageName(name)).toBe(name);
  });
});
