import { writeFileAtomic } from '../state/atomic-write.js';
import type { LineageRecord, LineageStore } from '../state/lineage-store.js';
import { renderMetrics, type LineageHealth } from './metrics-file.js';

/** One lineage's facts for the metrics file, from what `lineage.json` holds. */
export function lineageHealth(record: LineageRecord): LineageHealth {
  const current = record.versions.find((v) => v.number === record.current);
  const health = record.health;
  const issuer = current ? (current.directoryUrl ?? record.config.directoryUrl) : undefined;
  const date = (text: string | undefined) => (text ? new Date(text) : undefined);
  const notAfter = date(current?.notAfter);
  const lastSuccessAt = date(health?.lastSuccessAt ?? current?.issuedAt);
  const lastAttemptAt = date(health?.lastAttemptAt);
  return {
    lineage: record.config.name,
    ...(notAfter ? { notAfter } : {}),
    ...(lastSuccessAt ? { lastSuccessAt } : {}),
    ...(lastAttemptAt ? { lastAttemptAt } : {}),
    ...(health ? { lastAttemptOk: health.lastAttemptOk } : {}),
    consecutiveFailures: health?.lastAttemptOk === false ? health.consecutiveFailures : 0,
    ...(record.ari ? { ariWindow: { start: new Date(record.ari.windowStart), end: new Date(record.ari.windowEnd) } } : {}),
    ...(issuer ? { issuerDirectory: issuer, fallbackUsed: issuer !== record.config.directoryUrl } : {}),
  };
}

/**
 * `cert renew --metrics-file FILE`: every lineage of the state folder (not only
 * the ones this run looked at, or they would vanish from the graphs), written
 * atomically so node_exporter never reads half a file.
 */
export async function writeRenewalMetrics(store: LineageStore, file: string): Promise<void> {
  const records = await store.readIssued();
  await writeFileAtomic(file, renderMetrics(records.map(lineageHealth)), { mode: 0o644 });
}
