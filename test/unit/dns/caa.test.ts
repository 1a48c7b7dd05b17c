import { describe, expect, test } from 'vitest';

import { CAA_VALIDATION_METHODS, caaRecords } from '../../../src/dns/caa.js';
import { UsageError } from '../../../src/errors.js';

const ACCOUNT = 'https://acme-v02.api.letsencrypt.org/acme/acct/123456';

describe('caaRecords', () => {
  test('one issue record per CA identity, zone lowercased with trailing dot', () => {
    expect(caaRecords({ zone: 'Example.ORG', caaIdentities: ['letsencrypt.org', 'pki.goog'] })).toEqual([
      'example.org.  IN  CAA 0 issue "letsencrypt.org"',
      'example.org.  IN  CAA 0 issue "pki.goog"',
    ]);
  });

  test('RFC 8657 accounturi and validationmethods parameters, with a TTL', () => {
    expect(
      caaRecords({
        zone: 'example.org.',
        caaIdentities: ['LetsEncrypt.org'],
        accountUri: ACCOUNT,
        validationMethods: ['dns-01', 'HTTP-01', 'dns-01'],
        ttl: 3600,
      }),
    ).toEqual([
      `example.org.  3600  IN  CAA 0 issue "letsencrypt.org; accounturi=${ACCOUNT}; validationmethods=dns-01,http-01"`,
    ]);
  });

  test('issueWild: true repeats the values as issuewild records', () => {
    expect(caaRecords({ zone: 'example.org', caaIdentities: ['letsencrypt.org'], accountUri: ACCOUNT, issueWild: true })).toEqual([
      `example.org.  IN  CAA 0 issue "letsencrypt.org; accounturi=${ACCOUNT}"`,
      `example.org.  IN  CAA 0 issuewild "letsencrypt.org; accounturi=${ACCOUNT}"`,
    ]);
  });

  test('issueWild: false forbids wildcards with issuewild ";" (RFC 8659 §4.3)', () => {
    expect(caaRecords({ zone: 'example.org', caaIdentities: ['letsencrypt.org'], issueWild: false })).toEqual([
      'example.org.  IN  CAA 0 issue "letsencrypt.org"',
      'example.org.  IN  CAA 0 issuewild ";"',
    ]);
  });

  test('accepts every method in the table and CA-specific "ca-" methods (RFC 8657 §4)', () => {
    const methods = [...Object.keys(CAA_VALIDATION_METHODS), 'ca-whois'];
    const [line] = caaRecords({ zone: 'example.org', caaIdentities: ['ca.example'], validationMethods: methods });
    expect(line).toBe(`example.org.  IN  CAA 0 issue "ca.example; validationmethods=${methods.join(',')}"`);
  });

  test.each([
    [{ zone: 'exa mple.org', caaIdentities: ['letsencrypt.org'] }, /zone "exa mple\.org"/],
    [{ zone: '*.example.org', caaIdentities: ['letsencrypt.org'] }, /zone "\*\.example\.org".*wildcards/],
    [{ zone: 'example.org', caaIdentities: [] }, /no CA identity .* example\.org/],
    [{ zone: 'example.org', caaIdentities: ['lets encrypt.org'] }, /CA identity "lets encrypt\.org"/],
    [{ zone: 'example.org', caaIdentities: ['letsencrypt.org'], accountUri: 'https://ca.example/acct/1; x=y' }, /account URI/],
    [{ zone: 'example.org', caaIdentities: ['letsencrypt.org'], accountUri: 'https://ca.example/"acct' }, /account URI/],
    [{ zone: 'example.org', caaIdentities: ['letsencrypt.org'], accountUri: 'http://ca.example/acct/1' }, /not an https URL/],
    [{ zone: 'example.org', caaIdentities: ['letsencrypt.org'], validationMethods: ['http01'] }, /unknown validation method "http01"/],
    [{ zone: 'example.org', caaIdentities: ['letsencrypt.org'], validationMethods: [] }, /empty/],
    [{ zone: 'example.org', caaIdentities: ['letsencrypt.org'], ttl: -1 }, /TTL -1/],
    [{ zone: 'example.org', caaIdentities: ['letsencrypt.org'], ttl: 1.5 }, /TTL 1\.5/],
  ])('refuses bad input %#', (options, message) => {
    expect(() => caaRecords(options)).toThrow(UsageError);
    expect(() => caaRecords(options)).toThrow(message);
  });
});
