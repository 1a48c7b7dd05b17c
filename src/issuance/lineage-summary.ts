import type { LineageRecord } from '../state/lineage-store.js';
import { describeSettings } from './lineage-settings.js';
import { currentVersion, decideRenewal, lineageStatus } from './renewal-decision.js';

export type LineageSummary = ReturnType<typeof lineageSummary>;

/** One lineage as `cert list --json` and `cert show NAME` print it: state, current certificate, settings. */
export function lineageSummary(record: LineageRecord, now: Date) {
  const current = currentVersion(record);
  const decision = decideRenewal(record, now, false);
  return {
    name: record.config.name,
    status: lineageStatus(record),
    identifiers: record.config.identifiers.map((i) => i.value),
    directoryUrl: record.config.directoryUrl,
    notAfter: current?.notAfter ?? null,
    serial: current?.serial ?? null,
    nextRenewal: current ? decision.renewAt.toISOString() : null,
    renewalBasis: current ? decision.basis : null,
    versions: record.versions.length,
    lastResult: record.lastResult ?? null,
    health: record.health ?? null,
    issuedBy: current ? (current.directoryUrl ?? record.config.directoryUrl) : null,
    fallbackUsed: current ? (current.directoryUrl ?? record.config.directoryUrl) !== record.config.directoryUrl : false,
    settings: describeSettings(record.config),
  };
}

/** `cert list --expiring DAYS`: the lineages whose current certificate ends within `days` of `now` (or has ended). */
export function expiringWithin<T extends Pick<LineageSummary, 'notAfter'>>(lineages: readonly T[], days: number, now: Date): T[] {
  const limit = now.getTime() + days * 86_400_000;
  return lineages.filter((l) => l.notAfter !== null && Date.parse(l.notAfter) <= limit);
}
