import { execFileSync } from 'node:child_process';

import { describe, expect, test } from 'vitest';

import { dnsAccountLabel, dnsAccountRecordName, dnsAccountRecords } from '../../../src/dns/dns-account.js';
import { UsageError } from '../../../src/errors.js';

const DRAFT_ACCOUNT = 'https://example.com/acme/acct/ExampleAccount';

function opensslLabel(accountUri: string): string {
  // Independent of our code: SHA-256 by openssl, first 10 octets, RFC 4648 base32 by coreutils.
  return execFileSync('sh', ['-c', 'printf %s "$1" | openssl dgst -sha256 -binary | head -c 10 | base32', 'sh', accountUri], {
    encoding: 'utf8',
  })
    .trim()
    .toLowerCase()
    .replace(/=+$/, '');
}

describe('dns-account-01 label', () => {
  test('draft-ietf-acme-dns-account-label example: ExampleAccount → _ujmmovf2vn55tgye._acme-challenge', () => {
    expect(dnsAccountLabel(DRAFT_ACCOUNT)).toBe('ujmmovf2vn55tgye');
    expect(dnsAccountRecordName('example.org', DRAFT_ACCOUNT)).toBe('_ujmmovf2vn55tgye._acme-challenge.example.org.');
  });

  test.each([
    'https://localhost:4000/acme/acct/1',
    'https://acme-v02.api.letsencrypt.org/acme/acct/12345',
    'https://acme-staging-v02.api.letsencrypt.org/acme/acct/987654321',
    'https://127.0.0.1:14000/my-account/1',
  ])('matches openssl + base32 for %s', (accountUri) => {
    const label = dnsAccountLabel(accountUri);
    expect(label).toMatch(/^[a-z2-7]{16}$/);
    expect(label).toBe(opensslLabel(accountUri));
  });

  test('the record name uses the authorization identifier; a wildcard is refused with the base domain named', () => {
    expect(dnsAccountRecordName('WWW.Example.org.', DRAFT_ACCOUNT)).toBe('_ujmmovf2vn55tgye._acme-challenge.www.example.org.');
    expect(() => dnsAccountRecordName('*.example.org', DRAFT_ACCOUNT)).toThrow(/use the base domain "example\.org"/);
  });

  test('refuses account URIs that are not https URLs', () => {
    expect(() => dnsAccountLabel('example.com/acct/1')).toThrow(UsageError);
    expect(() => dnsAccountLabel('https://ca.example/a b')).toThrow(UsageError);
  });
});

describe('dnsAccountRecords', () => {
  test('without a key authorization: the name, and the per-challenge TXT as a commented placeholder', () => {
    expect(dnsAccountRecords({ zone: 'example.org', accountUri: DRAFT_ACCOUNT })).toEqual([
      '; dns-account-01 (draft-ietf-acme-dns-account-label-02) for example.org: the name is fixed for this account,',
      '; the TXT value is base64url(SHA-256(key authorization)) of each challenge, so it changes every time',
      '; _ujmmovf2vn55tgye._acme-challenge.example.org.  IN  TXT "<base64url(SHA-256(key authorization))>"',
    ]);
  });

  test('with a key authorization: the real TXT value, base64url(SHA-256(keyAuthorization)) as for dns-01', () => {
    // RFC 8555 §8.1 style key authorization; the digest is checked against openssl.
    const keyAuthorization = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const digest = execFileSync('sh', ['-c', 'printf %s "$1" | openssl dgst -sha256 -binary | base64', 'sh', keyAuthorization], {
      encoding: 'utf8',
    })
      .trim()
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const lines = dnsAccountRecords({ zone: 'example.org', accountUri: DRAFT_ACCOUNT, keyAuthorization, ttl: 60 });
    expect(lines.at(-1)).toBe(`_ujmmovf2vn55tgye._acme-challenge.example.org.  60  IN  TXT "${digest}"`);
  });

  test('with a CNAME target: the delegation line, then where the TXT goes', () => {
    expect(dnsAccountRecords({ zone: 'example.org', accountUri: DRAFT_ACCOUNT, cnameTarget: 'example-org.acme.example.net' }).slice(2)).toEqual([
      '_ujmmovf2vn55tgye._acme-challenge.example.org.  IN  CNAME example-org.acme.example.net.',
      '; then, in the zone of example-org.acme.example.net. and for each challenge:',
      '; example-org.acme.example.net.  IN  TXT "<base64url(SHA-256(key authorization))>"',
    ]);
  });

  test('refuses a malformed key authorization and CNAME plus TXT on one name', () => {
    expect(() => dnsAccountRecords({ zone: 'example.org', accountUri: DRAFT_ACCOUNT, keyAuthorization: '<script>.x' })).toThrow(UsageError);
    expect(() =>
      dnsAccountRecords({
        zone: 'example.org',
        accountUri: DRAFT_ACCOUNT,
        cnameTarget: 'a.example.net',
        keyAuthorization: 'tok.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
      }),
    ).toThrow(/both a CNAME and a TXT/);
  });
});
