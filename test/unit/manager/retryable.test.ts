import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { isRetryableFailure, isRetryableStatus } from '../../../src/manager/retryable.js';
import { NetworkError, TimeoutError, TlsError, UsageError } from '../../../src/errors.js';

test.each([
  [500, true], [502, true], [503, true], [504, true], [599, true],
  [501, false], [429, false], [400, false], [404, false], [409, false], [200, false],
])('manager-contract.md §6.11: status %i retryable: %s', (status, expected) => {
  expect(isRetryableStatus(status)).toBe(expected);
});

test('extra statuses are retried, but never 429', () => {
  expect(isRetryableStatus(408, [408])).toBe(true);
  expect(isRetryableStatus(429, [429])).toBe(false);
});

test('network errors and timeouts are worth another try; TLS and usage errors are not', () => {
  expect(isRetryableFailure(new NetworkError('x'))).toBe(true);
  expect(isRetryableFailure(new TimeoutError('x'))).toBe(true);
  expect(isRetryableFailure(new TlsError('x'))).toBe(false);
  expect(isRetryableFailure(new UsageError('x'))).toBe(false);
  expect(isRetryableFailure(new Error('x'))).toBe(false);
});

test('src/manager reads no files, environment or console: values are passed in', () => {
  const files = readdirSync('src/manager').filter((f) => f.endsWith('.ts')).map((f) => join('src/manager', f));
  expect(files.length).toBeGreaterThan(4);
  for (const file of files) {
    expect(readFileSync(file, 'utf8'), file).not.toMatch(/from 'node:(fs|fs\/promises|child_process)'|process\.(env|stdout|stderr|exit)|console\.|from '\.\.\/(cli|commands)\//);
  }
});
