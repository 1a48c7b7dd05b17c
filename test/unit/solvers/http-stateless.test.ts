import { expect, test } from 'vitest';

import type { ChallengeTask } from '../../../src/acme/solver.js';
import { BadResponseError } from '../../../src/errors.js';
import { createHttpStatelessSolver } from '../../../src/solvers/http-stateless.js';

const signal = new AbortController().signal;
const task: ChallengeTask = {
  type: 'http-01',
  identifier: { type: 'dns', value: 'example.org' },
  token: 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0',
  keyAuthorization: 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI',
  wildcard: false,
};

test('http-01 is accepted as is: the configured web server already answers <token>.<thumbprint>', async () => {
  const solver = createHttpStatelessSolver();
  expect(solver.name).toBe('http-stateless');
  expect(solver.canAnswer('http-01', task.identifier)).toBe(true);
  expect(solver.canAnswer('http-01', { type: 'ip', value: '192.0.2.1' })).toBe(true);
  expect(await solver.begin(task, signal)).toBe('accepted');
  await solver.end(task, 'done');
});

test('other challenge types are not supported', () => {
  const solver = createHttpStatelessSolver();
  for (const type of ['dns-01', 'tls-alpn-01', 'dns-persist-01', 'dns-account-01'] as const) expect(solver.canAnswer(type, task.identifier)).toBe(false);
});

test('a token the snippets would not echo (not base64url) is refused', async () => {
  await expect(createHttpStatelessSolver().begin({ ...task, token: 'a/../b' }, signal)).rejects.toBeInstanceOf(BadResponseError);
});
