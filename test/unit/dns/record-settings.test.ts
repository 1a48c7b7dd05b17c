import { expect, test } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { directoryNeeded, parseRecordOptions, recordSettingsFrom, type RecordOptions } from '../../../src/dns/record-settings.js';

const settle = (options: RecordOptions, ca: Parameters<typeof recordSettingsFrom>[2], thumbprint?: string) =>
  recordSettingsFrom(options, parseRecordOptions(options), ca, thumbprint);

test('options are checked before anything is read: --ttl, --persist-until, --validation-methods, --persist-draft', () => {
  expect(parseRecordOptions({ ttl: '300', persistUntil: '1767225600', validationMethods: 'dns-01, http-01,' })).toEqual({
    ttl: 300, persistUntil: new Date(1_767_225_600_000), validationMethods: ['dns-01', 'http-01'], draftOverride: undefined,
  });
  expect(parseRecordOptions({ persistUntil: '2026-12-31T00:00:00Z' }).persistUntil).toEqual(new Date('2026-12-31T00:00:00Z'));
  expect(() => parseRecordOptions({ ttl: '1.5' })).toThrow(new UsageError('--ttl must be a whole number of seconds, not "1.5"'));
  expect(() => parseRecordOptions({ ttl: '-1' })).toThrow(UsageError);
  expect(() => parseRecordOptions({ persistUntil: 'soon' })).toThrow(new UsageError('--persist-until must be an ISO 8601 date or UNIX seconds, not "soon"'));
});

test.each<[string, RecordOptions, boolean]>([
  ['nothing given', {}, true],
  ['--account-uri and --caa-identity: all the records need', { accountUri: 'https://ca/acct/1', caaIdentity: ['ca.example'] }, false],
  ['--caa-identity and --persist-draft', { caaIdentity: ['ca.example'], persistDraft: '01' }, false],
  ['--caa-identity and --account-hash-prefix', { caaIdentity: ['ca.example'], accountHashPrefix: 'p' }, false],
  ['--caa-identity alone: the draft comes from the directory', { caaIdentity: ['ca.example'] }, true],
])('the CA\'s directory is needed: %s', (_name, options, needed) => {
  expect(directoryNeeded(options, parseRecordOptions(options).draftOverride)).toBe(needed);
});

test('the options win over the directory; the issuer domain falls back to the directory\'s names, then the first CAA identity', () => {
  const ca = { caaIdentities: ['letsencrypt.org'], meta: { issuerDomainNames: ['persist.letsencrypt.org'] } };
  expect(settle({}, ca)).toMatchObject({ identities: ['letsencrypt.org'], issuerDomain: 'persist.letsencrypt.org', draft: '01', warnings: [] });
  expect(settle({ caaIdentity: ['mine.example'], issuerDomain: 'given.example' }, ca)).toMatchObject({ identities: ['mine.example'], issuerDomain: 'given.example' });
  expect(settle({}, { caaIdentities: ['letsencrypt.org'] })).toMatchObject({ issuerDomain: 'letsencrypt.org' });
});

test('a CA naming no CAA identity is a warning, not an error', () => {
  expect(settle({}, {})).toMatchObject({ identities: [], issuerDomain: undefined, warnings: ["the CA's directory lists no caaIdentities; pass --caa-identity to get CAA and dns-persist-01 records"] });
});

test('draft 02 (a directory with accountHashPrefix) needs that prefix and the key\'s thumbprint', () => {
  const ca = { caaIdentities: ['ca.example'], meta: { accountHashPrefix: 'acct-' } };
  expect(settle({}, ca, 'tp')).toMatchObject({ draft: '02', accountHashPrefix: 'acct-' });
  expect(() => settle({}, ca)).toThrow(new UsageError('dns-persist-01 draft 02 hashes the key thumbprint into the record: pass -k'));
  expect(() => settle({ persistDraft: '02' }, { caaIdentities: ['ca.example'] }, 'tp')).toThrow(new UsageError("dns-persist-01 draft 02 needs the directory's accountHashPrefix: pass --account-hash-prefix, or drop --offline"));
});
