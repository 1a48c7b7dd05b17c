/**
 * How often to ask a CA whether an authorization or an order has settled
 * (RFC 8555 §7.5.1, §7.4). One decision, pure and table-tested; the loop that
 * applies it takes its clock, sleep and randomness as arguments; the doubling
 * and sleep are net/'s, shared with every other retry loop.
 *
 * The schedule, for a CA that sends no Retry-After:
 * - the first poll comes `firstDelayMs` after the challenge response or the
 *   finalize: a CA that validates at once (Pebble, most http-01 checks) is seen
 *   without waiting. When the solver serves the answer itself (http-standalone),
 *   the first poll also waits until the CA has fetched it, up to `baseDelayMs`:
 *   a validation cannot have ended before that fetch, and polling earlier costs
 *   a request that can only say "pending";
 * - then `baseDelayMs`, doubling each time up to `maxDelayMs`; nominal polls at
 *   5, 105, 305, 705, 1505, 3105, 6305, 11305 ms, then every 5 s. Each wait is
 *   the nominal one plus 0–25 % jitter, never less, so a fleet does not poll in
 *   step and a CA never sees more polls than the nominal schedule;
 * - everything stops after `budgetMs` (5 min).
 *
 * Retry-After (RFC 8555 §7.5.1, §8.2) is honoured when it asks for a longer
 * wait than ours, up to `maxRetryAfterMs`; a shorter one (`Retry-After: 0`, the
 * 10,530 polls in 15 s of issue 8) never shortens our wait below the schedule.
 */
import { doublingDelayMs, sleep } from '../net/retry.js';

export interface PollPolicy {
  /** Wait before the first poll. */
  firstDelayMs: number;
  /** Wait before the second poll; doubles for each poll after it. */
  baseDelayMs: number;
  /** The longest wait of our own. */
  maxDelayMs: number;
  /** The longest Retry-After obeyed; a longer one waits this long. */
  maxRetryAfterMs: number;
  /** No poll starts later than this after polling began. */
  budgetMs: number;
  /** Up to this share of each wait is added at random. */
  jitterRatio: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = {
  firstDelayMs: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  budgetMs: 300_000,
  jitterRatio: 0.25,
};

export type PollDecision = { poll: true; delayMs: number } | { poll: false };

export interface PollState {
  /** The poll about to be made, from 1. */
  attempt: number;
  /** Time since polling began. */
  elapsedMs: number;
  /** Retry-After of the last answer (challenge response, finalize or previous poll), if it had one. */
  retryAfterMs: number | undefined;
  /** A number in [0, 1): the jitter. */
  random: number;
}

/** The nominal wait before poll `attempt`, without jitter or Retry-After. */
export function scheduledDelayMs(attempt: number, policy: PollPolicy = DEFAULT_POLL_POLICY): number {
  if (attempt <= 1) return policy.firstDelayMs;
  return doublingDelayMs(attempt - 1, policy.baseDelayMs, policy.maxDelayMs);
}

/** Whether to poll again, and after how long. Pure: no clock, no IO, no randomness of its own. */
export function decidePoll(state: PollState, policy: PollPolicy = DEFAULT_POLL_POLICY): PollDecision {
  const ours = scheduledDelayMs(state.attempt, policy);
  const jittered = ours + Math.floor(ours * policy.jitterRatio * Math.min(Math.max(state.random, 0), 1));
  const asked = state.retryAfterMs === undefined || !Number.isFinite(state.retryAfterMs) ? 0 : Math.min(Math.max(state.retryAfterMs, 0), policy.maxRetryAfterMs);
  const delayMs = Math.max(jittered, asked);
  if (state.elapsedMs + delayMs > policy.budgetMs) return { poll: false };
  return { poll: true, delayMs };
}

/** The time a polling loop reads and waits on: the system's, unless a test moves time instead of waiting. */
export interface PollClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The system's clock: what every waiting loop runs on unless it is handed another. */
export const SYSTEM_CLOCK: PollClock = { now: Date.now, sleep };

export interface PollRuntime extends PollClock {
  random: () => number;
  signal?: AbortSignal;
  policy?: PollPolicy;
  /** Settles when the CA has fetched the answer (ChallengeSolver.answerFetched); the first poll waits for it, at most `baseDelayMs`. */
  firstPollAfter?: Promise<void>;
}

/** What one poll saw. */
export interface PollAnswer<T> {
  value: T;
  retryAfterMs?: number;
}

/**
 * Calls `fetch` on the schedule of `decidePoll` until `settled(value)`, and
 * returns that value; returns undefined when the budget ran out first (the
 * caller words the failure: it knows what was pending).
 */
export async function pollUntilSettled<T>(
  fetch: () => Promise<PollAnswer<T>>,
  settled: (value: T) => boolean,
  runtime: PollRuntime,
  firstRetryAfterMs?: number,
): Promise<T | undefined> {
  const started = runtime.now();
  let retryAfterMs = firstRetryAfterMs;
  if (runtime.firstPollAfter) await settledOrTimedOut(runtime.firstPollAfter, (runtime.policy ?? DEFAULT_POLL_POLICY).baseDelayMs, runtime);
  for (let attempt = 1; ; attempt++) {
    const decision = decidePoll({ attempt, elapsedMs: runtime.now() - started, retryAfterMs, random: runtime.random() }, runtime.policy);
    if (!decision.poll) return undefined;
    await runtime.sleep(decision.delayMs, runtime.signal);
    const answer = await fetch();
    if (settled(answer.value)) return answer.value;
    retryAfterMs = answer.retryAfterMs;
  }
}

/** Waits for `event`, but not longer than `ms`; an abort of the runtime's signal still throws. */
async function settledOrTimedOut(event: Promise<void>, ms: number, runtime: PollRuntime): Promise<void> {
  const done = new AbortController();
  const signal = runtime.signal ? AbortSignal.any([done.signal, runtime.signal]) : done.signal;
  try {
    await Promise.race([event.catch(() => undefined), runtime.sleep(ms, signal)]);
  } catch (err) {
    if (runtime.signal?.aborted) throw err;
  } finally {
    done.abort();
  }
}

export interface PollOptions {
  signal?: AbortSignal;
  /** See PollRuntime.firstPollAfter. */
  firstPollAfter?: Promise<void>;
  /** Give up after this long; default the policy's budget (5 minutes). */
  deadlineMs?: number;
  policy?: PollPolicy;
  /** Injected for tests: clock, sleep and jitter. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The clock, sleep and jitter that `pollUntilSettled` runs on, from the caller's options. */
export function pollRuntime(options: PollOptions): PollRuntime & { policy: PollPolicy } {
  const base = options.policy ?? DEFAULT_POLL_POLICY;
  return {
    now: options.now ?? SYSTEM_CLOCK.now,
    sleep: options.sleep ?? SYSTEM_CLOCK.sleep,
    random: options.random ?? Math.random,
    policy: options.deadlineMs !== undefined ? { ...base, budgetMs: options.deadlineMs } : base,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.firstPollAfter ? { firstPollAfter: options.firstPollAfter } : {}),
  };
}

