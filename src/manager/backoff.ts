// Retry decisions shared by the manager and Vault clients. Pure: no clock, no IO.

export interface BackoffPolicy {
  /** Retries after the first attempt. */
  max: number;
  waitMinMs: number;
  waitMaxMs: number;
}

/**
 * The wait before retry number `retry` (1-based): exponential growth from waitMin, capped at
 * waitMax, with full jitter above waitMin so that many agents restarted together do not
 * return in step (go-retryablehttp waits exactly min·2^n: manager-contract.md §6.11).
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const min = Math.max(0, policy.waitMinMs);
  const cap = Math.max(min, Math.min(policy.waitMaxMs, min * 2 ** Math.max(1, retry)));
  return Math.round(min + random() * (cap - min));
}

/**
 * Whether a status is worth repeating an idempotent request for: every 5xx except 501 (as
 * go-retryablehttp), plus the user's extra statuses. Never 429: the caller skips that
 * certificate until Retry-After instead of blocking the cycle for minutes (manager-contract.md §7 item 8).
 */
export function isRetryableStatus(status: number, extraStatuses: readonly number[] = []): boolean {
  if (status === 429) return false;
  if (status >= 500 && status <= 599 && status !== 501) return true;
  return extraStatuses.includes(status);
}

/** The error codes of a transport failure that may succeed on another try. */
export function isRetryableFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'NETWORK' || code === 'TIMEOUT';
}
