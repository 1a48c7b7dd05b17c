/**
 * The waiting primitives every retry and poll loop is built from: the capped
 * doubling, the backoff with jitter, Retry-After, sleep. Each caller states its
 * own policy in one table (ACME_RETRY_POLICY in acme/retry.ts, DEFAULT_POLL_POLICY
 * in acme/poll.ts, DEFAULT_MANAGER_RETRY and DEFAULT_VAULT_RETRY in manager/, the
 * agent's UNREACHABLE_BACKOFF); the arithmetic lives here once. Pure but for sleep.
 */

/** `firstMs·2^(step-1)`, capped at `maxMs`: the nominal wait of step `step` (1-based). */
export function doublingDelayMs(step: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(step, 1) - 1, 40));
}

export interface BackoffPolicy {
  /** Retries after the first attempt. */
  max: number;
  waitMinMs: number;
  waitMaxMs: number;
}

/**
 * The wait before retry number `retry` (1-based): exponential growth from waitMin, capped at
 * waitMax, with full jitter above waitMin so that many clients restarted together do not
 * return in step (go-retryablehttp waits exactly min·2^n: manager-contract.md §6.11).
 */
export function backoffDelayMs(retry: number, policy: Pick<BackoffPolicy, 'waitMinMs' | 'waitMaxMs'>, random: () => number): number {
  const min = Math.max(0, policy.waitMinMs);
  const cap = Math.max(min, doublingDelayMs(Math.max(1, retry) + 1, min, policy.waitMaxMs));
  return Math.round(min + random() * (cap - min));
}

/**
 * The wait before retry `retry` when the server may have sent Retry-After: the longer of our
 * backoff and its ask (a `Retry-After: 0` never makes us hammer it), or undefined when it asks
 * for more than `maxRetryAfterMs`: give up now and say so, rather than hang a cron job.
 */
export function retryDelayMs(retry: number, policy: Pick<BackoffPolicy, 'waitMinMs' | 'waitMaxMs'>, retryAfterMs: number | undefined, maxRetryAfterMs: number, random: () => number): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) return undefined;
  return Math.max(backoffDelayMs(retry, policy, random), retryAfterMs ?? 0);
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds
 * from `now`, or undefined when absent or unreadable (garbage is ignored, not fatal).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Waits, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
