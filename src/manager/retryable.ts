// Which failures the manager and Vault clients retry (the waits are net/retry.ts's backoff). Pure: no clock, no IO.

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
