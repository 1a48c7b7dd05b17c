import { expect, test } from 'vitest';
import { skipAfterRateLimit, skipMessage } from '../../../src/agent/rate-limit-skip.js';

// A fixed clock: a Retry-After is a moment compared, never waited for.
const NOW = new Date('2026-12-03T10:00:00.000Z');
const HOUR_MS = 3_600_000;

test('a 429 with Retry-After waits until then, and the next cycles say so', () => {
  const skip = skipAfterRateLimit(90_000, NOW);
  expect(skip).toEqual({ skipUntil: '2026-12-03T10:01:30.000Z', skipReason: 'rate limited by the manager' });
  expect(skipMessage(skip, new Date(NOW.getTime() + 60_000))).toBe('skipped until 2026-12-03T10:01:30.000Z (rate limited by the manager)');
});

test('the wait is over at its moment: the certificate is worked on again', () => {
  const skip = skipAfterRateLimit(90_000, NOW);
  expect(skipMessage(skip, new Date(NOW.getTime() + 90_000))).toBeUndefined();
  expect(skipMessage(skip, new Date(NOW.getTime() + 91_000))).toBeUndefined();
});

test('a ten-year Retry-After is held to a day, and the reason says what was asked', () => {
  const skip = skipAfterRateLimit(10 * 365 * 24 * HOUR_MS, NOW);
  expect(skip.skipUntil).toBe('2026-12-04T10:00:00.000Z');
  expect(skip.skipReason).toBe('rate limited by the manager, which asked to wait 87600 h; waiting at most 24 h');
});

test('a date written before the cap (or by hand) is held to a day from now too', () => {
  expect(skipMessage({ skipUntil: '2036-01-01T00:00:00.000Z' }, NOW)).toBe('skipped until 2026-12-04T10:00:00.000Z (asked to wait)');
});

test('a busy 429 without Retry-After waits for the next cycle only; nothing or garbage waits for nothing', () => {
  expect(skipAfterRateLimit(undefined, NOW)).toEqual({});
  expect(skipMessage({}, NOW)).toBeUndefined();
  expect(skipMessage(undefined, NOW)).toBeUndefined();
  expect(skipMessage({ skipUntil: 'not a date' }, NOW)).toBeUndefined();
});
