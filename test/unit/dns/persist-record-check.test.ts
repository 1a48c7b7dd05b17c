import { describe, expect, test } from 'vitest';

import { persistHashedAccountUri, persistNamesToRepublish, persistRecordMismatch, type PersistExpectation } from '../../../src/dns/dns-persist.js';

const thumbprint = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const accountUrl = 'https://ca.example/acme/acct/42';
const prefix = 'https://ca.example/acct-hash/';
const base: PersistExpectation = { domain: 'example.org', issuerDomainNames: ['ca.example'], accountUrl, thumbprint, accountHashPrefix: prefix, wildcard: false, nowSeconds: 1_800_000_000 };

describe('the dns-persist-01 pre-check reads the whole record', () => {
  test('draft-01 form (the account URL) and draft-02 forms (hashed for the domain, or for *) match', () => {
    expect(persistRecordMismatch(`ca.example; accounturi=${accountUrl}`, base)).toBeUndefined();
    expect(persistRecordMismatch(`ca.example; accounturi=${persistHashedAccountUri(prefix, 'example.org', thumbprint, accountUrl)}`, base)).toBeUndefined();
    expect(persistRecordMismatch(`CA.example.; accounturi=${persistHashedAccountUri(prefix, '*', thumbprint, accountUrl)}; policy=wildcard`, { ...base, wildcard: true })).toBeUndefined();
  });

  test('another account, another CA, another domain\'s hash: each is named', () => {
    expect(persistRecordMismatch('ca.example; accounturi=https://ca.example/acme/acct/43', base)).toMatch(/accounturi "https:\/\/ca\.example\/acme\/acct\/43" is not this account's/);
    expect(persistRecordMismatch(`other-ca.example; accounturi=${accountUrl}`, base)).toBe('issuer "other-ca.example" is not one the CA named (ca.example)');
    expect(persistRecordMismatch(`ca.example; accounturi=${persistHashedAccountUri(prefix, 'example.net', thumbprint, accountUrl)}`, base)).toMatch(/is not this account's/);
    // Only "accounturi=" somewhere, which the old check took:
    expect(persistRecordMismatch('ca.example; note=accounturi=x', base)).toBe('it has no accounturi=');
  });

  test('a wildcard needs policy=wildcard; a persistUntil in the past is ignored by CAs', () => {
    expect(persistRecordMismatch(`ca.example; accounturi=${accountUrl}`, { ...base, wildcard: true })).toBe('a wildcard needs policy=wildcard');
    expect(persistRecordMismatch(`ca.example; accounturi=${accountUrl}; persistUntil=1700000000`, base)).toMatch(/persistUntil 2023-11-14T22:13:20.000Z has passed/);
    expect(persistRecordMismatch(`ca.example; accounturi=${accountUrl}; persistUntil=1900000000`, base)).toBeUndefined();
  });

  test('without accountHashPrefix only the draft-01 form matches; without issuer names any issuer does', () => {
    const noPrefix = { ...base, accountHashPrefix: undefined, issuerDomainNames: [] };
    expect(persistRecordMismatch(`whoever.example; accounturi=${accountUrl}`, noPrefix)).toBeUndefined();
    expect(persistRecordMismatch(`ca.example; accounturi=${persistHashedAccountUri(prefix, 'example.org', thumbprint, accountUrl)}`, noPrefix)).toMatch(/is not this account's/);
  });
});

describe('account rekey: which dns-persist-01 records to republish', () => {
  const persist = { solvers: [{ kind: 'dns-persist' }], identifiers: [{ type: 'dns', value: '*.example.org' }, { type: 'dns', value: 'example.org' }, { type: 'dns', value: 'b.example.net' }] };
  const http = { solvers: [{ kind: 'http-standalone' }], identifiers: [{ type: 'dns', value: 'web.example.org' }] };
  test('the names of lineages proven by dns-persist, when the CA hashes the thumbprint (draft 02)', () => {
    expect(persistNamesToRepublish([persist, http], { accountHashPrefix: 'https://ca.example/h/' })).toEqual(['b.example.net', 'example.org']);
  });
  test('none when the CA uses the account URL (draft 01): it did not change', () => {
    expect(persistNamesToRepublish([persist, http], { caaIdentities: ['ca.example'] })).toEqual([]);
    expect(persistNamesToRepublish([persist], undefined)).toEqual([]);
  });
});
