import { expect, test } from 'vitest';
import { expiringWithin, lineageSummary } from '../../../src/issuance/lineage-summary.js';
import type { LineageRecord, LineageVersion } from '../../../src/state/lineage-store.js';

// A fixed clock: every case is a moment.
const DAY = 86_400_000;
const ISSUED = Date.UTC(2026, 0, 1);
const CA = 'https://ca/dir';

function version(number: number, lifetimeDays: number, extra: Partial<LineageVersion> = {}): LineageVersion {
  return {
    number, issuedAt: new Date(ISSUED).toISOString(), notBefore: new Date(ISSUED).toISOString(), notAfter: new Date(ISSUED + lifetimeDays * DAY).toISOString(),
    serial: `0${number}`, sha256: 'a'.repeat(64), orderUrl: 'https://ca/order/1', certificateUrl: 'https://ca/cert/1', hasKey: true, ...extra,
  };
}

function lineage(versions: LineageVersion[], extra: Partial<LineageRecord> = {}): LineageRecord {
  const current = versions.at(-1);
  return {
    config: { name: 'a.example', identifiers: [{ type: 'dns', value: 'a.example' }, { type: 'ip', value: '192.0.2.1' }], directoryUrl: CA, accountKeyPath: '/k', keyType: 'ec256', reuseKey: false, solvers: [], challengeTypes: [], outDir: '/o', bundle: false, renewDays: '20-30' },
    createdAt: new Date(ISSUED).toISOString(), acmecliVersion: 'test', versions, ...(current ? { current: current.number } : {}), ...extra,
  };
}

test('a lineage with a current certificate: its dates, the next renewal from the window, and who issued it', () => {
  const summary = lineageSummary(lineage([version(1, 90), version(2, 90, { directoryUrl: 'https://fallback/dir' })]), new Date(ISSUED + 10 * DAY));
  expect(summary).toMatchObject({
    name: 'a.example', status: 'ok', identifiers: ['a.example', '192.0.2.1'], directoryUrl: CA,
    notAfter: new Date(ISSUED + 90 * DAY).toISOString(), serial: '02', renewalBasis: 'window', versions: 2,
    lastResult: null, health: null, issuedBy: 'https://fallback/dir', fallbackUsed: true,
  });
  const renewAt = Date.parse(summary.nextRenewal!);
  expect(renewAt).toBeGreaterThanOrEqual(ISSUED + 60 * DAY);
  expect(renewAt).toBeLessThanOrEqual(ISSUED + 70 * DAY);
  expect(summary.settings.identifiers).toEqual(['a.example', '192.0.2.1']);
});

test('a lineage issued by its own CA has not used a fallback; one without a certificate has no dates', () => {
  expect(lineageSummary(lineage([version(1, 90)]), new Date(ISSUED))).toMatchObject({ issuedBy: CA, fallbackUsed: false });
  expect(lineageSummary(lineage([]), new Date(ISSUED))).toMatchObject({ notAfter: null, serial: null, nextRenewal: null, renewalBasis: null, issuedBy: null, fallbackUsed: false });
});

test('--expiring DAYS: certificates ending within DAYS of now, the limit included, and those already ended', () => {
  const now = new Date(ISSUED);
  const at = (days: number) => ({ name: `d${days}`, notAfter: new Date(ISSUED + days * DAY).toISOString() });
  const rows = [at(-1), at(6), at(7), at(8), { name: 'none', notAfter: null }];
  expect(expiringWithin(rows, 7, now).map((r) => r.name)).toEqual(['d-1', 'd6', 'd7']);
  expect(expiringWithin(rows, 0.5, now).map((r) => r.name)).toEqual(['d-1']);
});
