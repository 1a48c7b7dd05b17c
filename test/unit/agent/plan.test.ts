import { expect, test } from 'vitest';
import type { CertificateConfig } from '../../../src/agent/config/schema.js';
import { planChanges } from '../../../src/agent/plan.js';
import type { ManagerCertificate } from '../../../src/manager/types.js';

const cert: CertificateConfig = {
  domain: 'a.example', issuer: 'pebble', name: '', bundle: false, san: 'b.example,c.example', sanNames: ['b.example', 'c.example'], days: 90,
  renewalDays: '20-30', dnsChallenge: '', httpChallenge: 'http', keyType: 'ec256', labels: 'team=web', profile: '', line: 3,
};
const server: ManagerCertificate = {
  domain: 'a.example', issuer: 'pebble', bundle: false, san: 'c.example,b.example', days: 90, renewal_days: '20-30', http_challenge: 'http', key_type: 'EC256', labels: 'team=web',
};

test('in step: nothing to ask (SAN order and key type case do not count)', () => {
  expect(planChanges(cert, server, 'ok')).toBeUndefined();
});

test.each([
  ['another key type: re-issued with a new key', { key_type: 'rsa2048' }, 'ok', { kind: 'reissue', newKey: true, why: 'key type rsa2048 → ec256' }],
  ['a lost key with no backup: re-issued with a new key', {}, 'lost', { kind: 'reissue', newKey: true, why: 'the private key is lost and no backup pairs with the certificate' }],
  ['names changed: re-issued, the key kept', { san: 'b.example' }, 'ok', { kind: 'reissue', newKey: false, why: 'san changed' }],
  ['several order fields: one re-issue naming them all', { days: 30, bundle: true, profile: 'shortlived' }, 'ok', { kind: 'reissue', newKey: false, why: 'days, bundle, profile changed' }],
  ['only renewal_days and labels: one metadata update for both', { renewal_days: '10', labels: '' }, 'ok', { kind: 'metadata', why: 'renewal_days, labels changed' }],
] as const)('%s', (_name, serverChange, key, expected) => {
  expect(planChanges(cert, { ...server, ...serverChange }, key)).toMatchObject(expected);
});

test('a key type change wins over everything else, and a missing key_type means ec256', () => {
  expect(planChanges(cert, { ...server, key_type: undefined }, 'ok')).toBeUndefined();
  expect(planChanges({ ...cert, keyType: 'rsa2048' }, { ...server, key_type: undefined, san: 'x.example' }, 'lost')).toMatchObject({ kind: 'reissue', newKey: true, why: 'key type ec256 → rsa2048' });
});
