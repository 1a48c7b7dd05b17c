import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

import type { ChallengeTask } from '../../../src/acme/solver.js';
import { parseServer, type DnsServer } from '../../../src/dns-providers/client.js';
import { waitUntilServed, type TxtMatcher } from '../../../src/dns-providers/propagation.js';
import { AbortedError, DnsError } from '../../../src/errors.js';
import { createDnsPersistSolver } from '../../../src/solvers/dns-persist.js';
import { createHookSolver } from '../../../src/solvers/hook.js';
import { clearTxtRecord, setTxtRecord, sharedPebble, type PebbleInstance } from '../../support/pebble.js';
import { virtualClock } from '../../support/virtual-clock.js';
import type { PollClock } from '../../../src/acme/poll.js';

// pebble-challtestsrv is the DNS server here: a real server on a free 127.0.0.1 port, given as
// --dns-resolver would give it (it answers for every name, so it stands for the zone's servers).
let pebble: PebbleInstance;
let dir: string;
let server: DnsServer;
const signal = new AbortController().signal;

/** The check as the solver registry hands it to the hook and dns-persist solvers. */
const servedWithin = (timeoutMs: number, pollClock?: PollClock) => (record: { name: string; value: string | TxtMatcher }, signal: AbortSignal) =>
  waitUntilServed({ ...record, resolvers: [server], timeoutMs, signal, pollClock });

beforeAll(async () => {
  pebble = await sharedPebble();
  server = parseServer(pebble.dnsServer, 'test');
  dir = await mkdtemp(join(tmpdir(), 'acmecli-dns-check-'));
});
afterAll(async () => {
  await pebble?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('waitUntilServed waits until the value is published, among other values', async () => {
  const name = '_acme-challenge.later.example';
  await setTxtRecord(pebble, name, 'someone else');
  let waitingFor = '';
  let published: Promise<void> | undefined;
  // Published only once the check has said it is waiting: it cannot have passed on the first look.
  const onInfo = (message: string) => {
    waitingFor = message;
    published = setTxtRecord(pebble, name, 'abc');
  };
  await waitUntilServed({ name, value: 'abc', resolvers: [server], timeoutMs: 15_000, signal, onInfo });
  await published;
  expect(waitingFor).toBe(`waiting for TXT ${name} on ${pebble.dnsServer}`);
});

test('waitUntilServed gives up at the deadline with a DnsError (exit 1), saying what it saw and where', async () => {
  const name = '_acme-challenge.wrong.example';
  await setTxtRecord(pebble, name, 'not-it');
  // 1 s of a clock that records the pauses between rounds and skips them.
  const clock = virtualClock();
  const error = await waitUntilServed({ name, value: 'abc', resolvers: [server], timeoutMs: 1_000, signal, pollClock: clock }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(DnsError);
  expect((error as Error).message).toBe(`TXT ${name} is not on every authoritative server after 1 s (--dns-timeout); lacking it: ${pebble.dnsServer}: only "not-it"`);
  expect(clock.waits).toEqual([250, 500, 250]);
});

test('waitUntilServed stops when its signal aborts', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  await expect(
    waitUntilServed({ name: '_acme-challenge.never.example', value: 'abc', resolvers: [server], timeoutMs: 30_000, signal: controller.signal }),
  ).rejects.toBeInstanceOf(AbortedError);
});

async function publishingHook(): Promise<string> {
  // A uacme-style DNS hook: publishes at begin, removes at done/failed, declines other types.
  const path = join(dir, 'dns-hook.sh');
  await writeFile(
    path,
    [
      '#!/bin/sh',
      'method=$1 type=$2 auth=$5',
      '[ "$type" = dns-01 ] || exit 1',
      'case "$method" in',
      '  begin) curl -fsS -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\",\\"value\\":\\"$auth\\"}" "$CHALL_URL/set-txt" ;;',
      '  *) curl -fsS -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\"}" "$CHALL_URL/clear-txt" ;;',
      'esac',
      '',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return path;
}

const dnsTask: ChallengeTask = {
  type: 'dns-01',
  identifier: { type: 'dns', value: 'hooked.example' },
  token: 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0',
  keyAuthorization: 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI',
  txt: { name: '_acme-challenge.hooked.example', value: 'HRV3PS5sRDyV-ous4HJk4z24s5JjmUTjcCaUjFt28-8' },
  wildcard: false,
};

test('hook solver with the check: begin publishes through the hook, waitUntilReady sees it in DNS', async () => {
  const env = { PATH: process.env.PATH, CHALL_URL: pebble.challTestSrvUrl };
  const solver = createHookSolver({ command: await publishingHook(), env, waitUntilServed: servedWithin(10_000) });
  await solver.prepare();
  expect(await solver.begin(dnsTask, signal)).toBe('accepted');
  await solver.waitUntilReady?.(dnsTask, signal);
  await solver.end(dnsTask, 'done');
  await expect(waitUntilServed({ name: dnsTask.txt?.name ?? '', value: dnsTask.txt?.value ?? '', resolvers: [server], timeoutMs: 600, signal, pollClock: virtualClock() })).rejects.toBeInstanceOf(
    DnsError,
  );
});

test('hook solver with the check: a record that never shows up is a DnsError naming the server', async () => {
  const solver = createHookSolver({ command: '/bin/true', env: { PATH: process.env.PATH }, waitUntilServed: servedWithin(800, virtualClock()) });
  const task = { ...dnsTask, txt: { name: '_acme-challenge.silent.example', value: 'xyz' } };
  expect(await solver.begin(task, signal)).toBe('accepted');
  await expect(solver.waitUntilReady?.(task, signal)).rejects.toThrow(
    `TXT _acme-challenge.silent.example is not on every authoritative server after 0.8 s (--dns-timeout); lacking it: ${pebble.dnsServer}: no TXT record`,
  );
  // Without the check (--no-dns-check) there is nothing to wait for.
  await expect(createHookSolver({ command: '/bin/true', env: {} }).waitUntilReady?.(task, signal)).resolves.toBeUndefined();
});

const persistTask = (value: string): ChallengeTask => ({
  type: 'dns-persist-01',
  identifier: { type: 'dns', value },
  token: '',
  keyAuthorization: '',
  wildcard: false,
});

test('dns-persist solver: waits for a _validation-persist record with accounturi=', async () => {
  const solver = createDnsPersistSolver({ waitUntilServed: servedWithin(10_000) });
  const task = persistTask('persist.example');
  await setTxtRecord(pebble, '_validation-persist.persist.example', 'letsencrypt.org; accounturi=https://acme.example/acct/1; policy=wildcard');
  expect(solver.canAnswer(task.type, task.identifier)).toBe(true);
  expect(await solver.begin(task, signal)).toBe('accepted');
  await solver.waitUntilReady?.(task, signal);
  await solver.end(task, 'done');
  await clearTxtRecord(pebble, '_validation-persist.persist.example');
});

test('dns-persist solver: a record without accounturi= is not enough', async () => {
  const solver = createDnsPersistSolver({ waitUntilServed: servedWithin(700, virtualClock()) });
  await setTxtRecord(pebble, '_validation-persist.bare.example', 'letsencrypt.org');
  await expect(solver.waitUntilReady?.(persistTask('bare.example'), signal)).rejects.toThrow(
    `TXT _validation-persist.bare.example: a dns-persist-01 record (accounturi=…) is not on every authoritative server after 0.7 s (--dns-timeout); lacking it: ${pebble.dnsServer}: only "letsencrypt.org"`,
  );
});

test('dns-persist solver: only dns-persist-01, and no check without one', async () => {
  const solver = createDnsPersistSolver();
  expect(solver.canAnswer(dnsTask.type, dnsTask.identifier)).toBe(false);
  expect(solver.canAnswer('http-01', dnsTask.identifier)).toBe(false);
  await expect(solver.waitUntilReady?.(persistTask('nothing.example'), signal)).resolves.toBeUndefined();
});
