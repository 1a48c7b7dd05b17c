import { expect, test } from 'vitest';
import { AcmeProblemError } from '../../../src/acme/problem.js';
import { DEFAULT_RETRY_LIMITS, decideRetry, parseRetryAfter } from '../../../src/acme/retry.js';
import { HttpError, KeyError } from '../../../src/errors.js';

const badNonce = () => new AcmeProblemError({ type: 'urn:ietf:params:acme:error:badNonce', detail: 'x', status: 400 }, { method: 'POST', url: 'u' });
const limits = { maxAttempts: 3, maxBadNonceAttempts: 4, defaultDelayMs: 1000, maxRetryAfterMs: 10_000 };

test.each([
  ['badNonce, first attempt', badNonce(), 1, { retry: true, delayMs: 0, reason: 'badNonce' }],
  ['badNonce, third attempt: still within its own bound', badNonce(), 3, { retry: true, delayMs: 0, reason: 'badNonce' }],
  ['badNonce, out of attempts', badNonce(), 4, { retry: false }],
  ['503 with Retry-After 2 s', new HttpError('x', { httpStatus: 503, retryAfterMs: 2000 }), 1, { retry: true, delayMs: 2000, reason: 'HTTP 503' }],
  ['429 without Retry-After backs off', new HttpError('x', { httpStatus: 429 }), 2, { retry: true, delayMs: 2000, reason: 'HTTP 429' }],
  ['429 asking for an hour: fail now rather than hang', new HttpError('x', { httpStatus: 429, retryAfterMs: 3_600_000 }), 1, { retry: false }],
  ['malformed is final', new AcmeProblemError({ type: 'urn:ietf:params:acme:error:malformed', status: 400 }, { method: 'POST', url: 'u' }), 1, { retry: false }],
  ['500 is not retried (a POST may have taken effect)', new HttpError('x', { httpStatus: 500 }), 1, { retry: false }],
  ['a key error is not retried', new KeyError('x'), 1, { retry: false }],
] as const)('decideRetry: %s', (_name, failure, attempt, expected) => {
  expect(decideRetry(failure, attempt, limits)).toEqual(expected);
});

test('default limits are bounded', () => {
  expect(DEFAULT_RETRY_LIMITS.maxAttempts).toBeLessThanOrEqual(10);
  expect(DEFAULT_RETRY_LIMITS.maxRetryAfterMs).toBeLessThanOrEqual(120_000);
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
