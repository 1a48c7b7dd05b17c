import { UNREACHABLE_CODES, type ErrorCode } from '../errors.js';
import type { LineageOutcome } from './lineage-runner.js';

/**
 * What a `cert issue` or `cert renew` run amounts to: the `--json` summary (the outcomes counted by status),
 * and when a lineage failed (or was locked by another run), the one line that repeats the gist for cron mail
 * and whether every failure was a CA that could not be reached (exit 3: worth retrying later; else 1).
 */
export function runVerdict(outcomes: LineageOutcome[], command: 'issue' | 'renew') {
  const failed = outcomes.filter((o) => o.status === 'failed' || o.status === 'locked');
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  const summary = { command, ok: failed.length === 0, counts, lineages: outcomes };
  if (failed.length === 0) return { summary, failure: undefined };
  const names = failed.map((o) => o.name).join(', ');
  const unreachable = failed.every((o) => UNREACHABLE_CODES.has((o.error?.code ?? '') as ErrorCode));
  const message = failed.length === 1 ? failed[0]!.message : unreachable ? `${failed.length} lineages could not reach their CA: ${names}` : `${failed.length} of ${outcomes.length} lineages failed: ${names}`;
  return { summary, failure: { message, unreachable } };
}
