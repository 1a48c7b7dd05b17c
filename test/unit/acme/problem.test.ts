import { expect, test } from 'vitest';
import { AcmeProblemError, describeProblem, parseProblem } from '../../../src/acme/problem.js';

test('RFC 8555 §6.7.1 subproblems keep their identifiers and appear in the one line', () => {
  // The example of RFC 8555 §6.7.1, abridged.
  const body = {
    type: 'urn:ietf:params:acme:error:malformed',
    detail: 'Some of the identifiers requested were rejected',
    subproblems: [
      { type: 'urn:ietf:params:acme:error:malformed', detail: 'Invalid underscore in DNS name "_example.org"', identifier: { type: 'dns', value: '_example.org' } },
      { type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'This CA will not issue for "example.net"', identifier: { type: 'dns', value: 'example.net' } },
    ],
  };
  const problem = parseProblem(body, 403);
  expect(problem?.status).toBe(403);
  expect(problem?.subproblems?.[1]?.identifier).toEqual({ type: 'dns', value: 'example.net' });
  const line = describeProblem(problem!);
  expect(line).not.toContain('\n');
  expect(line).toBe('Some of the identifiers requested were rejected [malformed, HTTP 403] (_example.org: Invalid underscore in DNS name "_example.org" [malformed]; example.net: This CA will not issue for "example.net" [rejectedIdentifier])');
});

test('a status in the document wins over the HTTP status', () => {
  expect(parseProblem({ type: 'urn:ietf:params:acme:error:rateLimited', detail: 'x', status: 429 }, 400)?.status).toBe(429);
});

test('bodies that are not problem documents are not taken for one', () => {
  expect(parseProblem('oops', 500)).toBeUndefined();
  expect(parseProblem(null, 500)).toBeUndefined();
  expect(parseProblem([1, 2], 500)).toBeUndefined();
  expect(parseProblem({ hello: 'world' }, 500)).toBeUndefined();
});

test('AcmeProblemError narrows by type and keeps Retry-After', () => {
  const err = new AcmeProblemError({ type: 'urn:ietf:params:acme:error:badNonce', detail: 'JWS has an invalid anti-replay nonce', status: 400 }, { method: 'POST', url: 'https://ca/x' }, 1500);
  expect(err.is('badNonce')).toBe(true);
  expect(err.is('malformed')).toBe(false);
  expect(err.code).toBe('ACME_PROBLEM');
  expect(err.httpStatus).toBe(400);
  expect(err.retryAfterMs).toBe(1500);
  expect(err.shortType).toBe('badNonce');
  expect(err.message).toBe('JWS has an invalid anti-replay nonce [badNonce, HTTP 400]');
});

test('multi-line details become one line', () => {
  expect(describeProblem({ type: 'about:blank', detail: 'a\n  b\tc', status: 500 })).toBe('a b c [about:blank, HTTP 500]');
});
