import { expect, test } from 'vitest';
import { decideRenewal, decideRun, type RunFacts } from '../../../src/issuance/renewal-decision.js';
import type { LineageRecord, LineageVersion } from '../../../src/state/lineage-store.js';

// A fixed clock: every case below is a moment, not a sleep.
const DAY = 86_400_000;
const ISSUED = Date.UTC(2026, 0, 1);

function version(lifetimeDays: number, extra: Partial<LineageVersion> = {}): LineageVersion {
  return {
    number: 1, issuedAt: new Date(ISSUED).toISOString(), notBefore: new Date(ISSUED).toISOString(), notAfter: new Date(ISSUED + lifetimeDays * DAY).toISOString(),
    serial: '01', sha256: 'a'.repeat(64), orderUrl: 'https://ca/order/1', certificateUrl: 'https://ca/cert/1', hasKey: true, ariCertId: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE', ...extra,
  };
}

function lineage(current: LineageVersion | undefined, extra: Partial<LineageRecord> = {}): LineageRecord {
  return {
    config: { name: 'a.example', identifiers: [{ type: 'dns', value: 'a.example' }], directoryUrl: 'https://ca/dir', accountKeyPath: '/k', keyType: 'ec256', reuseKey: false, solvers: [], challengeTypes: [], outDir: '/o', bundle: false, renewDays: '20-30' },
    createdAt: new Date(ISSUED).toISOString(), acmecliVersion: 'test', versions: current ? [current] : [], ...(current ? { current: current.number } : {}), ...extra,
  };
}

const at = (days: number) => new Date(ISSUED + days * DAY);

test('90-day certificate, --renew-days 20-30: due from a point between 20 and 30 days before expiry, the same point every run', () => {
  const record = lineage(version(90));
  const early = decideRenewal(record, at(10), false);
  expect(early).toMatchObject({ isDue: false, basis: 'window', shouldCheckAri: false });
  const renewAt = early.renewAt.getTime();
  expect(renewAt).toBeGreaterThanOrEqual(ISSUED + 60 * DAY);
  expect(renewAt).toBeLessThanOrEqual(ISSUED + 70 * DAY);
  expect(decideRenewal(record, new Date(renewAt - 1), false).isDue).toBe(false);
  expect(decideRenewal(record, new Date(renewAt), false)).toMatchObject({ isDue: true, renewAt: early.renewAt });
});

test('a six-day certificate is short-lived: due between 50 % and 75 % of its life', () => {
  const { renewAt } = decideRenewal(lineage(version(6)), at(0), false);
  expect(renewAt.getTime()).toBeGreaterThanOrEqual(ISSUED + 3 * DAY);
  expect(renewAt.getTime()).toBeLessThanOrEqual(ISSUED + 4.5 * DAY);
});

test('no certificate, or a revoked one: due now', () => {
  expect(decideRenewal(lineage(undefined), at(1), true)).toEqual({ isDue: true, renewAt: at(1), basis: 'no-certificate', shouldCheckAri: false });
  expect(decideRenewal(lineage(version(90, { revoked: { at: at(1).toISOString(), reason: 1 } })), at(2), true)).toEqual({ isDue: true, renewAt: at(2), basis: 'revoked', shouldCheckAri: false });
});

test('ARI: asked when supported and no answer is kept; a kept answer decides until its next check', () => {
  const current = version(90);
  expect(decideRenewal(lineage(current), at(10), true)).toMatchObject({ basis: 'window', shouldCheckAri: true });
  const ari = { certId: current.ariCertId!, windowStart: at(40).toISOString(), windowEnd: at(41).toISOString(), renewAt: at(40.5).toISOString(), nextCheckAt: at(11).toISOString() };
  expect(decideRenewal(lineage(current, { ari }), at(10), true)).toEqual({ isDue: false, renewAt: at(40.5), basis: 'ari', shouldCheckAri: false });
  expect(decideRenewal(lineage(current, { ari }), at(12), true)).toMatchObject({ isDue: false, basis: 'ari', shouldCheckAri: true });
  expect(decideRenewal(lineage(current, { ari }), at(40.5), true)).toMatchObject({ isDue: true, basis: 'ari' });
  // An answer about another certificate (the one before) is not used.
  expect(decideRenewal(lineage(current, { ari: { ...ari, certId: 'other' } }), at(10), true)).toMatchObject({ basis: 'window', shouldCheckAri: true });
});

const facts = (over: Partial<RunFacts>): RunFacts => ({ kind: 'renew', record: lineage(version(90)), now: at(10), force: false, dryRun: false, needsNewCertificate: false, ariSupported: false, ariAsked: false, ...over });

test.each([
  ['cert issue, no certificate yet', { kind: 'issue', record: lineage(undefined) }, { action: 'issue', basis: 'new' }],
  ['cert issue, settings that need a new certificate', { kind: 'issue', needsNewCertificate: true }, { action: 'issue', basis: 'changed' }],
  ['cert issue --force', { kind: 'issue', force: true }, { action: 'issue', basis: 'forced' }],
  ['cert issue, due', { kind: 'issue', now: at(80) }, { action: 'issue', basis: 'window' }],
  ['cert issue never asks ARI', { kind: 'issue', ariSupported: true, now: at(80) }, { action: 'issue', basis: 'window' }],
  ['cert renew --dry-run, even when forced', { dryRun: true, force: true }, { action: 'dry-run' }],
  ['cert renew --force', { force: true }, { action: 'issue', basis: 'forced' }],
  ['cert renew, due by the window', { now: at(80) }, { action: 'issue', basis: 'window' }],
  ['cert renew, revoked', { record: lineage(version(90, { revoked: { at: at(1).toISOString(), reason: 1 } })) }, { action: 'issue', basis: 'revoked' }],
  ['cert renew, ARI supported and never asked', { ariSupported: true }, { action: 'ask-ari' }],
] as const)('decideRun: %s', (_name, over, expected) => {
  expect(decideRun(facts(over as Partial<RunFacts>))).toEqual(expected);
});

test('decideRun: not due says until when; after ARI was asked, its answer decides and it is not asked again', () => {
  expect(decideRun(facts({ kind: 'issue' }))).toMatchObject({ action: 'not-due', decision: { isDue: false, basis: 'window' } });
  const current = version(90);
  const ari = { certId: current.ariCertId!, windowStart: at(5).toISOString(), windowEnd: at(6).toISOString(), renewAt: at(5.5).toISOString(), nextCheckAt: at(10.25).toISOString() };
  expect(decideRun(facts({ record: lineage(current, { ari }), ariSupported: true, ariAsked: true }))).toEqual({ action: 'issue', basis: 'ari' });
  const later = { ...ari, renewAt: at(50).toISOString() };
  expect(decideRun(facts({ record: lineage(current, { ari: later }), ariSupported: false, ariAsked: true }))).toMatchObject({ action: 'not-due', decision: { basis: 'ari', renewAt: at(50) } });
});
