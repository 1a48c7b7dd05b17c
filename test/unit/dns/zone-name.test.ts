import { describe, expect, test } from 'vitest';

import { normalizeZoneName } from '../../../src/dns/zone-name.js';
import { UsageError } from '../../../src/errors.js';

function refusal(input: string): InstanceType<typeof UsageError> {
  try {
    normalizeZoneName(input);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as InstanceType<typeof UsageError>;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('normalizeZoneName', () => {
  test('lowercases and gives both spellings, with and without the trailing dot', () => {
    expect(normalizeZoneName('Example.ORG')).toEqual({ fqdn: 'example.org.', bare: 'example.org' });
    expect(normalizeZoneName('example.org.')).toEqual({ fqdn: 'example.org.', bare: 'example.org' });
    expect(normalizeZoneName('_validation-persist.xn--nicode-example-9jb.com').bare).toBe(
      '_validation-persist.xn--nicode-example-9jb.com',
    );
  });

  test('accepts 63-character labels and 253-character names (RFC 1035 §2.3.4)', () => {
    const label63 = 'a'.repeat(63);
    expect(normalizeZoneName(`${label63}.org`).bare).toBe(`${label63}.org`);
    const name253 = [label63, label63, label63, 'b'.repeat(61)].join('.');
    expect(name253).toHaveLength(253);
    expect(normalizeZoneName(name253).fqdn).toBe(`${name253}.`);
  });

  test.each([
    ['', 'empty'],
    ['.', 'empty'],
    ['exa mple.org', 'whitespace'],
    [' example.org', 'whitespace'],
    ['example.org\n', 'whitespace'],
    ['example..org', 'empty label'],
    ['.example.org', 'empty label'],
    ['*.example.org', 'wildcards'],
    ['*', 'wildcards'],
    ['www.*.example.org', 'may only hold'],
    [`${'a'.repeat(64)}.org`, 'longer than 63'],
    [[...Array(4)].map(() => 'a'.repeat(63)).join('.'), 'longer than 253'],
    ['-bad.example.org', 'starts or ends'],
    ['bad-.example.org', 'starts or ends'],
    ['ex"ample.org', 'may only hold'],
    ['example.org;', 'may only hold'],
    ['bücher.example', 'A-label'],
  ])('refuses %j (%s) with a one-line message naming it', (input, why) => {
    const err = refusal(input);
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain(why);
    expect(err.message).toContain(`zone ${JSON.stringify(input)}`);
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  test('names the input as the caller says', () => {
    expect(() => normalizeZoneName('a b', 'issuer domain')).toThrow(/^issuer domain "a b"/);
  });
});
