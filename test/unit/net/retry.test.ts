import { expect, test } from 'vitest';
import { backoffDelayMs, doublingDelayMs, parseRetryAfter, retryDelayMs, sleep } from '../../../src/net/retry.js';

const POLICY = { waitMinMs: 1_000, waitMaxMs: 30_000 };

test.each([
  [1, 100, 5_000, 100],
  [2, 100, 5_000, 200],
  [6, 100, 5_000, 3_200],
  [7, 100, 5_000, 5_000],
  [1_000, 100, 5_000, 5_000],
  [0, 100, 5_000, 100],
])('doublingDelayMs(%i, %i, %i) = %i', (step, first, max, expected) => {
  expect(doublingDelayMs(step, first, max)).toBe(expected);
});

test.each([
  [1, 0, 1_000],
  [1, 0.5, 1_500],
  [1, 1, 2_000],
  [2, 1, 4_000],
  [3, 1, 8_000],
  [4, 1, 16_000],
  [5, 1, 30_000], // 32 s capped at waitMax
  [9, 0.5, 15_500],
])('retry %i with random %d waits %i ms: full jitter between waitMin and min(waitMax, waitMin·2^n)', (retry, random, expected) => {
  expect(backoffDelayMs(retry, POLICY, () => random)).toBe(expected);
});

test('waitMax below waitMin never makes a negative range', () => {
  expect(backoffDelayMs(3, { waitMinMs: 5_000, waitMaxMs: 1_000 }, () => 0.7)).toBe(5_000);
});

test.each([
  ['no Retry-After: the backoff', undefined, 1_500],
  ['a shorter Retry-After does not shorten our wait', 0, 1_500],
  ['a longer one is obeyed', 20_000, 20_000],
  ['up to the limit', 30_000, 30_000],
  ['beyond it: give up now', 30_001, undefined],
])('retryDelayMs: %s', (_name, retryAfterMs, expected) => {
  expect(retryDelayMs(1, POLICY, retryAfterMs, 30_000, () => 0.5)).toBe(expected);
});

test.each([
  ['delay-seconds', '120', 120_000],
  ['zero', '0', 0],
  ['HTTP-date 90 s ahead', new Date(Date.UTC(2026, 0, 1, 0, 1, 30)).toUTCString(), 90_000],
  ['HTTP-date in the past', new Date(Date.UTC(2025, 0, 1)).toUTCString(), 0],
  ['garbage', 'soon-ish', undefined],
  ['negative', '-5', undefined],
  ['absent', undefined, undefined],
] as const)('Retry-After (RFC 9110 §10.2.3): %s', (_name, value, expected) => {
  expect(parseRetryAfter(value, Date.UTC(2026, 0, 1))).toBe(expected);
});

test('sleep ends early when its signal aborts, and at once when it already has', async () => {
  const controller = new AbortController();
  const pending = sleep(600_000, controller.signal);
  controller.abort(new Error('stop'));
  await expect(pending).rejects.toThrow('stop');
  await expect(sleep(600_000, controller.signal)).rejects.toThrow('stop');
});
