import { AcmeProblemError } from '../acme/problem.js';
import { AcmecliError } from '../errors.js';
import type { LineageHealthRecord, LineageRecord } from '../state/lineage-store.js';

/**
 * How a run ended for a lineage, kept in `lineage.json` as `health`: the
 * consecutive failures a failure hook and the metrics report, and when it last
 * went well. Pure: the runner decides when to write it.
 */
export function healthAfterFailure(previous: LineageHealthRecord | undefined, record: LineageRecord | undefined, at: Date, err: unknown): LineageHealthRecord {
  const lastSuccessAt = previous?.lastSuccessAt ?? lastIssuedAt(record);
  return {
    lastAttemptAt: at.toISOString(),
    lastAttemptOk: false,
    consecutiveFailures: (previous?.lastAttemptOk === false ? previous.consecutiveFailures : 0) + 1,
    ...(lastSuccessAt ? { lastSuccessAt } : {}),
    lastError: errorFacts(err),
  };
}

/** A good run; `fallback` says the lineage's own CA failed first and which error it gave. */
export function healthAfterSuccess(at: Date, fallback?: { from: string; error: { type: string; detail: string } }): LineageHealthRecord {
  return {
    lastAttemptAt: at.toISOString(),
    lastAttemptOk: true,
    consecutiveFailures: 0,
    lastSuccessAt: at.toISOString(),
    ...(fallback ? { lastError: { ...fallback.error, primaryDirectoryUrl: fallback.from } } : {}),
  };
}

/** An error as a failure hook and `--json` show it: the ACME problem type when the CA sent one, else our code. */
export function errorFacts(err: unknown): { type: string; detail: string } {
  if (err instanceof AcmeProblemError) return { type: err.problem.type ?? 'about:blank', detail: err.message };
  if (err instanceof AcmecliError) return { type: err.code, detail: err.message };
  return { type: 'INTERNAL', detail: err instanceof Error ? err.message : String(err) };
}

function lastIssuedAt(record: LineageRecord | undefined): string | undefined {
  const current = record?.versions.find((v) => v.number === record.current);
  return current?.issuedAt;
}
