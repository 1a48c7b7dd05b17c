import type { AcmecliError } from '../errors.js';
import { AcmeProblemError } from './problem.js';

export interface RetryLimits {
  /** Attempts in all, the first included, for 429/503. */
  maxAttempts: number;
  /** badNonce costs no wait and servers may reject a share of good nonces on purpose (Pebble), so it gets more. */
  maxBadNonceAttempts: number;
  /** Used for 429/503 without Retry-After. */
  defaultDelayMs: number;
  /** A longer Retry-After fails at once, naming the wait, rather than hanging a cron job. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_LIMITS: RetryLimits = { maxAttempts: 5, maxBadNonceAttempts: 10, defaultDelayMs: 1_000, maxRetryAfterMs: 60_000 };

export type RetryDecision = { retry: true; delayMs: number; reason: string } | { retry: false };

/** Whether a failed request is worth another attempt. Pure: no clock, no IO. */
export function decideRetry(failure: AcmecliError, attempt: number, limits: RetryLimits): RetryDecision {
  // RFC 8555 §6.5: "the client SHOULD retry the request using the new nonce" after badNonce.
  if (failure instanceof AcmeProblemError && failure.is('badNonce')) {
    return attempt < limits.maxBadNonceAttempts ? { retry: true, delayMs: 0, reason: 'badNonce' } : { retry: false };
  }
  if (attempt >= limits.maxAttempts) return { retry: false };
  if (failure.httpStatus === 429 || failure.httpStatus === 503) {
    const delayMs = failure.retryAfterMs ?? limits.defaultDelayMs * 2 ** (attempt - 1);
    if (delayMs > limits.maxRetryAfterMs) return { retry: false };
    return { retry: true, delayMs, reason: `HTTP ${failure.httpStatus}` };
  }
  return { retry: false };
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
