// manager-contract.md §7 item 8: a 429 skips one certificate until its Retry-After, without blocking
// the others. Pure: the clock is a parameter; sync.ts keeps the result in the certificate's state.
import type { CertificateState } from './state.js';

/** The longest a manager's Retry-After keeps a certificate waiting: a ten-year answer must not silence it for ten years. */
const MAX_SKIP_MS = 24 * 3_600_000;

/**
 * Why this certificate still waits out a 429, or undefined when it does not. A waiting certificate
 * is not what the configuration asks for, so the caller reports it as an error of the cycle every
 * time (log, `agent status`, the last-sync metric), not as a quiet skip.
 */
export function skipMessage(entry: Pick<CertificateState, 'skipUntil' | 'skipReason'> | undefined, now: Date): string | undefined {
  const until = entry?.skipUntil;
  if (!until) return undefined;
  // A date written before the cap existed (or by hand) is held to it too; a date that does not parse waits for nothing.
  const untilMs = Math.min(Date.parse(until), now.getTime() + MAX_SKIP_MS);
  if (!(untilMs > now.getTime())) return undefined;
  return `skipped until ${new Date(untilMs).toISOString()} (${entry.skipReason ?? 'asked to wait'})`;
}

/**
 * How long a 429 makes the certificate wait: until its Retry-After, at most MAX_SKIP_MS; a busy 429
 * without one (the per-certificate lock) waits for nothing but the next cycle.
 */
export function skipAfterRateLimit(retryAfterMs: number | undefined, now: Date): Pick<CertificateState, 'skipUntil' | 'skipReason'> {
  if (retryAfterMs === undefined) return {};
  const capped = retryAfterMs > MAX_SKIP_MS;
  return {
    skipUntil: new Date(now.getTime() + Math.min(retryAfterMs, MAX_SKIP_MS)).toISOString(),
    skipReason: capped
      ? `rate limited by the manager, which asked to wait ${Math.round(retryAfterMs / 3_600_000)} h; waiting at most 24 h`
      : 'rate limited by the manager',
  };
}
