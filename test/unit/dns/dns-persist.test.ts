import { createHash } from 'node:crypto';

import { describe, expect, test } from 'vitest';

import {
  choosePersistDraft,
  dnsPersistRecords,
  parsePersistDraft,
  persistHashedAccountUri,
  persistIssuerDomainNames,
} from '../../../src/dns/dns-persist.js';
import { UsageError } from '../../../src/errors.js';

// draft-ietf-acme-dns-persist-02 §10.2 inputs (the thumbprint is RFC 7638 §3.1's example).
const THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const ACCOUNT = 'https://ca.example/acct/123';
const PREFIX = 'https://ca.example/account-hash/';

describe('draft-02 hashed account URI', () => {
  test('draft-ietf-acme-dns-persist-02 §10.2 vector for example.com', () => {
    expect(persistHashedAccountUri(PREFIX, 'example.com', THUMBPRINT, ACCOUNT)).toBe(
      'https://ca.example/account-hash/sha-256/5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw',
    );
  });

  test('draft-ietf-acme-dns-persist-02 §10.2 vector for the domain-omitted form (*)', () => {
    expect(persistHashedAccountUri(PREFIX, '*', THUMBPRINT, ACCOUNT)).toBe(
      'https://ca.example/account-hash/sha-256/NpDnSwUthQK8zCgFdefYxAdAVPnygMLbs9US6oO-5ug',
    );
  });

  test('the domain is lowercased without its trailing dot before hashing (§9.2)', () => {
    expect(persistHashedAccountUri(PREFIX, 'EXAMPLE.com.', THUMBPRINT, ACCOUNT)).toBe(
      persistHashedAccountUri(PREFIX, 'example.com', THUMBPRINT, ACCOUNT),
    );
  });

  test('the length octet is part of the hash input', () => {
    const withoutLength = createHash('sha256').update(`example.com${THUMBPRINT}${ACCOUNT}`).digest('base64url');
    expect(persistHashedAccountUri(PREFIX, 'example.com', THUMBPRINT, ACCOUNT)).not.toContain(withoutLength);
  });
});

describe('dnsPersistRecords', () => {
  test('draft 01 (also the -00 form): the plain account URL (draft-01 §4.1)', () => {
    expect(
      dnsPersistRecords({ zone: 'Example.org', issuerDomain: 'LetsEncrypt.org', accountUri: ACCOUNT, draft: '01' }),
    ).toEqual([
      '; dns-persist-01 (draft-ietf-acme-dns-persist-01) for example.org only',
      `_validation-persist.example.org.  IN  TXT "letsencrypt.org; accounturi=${ACCOUNT}"`,
    ]);
  });

  test('draft 01 with policy=wildcard, persistUntil in UNIX seconds (rounded down) and a TTL', () => {
    expect(
      dnsPersistRecords({
        zone: 'example.org',
        issuerDomain: 'ca2.example',
        accountUri: 'https://ca2.example/acme/acct/67890',
        draft: '01',
        wildcard: true,
        persistUntil: new Date('2026-01-01T00:00:00.999Z'),
        ttl: 3600,
      }),
    ).toEqual([
      '; dns-persist-01 (draft-ietf-acme-dns-persist-01) for example.org, *.example.org and subdomains, ignored by CAs after 2026-01-01T00:00:00.000Z',
      '_validation-persist.example.org.  3600  IN  TXT "ca2.example; accounturi=https://ca2.example/acme/acct/67890; policy=wildcard; persistUntil=1767225600"',
    ]);
  });

  test('draft 02 reproduces draft-02 §10.6 (wildcard with persistUntil) as one concatenated value', () => {
    const [, record] = dnsPersistRecords({
      zone: 'example.com',
      issuerDomain: 'authority.example',
      accountUri: ACCOUNT,
      draft: '02',
      accountHashPrefix: PREFIX,
      thumbprint: THUMBPRINT,
      wildcard: true,
      persistUntil: new Date(1721952000 * 1000),
    });
    expect(record).toBe(
      '_validation-persist.example.com.  IN  TXT "authority.example; accounturi=https://ca.example/account-hash/sha-256/5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw; policy=wildcard; persistUntil=1721952000"',
    );
  });

  test('draft 02 with hashScope any uses the domain-omitted URI', () => {
    const [comment, record] = dnsPersistRecords({
      zone: 'example.com',
      issuerDomain: 'authority.example',
      accountUri: ACCOUNT,
      draft: '02',
      accountHashPrefix: PREFIX,
      thumbprint: THUMBPRINT,
      hashScope: 'any',
    });
    expect(comment).toBe('; dns-persist-01 (draft-ietf-acme-dns-persist-02) for example.com only');
    expect(record).toBe(
      '_validation-persist.example.com.  IN  TXT "authority.example; accounturi=https://ca.example/account-hash/sha-256/NpDnSwUthQK8zCgFdefYxAdAVPnygMLbs9US6oO-5ug"',
    );
  });

  test('a value over 255 octets is split into several character-strings (draft-02 §9.1)', () => {
    const longAccount = `https://ca.example/acct/${'7'.repeat(300)}`;
    const [, record] = dnsPersistRecords({ zone: 'example.org', issuerDomain: 'ca.example', accountUri: longAccount, draft: '01' });
    const value = `ca.example; accounturi=${longAccount}`;
    expect(record).toBe(`_validation-persist.example.org.  IN  TXT "${value.slice(0, 255)}" "${value.slice(255)}"`);
  });

  test.each([
    [{ draft: '02' as const, thumbprint: THUMBPRINT }, /accountHashPrefix/],
    [{ draft: '02' as const, accountHashPrefix: PREFIX }, /thumbprint/],
    [{ draft: '02' as const, accountHashPrefix: PREFIX, thumbprint: 'short' }, /thumbprint "short"/],
    [{ draft: '02' as const, accountHashPrefix: 'https://ca.example/a b/', thumbprint: THUMBPRINT }, /accountHashPrefix/],
    [{ draft: '01' as const, accountHashPrefix: PREFIX }, /apply to draft 02/],
    [{ draft: '01' as const, zone: '*.example.org' }, /zone "\*\.example\.org"/],
    [{ draft: '01' as const, zone: 'exa mple.org' }, /zone "exa mple\.org"/],
    [{ draft: '01' as const, issuerDomain: 'authority.example.' + 'x'.repeat(64) }, /issuer domain/],
    [{ draft: '01' as const, accountUri: 'ca.example/acct/1' }, /account URI/],
    [{ draft: '01' as const, persistUntil: new Date('nonsense') }, /persistUntil/],
  ])('refuses bad input %#', (overrides, message) => {
    const options = { zone: 'example.org', issuerDomain: 'authority.example', accountUri: ACCOUNT, ...overrides };
    expect(() => dnsPersistRecords(options)).toThrow(UsageError);
    expect(() => dnsPersistRecords(options)).toThrow(message);
  });
});

describe('choosing the draft', () => {
  test('meta.accountHashPrefix (draft-02 §8.3) means draft 02; its absence means 01', () => {
    expect(choosePersistDraft({ accountHashPrefix: PREFIX, issuerDomainNames: ['authority.example'] })).toBe('02');
    expect(choosePersistDraft({ caaIdentities: ['letsencrypt.org'] })).toBe('01');
    expect(choosePersistDraft(undefined)).toBe('01');
    expect(choosePersistDraft({ accountHashPrefix: 42 })).toBe('01');
  });

  test('an override wins over the directory', () => {
    expect(choosePersistDraft({ accountHashPrefix: PREFIX }, '01')).toBe('01');
    expect(choosePersistDraft({}, '02')).toBe('02');
  });

  test('parsePersistDraft maps 00 to the shared 01 form and refuses the rest', () => {
    expect(parsePersistDraft('00')).toBe('01');
    expect(parsePersistDraft('draft-ietf-acme-dns-persist-01')).toBe('01');
    expect(parsePersistDraft('02')).toBe('02');
    expect(() => parsePersistDraft('03')).toThrow(UsageError);
  });

  test('persistIssuerDomainNames takes only a conforming directory array (draft-02 §3.2)', () => {
    expect(persistIssuerDomainNames({ issuerDomainNames: ['authority.example', 'ca.example.net'] })).toEqual([
      'authority.example',
      'ca.example.net',
    ]);
    expect(persistIssuerDomainNames({ issuerDomainNames: [] })).toBeUndefined();
    expect(persistIssuerDomainNames({ issuerDomainNames: ['Authority.example'] })).toBeUndefined();
    expect(persistIssuerDomainNames({ issuerDomainNames: ['authority.example.'] })).toBeUndefined();
    expect(persistIssuerDomainNames({ issuerDomainNames: Array(11).fill('a.example') })).toBeUndefined();
    expect(persistIssuerDomainNames({})).toBeUndefined();
  });
});
