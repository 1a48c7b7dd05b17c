import { runUserCommand } from '../process/run-command.js';
import { printableLine } from '../printable.js';
import type { LineageHealthRecord } from '../state/lineage-store.js';

export interface FailureHookRun {
  command: string;
  lineage: string;
  domains: readonly string[];
  /** `failed`: the run failed. `fallback`: the primary CA failed and a fallback CA issued. */
  result: 'failed' | 'fallback';
  health: LineageHealthRecord;
  /** Days until the current certificate's notAfter, when there is one. */
  daysLeft?: number;
  primaryDirectoryUrl: string;
  /** The fallback CA that issued, with result `fallback`. */
  fallbackDirectoryUrl?: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
}

/**
 * Runs `--failure-hook` where people will see it (a mail, a chat message, a
 * ticket): no shell, the process runner's timeout and group kill, everything
 * in ACMECLI_* variables. The detail came partly from the CA, so control
 * characters are escaped before a script can echo them to a terminal.
 * Returns a warning line when the hook itself failed; never throws.
 */
export async function runFailureHook(run: FailureHookRun): Promise<string | undefined> {
  const error = run.health.lastError;
  const result = await runUserCommand(run.command, {
    env: run.env,
    extraEnv: {
      ACMECLI_LINEAGE: run.lineage,
      ACMECLI_DOMAINS: run.domains.join(' '),
      ACMECLI_RESULT: run.result,
      ACMECLI_ERROR_TYPE: printableLine(error?.type ?? ''),
      ACMECLI_ERROR_DETAIL: printableLine(error?.detail ?? ''),
      ACMECLI_ATTEMPTS: String(run.result === 'failed' ? run.health.consecutiveFailures : 0),
      ACMECLI_DAYS_LEFT: run.daysLeft === undefined ? '' : String(Math.floor(run.daysLeft)),
      ACMECLI_LAST_SUCCESS: run.health.lastSuccessAt ?? '',
      ACMECLI_PRIMARY_ACME_URL: run.primaryDirectoryUrl,
      ACMECLI_FALLBACK_ACME_URL: run.fallbackDirectoryUrl ?? '',
    },
    timeoutMs: run.timeoutMs ?? 120_000,
  });
  if (result.ok) return undefined;
  const tail = result.output.split('\n').slice(-1)[0] ?? '';
  return `failure hook for ${run.lineage} failed (${result.detail})${tail ? `: ${printableLine(tail)}` : ''}`;
}
