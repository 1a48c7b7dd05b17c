import { describe, expect, test } from 'vitest';
import { DEFAULT_POLL_POLICY, decidePoll, pollUntilSettled, scheduledDelayMs, type PollPolicy } from '../../../src/acme/poll.js';

const policy: PollPolicy = DEFAULT_POLL_POLICY;

describe('decidePoll', () => {
  test.each([
    ['first poll comes within a few ms', { attempt: 1, elapsedMs: 0, retryAfterMs: undefined, random: 0 }, { poll: true, delayMs: 5 }],
    ['second waits the base delay', { attempt: 2, elapsedMs: 5, retryAfterMs: undefined, random: 0 }, { poll: true, delayMs: 100 }],
    ['then doubles', { attempt: 4, elapsedMs: 305, retryAfterMs: undefined, random: 0 }, { poll: true, delayMs: 400 }],
    ['up to the cap', { attempt: 20, elapsedMs: 60_000, retryAfterMs: undefined, random: 0 }, { poll: true, delayMs: 5_000 }],
    ['jitter only adds, up to 25 %', { attempt: 3, elapsedMs: 105, retryAfterMs: undefined, random: 0.999 }, { poll: true, delayMs: 249 }],
    ['Retry-After: 0 never shortens the schedule', { attempt: 6, elapsedMs: 1505, retryAfterMs: 0, random: 0 }, { poll: true, delayMs: 1_600 }],
    ['a negative Retry-After is no wait at all', { attempt: 2, elapsedMs: 5, retryAfterMs: -5_000, random: 0 }, { poll: true, delayMs: 100 }],
    ['a longer Retry-After is honoured', { attempt: 1, elapsedMs: 0, retryAfterMs: 3_000, random: 0.5 }, { poll: true, delayMs: 3_000 }],
    ['a Retry-After of a day is capped at 30 s', { attempt: 1, elapsedMs: 0, retryAfterMs: 86_400_000, random: 0 }, { poll: true, delayMs: 30_000 }],
    ['an unreadable Retry-After counts as none', { attempt: 2, elapsedMs: 5, retryAfterMs: Number.NaN, random: 0 }, { poll: true, delayMs: 100 }],
    ['the budget ends polling', { attempt: 70, elapsedMs: 297_000, retryAfterMs: undefined, random: 0 }, { poll: false }],
    ['even when Retry-After would wait past it', { attempt: 2, elapsedMs: 280_000, retryAfterMs: 30_000, random: 0 }, { poll: false }],
  ] as const)('%s', (_name, state, expected) => {
    expect(decidePoll(state, policy)).toEqual(expected);
  });

  test('Retry-After: 0 on every answer for the whole budget: a bounded number of polls', () => {
    let elapsed = 0;
    let polls = 0;
    for (let attempt = 1; ; attempt++) {
      const d = decidePoll({ attempt, elapsedMs: elapsed, retryAfterMs: 0, random: 0 }, policy);
      if (!d.poll) break;
      elapsed += d.delayMs;
      polls++;
    }
    // 8 polls reach 11.3 s, then one every 5 s until 300 s.
    expect(polls).toBe(65);
    expect(elapsed).toBeLessThanOrEqual(policy.budgetMs);
  });

  test('worst case for a validation that takes 10 s: 8 polls, the same as the 50 ms-doubling schedule it replaces', () => {
    const pollsUntil = (doneAtMs: number, delay: (attempt: number) => number) => {
      let t = 0;
      for (let attempt = 1; ; attempt++) {
        t += delay(attempt);
        if (t >= doneAtMs) return attempt;
      }
    };
    const old = (attempt: number) => Math.min(50 * 2 ** (attempt - 1), 5_000);
    expect(pollsUntil(10_000, (a) => scheduledDelayMs(a, policy))).toBe(8);
    // A real CA that validates in seconds sees no more polls than before.
    for (const seconds of [1, 2, 3, 5, 8, 10, 20, 60]) {
      expect(pollsUntil(seconds * 1000, (a) => scheduledDelayMs(a, policy))).toBeLessThanOrEqual(pollsUntil(seconds * 1000, old));
    }
  });
});

describe('pollUntilSettled', () => {
  const fakeClock = () => {
    let t = 0;
    const waits: number[] = [];
    return { now: () => t, sleep: async (ms: number) => void (waits.push(ms), (t += ms)), random: () => 0, waits };
  };

  test('returns the settled value, waiting the schedule in between', async () => {
    const clock = fakeClock();
    const answers = ['pending', 'pending', 'valid'];
    const value = await pollUntilSettled(async () => ({ value: answers.shift()!, retryAfterMs: 0 }), (v) => v !== 'pending', clock);
    expect(value).toBe('valid');
    expect(clock.waits).toEqual([5, 100, 200]);
  });

  test('with firstPollAfter, the first poll waits for the CA to fetch the answer, then the first delay', async () => {
    const clock = fakeClock();
    const order: string[] = [];
    let markFetched = () => {};
    const fetched = new Promise<void>((resolve) => (markFetched = resolve));
    // The fake sleep never lets time pass while the answer is not fetched: only the fetch can end that wait.
    const sleep = (ms: number, signal?: AbortSignal) => {
      if (ms !== policy.baseDelayMs || order.length > 0) return clock.sleep(ms);
      order.push('waiting for the fetch');
      setTimeout(() => (order.push('fetched'), markFetched()), 1);
      return new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    };
    const value = await pollUntilSettled(async () => (order.push('poll'), { value: 'valid' }), (v) => v !== 'pending', { ...clock, sleep, firstPollAfter: fetched });
    expect(value).toBe('valid');
    expect(order).toEqual(['waiting for the fetch', 'fetched', 'poll']);
    expect(clock.waits).toEqual([5]);
  });

  test('a fetch that never comes delays the first poll by the base delay, no more', async () => {
    const clock = fakeClock();
    await pollUntilSettled(async () => ({ value: 'valid' }), (v) => v !== 'pending', { ...clock, firstPollAfter: new Promise<void>(() => {}) });
    expect(clock.waits).toEqual([policy.baseDelayMs, 5]);
  });

  test('the first wait honours the Retry-After of the challenge response or finalize', async () => {
    const clock = fakeClock();
    await pollUntilSettled(async () => ({ value: 'valid' }), (v) => v !== 'pending', clock, 2_000);
    expect(clock.waits).toEqual([2_000]);
  });

  test('gives up with undefined when the budget is spent', async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await pollUntilSettled(async () => (calls++, { value: 'pending', retryAfterMs: 0 }), (v) => v !== 'pending', { ...clock, policy: { ...policy, budgetMs: 10_000 } });
    expect(value).toBeUndefined();
    expect(calls).toBe(7);
    expect(clock.now()).toBeLessThanOrEqual(10_000);
  });
});
