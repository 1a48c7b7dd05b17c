import { expect, test } from 'vitest';
import { AcmeProblemError } from '../../../src/acme/problem.js';
import { DEFAULT_RETRY_LIMITS, decideRetry } from '../../../src/acme/retry.js';
import { HttpError, KeyError } from '../../../src/errors.js';

const badNonce = () => new AcmeProblemError({ type: 'urn:ietf:params:acme:error:badNonce', detail: 'x', status: 400 }, { method: 'POST', url: 'u' });
const limits = { maxAttempts: 3, maxBadNonceAttempts: 4, defaultDelayMs: 1000, maxRetryAfterMs: 10_000 };

test.each([
  ['badNonce, first attempt', badNonce(), 1, { retry: true, delayMs: 0, reason: 'badNonce' }],
  ['badNonce, third attempt: still within its own bound', badNonce(), 3, { retry: true, delayMs: 0, reason: 'badNonce' }],
  ['badNonce, out of attempts', badNonce(), 4, { retry: false }],
  ['429 out of attempts', new HttpError('x', { httpStatus: 429 }), 3, { retry: false }],
  ['503 with Retry-After 2 s', new HttpError('x', { httpStatus: 503, retryAfterMs: 2000 }), 1, { retry: true, delayMs: 2000, reason: 'HTTP 503' }],
  ['429 without Retry-After backs off: between 1 s and 1 s·2² at the second retry', new HttpError('x', { httpStatus: 429 }), 2, { retry: true, delayMs: 2500, reason: 'HTTP 429' }],
  ['503 with Retry-After 0: our backoff, not a hammering', new HttpError('x', { httpStatus: 503, retryAfterMs: 0 }), 1, { retry: true, delayMs: 1500, reason: 'HTTP 503' }],
  ['429 asking for an hour: fail now rather than hang', new HttpError('x', { httpStatus: 429, retryAfterMs: 3_600_000 }), 1, { retry: false }],
  ['malformed is final', new AcmeProblemError({ type: 'urn:ietf:params:acme:error:malformed', status: 400 }, { method: 'POST', url: 'u' }), 1, { retry: false }],
  ['500 is not retried (a POST may have taken effect)', new HttpError('x', { httpStatus: 500 }), 1, { retry: false }],
  ['a key error is not retried', new KeyError('x'), 1, { retry: false }],
] as const)('decideRetry: %s', (_name, failure, attempt, expected) => {
  expect(decideRetry(failure, attempt, limits, { signed: true, random: () => 0.5 })).toEqual(expected);
});

test('a GET that got badNonce is not repeated: it has nothing to sign with a new nonce', () => {
  expect(decideRetry(badNonce(), 1, limits, { signed: false, random: () => 0.5 })).toEqual({ retry: false });
  expect(decideRetry(new HttpError('x', { httpStatus: 503 }), 1, limits, { signed: false, random: () => 0 })).toEqual({ retry: true, delayMs: 1000, reason: 'HTTP 503' });
});

test('default limits are bounded', () => {
  expect(DEFAULT_RETRY_LIMITS.maxAttempts).toBeLessThanOrEqual(10);
  expect(DEFAULT_RETRY_LIMITS.maxRetryAfterMs).toBeLessThanOrEqual(120_000);
});
