import type { AcmecliError } from '../errors.js';
import { retryDelayMs } from '../net/retry.js';
import { AcmeProblemError } from './problem.js';

/** The ACME client's retry policy: how many attempts, how long to wait, which Retry-After is too long. */
export interface RetryLimits {
  /** Attempts in all, the first included, for 429/503. */
  maxAttempts: number;
  /** badNonce costs no wait and servers may reject a share of good nonces on purpose (Pebble), so it gets more. */
  maxBadNonceAttempts: number;
  /** The first backoff wait for 429/503; it doubles (with jitter) up to maxRetryAfterMs. */
  defaultDelayMs: number;
  /** A longer Retry-After fails at once, naming the wait, rather than hanging a cron job. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_LIMITS: RetryLimits = { maxAttempts: 5, maxBadNonceAttempts: 10, defaultDelayMs: 1_000, maxRetryAfterMs: 60_000 };

export type RetryDecision = { retry: true; delayMs: number; reason: string } | { retry: false };

/**
 * Whether a failed request is worth another attempt, and after how long. Pure: no clock, no IO;
 * `random` is the backoff's jitter. badNonce is retried only for a signed request (`signed`),
 * which a fresh nonce can fix; a GET that got one has nothing to sign again.
 */
export function decideRetry(failure: AcmecliError, attempt: number, limits: RetryLimits, options: { signed: boolean; random: () => number }): RetryDecision {
  // RFC 8555 §6.5: "the client SHOULD retry the request using the new nonce" after badNonce.
  if (failure instanceof AcmeProblemError && failure.is('badNonce')) {
    return options.signed && attempt < limits.maxBadNonceAttempts ? { retry: true, delayMs: 0, reason: 'badNonce' } : { retry: false };
  }
  if (attempt >= limits.maxAttempts) return { retry: false };
  if (failure.httpStatus === 429 || failure.httpStatus === 503) {
    const delayMs = retryDelayMs(attempt, { waitMinMs: limits.defaultDelayMs, waitMaxMs: limits.maxRetryAfterMs }, failure.retryAfterMs, limits.maxRetryAfterMs, options.random);
    if (delayMs === undefined) return { retry: false };
    return { retry: true, delayMs, reason: `HTTP ${failure.httpStatus}` };
  }
  return { retry: false };
}
