import { expect, test } from 'vitest';
import type { LineageOutcome } from '../../../src/issuance/lineage-runner.js';
import { runVerdict } from '../../../src/issuance/run-verdict.js';

const outcome = (name: string, status: LineageOutcome['status'], code?: string): LineageOutcome => ({
  name, status, message: `${name}: ${status}`, ...(code ? { error: { code, message: code } } : {}),
});

test('a run where nothing failed: counted by status, in the order first seen, and no failure', () => {
  const outcomes = [outcome('a', 'not-due'), outcome('b', 'issued'), outcome('c', 'not-due')];
  expect(runVerdict(outcomes, 'renew')).toEqual({ summary: { command: 'renew', ok: true, counts: { 'not-due': 2, issued: 1 }, lineages: outcomes }, failure: undefined });
  expect(Object.keys(runVerdict(outcomes, 'renew').summary.counts)).toEqual(['not-due', 'issued']);
});

test('one failure repeats its own message; a locked lineage counts as failed', () => {
  expect(runVerdict([outcome('a', 'issued'), outcome('b', 'failed', 'ACME_PROBLEM')], 'renew').failure).toEqual({ message: 'b: failed', unreachable: false });
  expect(runVerdict([outcome('a', 'locked')], 'issue')).toMatchObject({ summary: { ok: false }, failure: { message: 'a: locked', unreachable: false } });
});

test('several failures: exit 3 (unreachable) only when every one of them could not reach its CA', () => {
  const unreachable = [outcome('a', 'failed', 'NETWORK'), outcome('b', 'failed', 'TIMEOUT'), outcome('c', 'issued')];
  expect(runVerdict(unreachable, 'renew').failure).toEqual({ message: '2 lineages could not reach their CA: a, b', unreachable: true });
  const mixed = [outcome('a', 'failed', 'TLS'), outcome('b', 'failed', 'ACME_PROBLEM'), outcome('c', 'not-due')];
  expect(runVerdict(mixed, 'renew').failure).toEqual({ message: '2 of 3 lineages failed: a, b', unreachable: false });
  expect(runVerdict([outcome('a', 'failed', 'NETWORK')], 'renew').failure).toEqual({ message: 'a: failed', unreachable: true });
});
