import { expect, test } from 'vitest';
import { nextCycleInMs } from '../../../src/agent/daemon.js';

const HOUR = 3_600_000;

test.each([
  ['the manager answered: the interval', 0, HOUR, 0.5, HOUR],
  ['first failure: between 5 and 10 s', 1, HOUR, 0, 5_000],
  ['first failure, top of the jitter', 1, HOUR, 1, 10_000],
  ['third failure: up to 40 s', 3, HOUR, 1, 40_000],
  ['many failures: never later than the interval', 30, HOUR, 1, HOUR],
  ['an interval shorter than the first retry wins', 1, 2_000, 1, 2_000],
])('%s', (_name, failures, interval, random, expected) => {
  expect(nextCycleInMs(failures, interval, () => random)).toBe(expected);
});

test('jitter spreads a fleet that lost its manager together', () => {
  const waits = new Set([0, 0.25, 0.5, 0.75].map((r) => nextCycleInMs(2, HOUR, () => r)));
  expect(waits.size).toBe(4);
});
