import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';

import type { ChallengeTask } from '../../../src/acme/solver.js';
import { AbortedError, HookError, UsageError } from '../../../src/errors.js';
import { createHookSolver } from '../../../src/solvers/hook.js';

const THUMBPRINT = '9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';
const TOKEN = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
const signal = new AbortController().signal;

const httpTask: ChallengeTask = {
  type: 'http-01',
  identifier: { type: 'dns', value: 'www.example.org' },
  token: TOKEN,
  keyAuthorization: `${TOKEN}.${THUMBPRINT}`,
  wildcard: false,
};
const dnsTask: ChallengeTask = {
  type: 'dns-01',
  identifier: { type: 'dns', value: 'example.org' },
  token: TOKEN,
  keyAuthorization: `${TOKEN}.${THUMBPRINT}`,
  txt: { name: '_acme-challenge.example.org', value: 'HRV3PS5sRDyV-ous4HJk4z24s5JjmUTjcCaUjFt28-8' },
  wildcard: true,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acmecli-hook-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string, mode = 0o755): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, mode);
  return path;
}

// Writes its argv (one per line, after $0) and its whole environment, per method.
const RECORDER = [
  'for a in "$@"; do printf "%s\\n" "$a"; done > "$OUT_DIR/argv.$ACMECLI_METHOD"',
  'env > "$OUT_DIR/env.$ACMECLI_METHOD"',
  'echo "recorded $ACMECLI_METHOD"',
  'exit "${EXIT_CODE:-0}"',
].join('\n');

const baseEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: '/usr/bin:/bin', OUT_DIR: dir, ...extra });

async function recorded(kind: 'argv' | 'env', method: string): Promise<string[]> {
  return (await readFile(join(dir, `${kind}.${method}`), 'utf8')).split('\n').filter((line) => line !== '');
}

function envOf(lines: string[]): Record<string, string> {
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

test('uacme protocol for http-01: PROGRAM begin TYPE IDENT TOKEN KEYAUTH, and exactly the given env plus ACMECLI_*', async () => {
  const hook = await script('hook.sh', RECORDER);
  const solver = createHookSolver({ command: `${hook} --fixed 'two words'`, env: { ...baseEnv({ ACMECLI_TXT_NAME: 'stale' }), UNSET: undefined }, cwd: dir });
  await solver.prepare();
  expect(await solver.begin(httpTask, signal)).toBe('accepted');
  expect(await recorded('argv', 'begin')).toEqual(['--fixed', 'two words', 'begin', 'http-01', 'www.example.org', TOKEN, httpTask.keyAuthorization]);
  expect(envOf(await recorded('env', 'begin'))).toEqual({
    PATH: '/usr/bin:/bin',
    OUT_DIR: dir,
    PWD: dir, // set by /bin/sh itself
    ACMECLI_METHOD: 'begin',
    ACMECLI_TYPE: 'http-01',
    ACMECLI_IDENT: 'www.example.org',
    ACMECLI_TOKEN: TOKEN,
    ACMECLI_AUTH: httpTask.keyAuthorization,
    ACMECLI_KEY_AUTHORIZATION: httpTask.keyAuthorization,
    ACMECLI_WILDCARD: '0',
  });
  await solver.end(httpTask, 'done');
  expect(await recorded('argv', 'done')).toEqual(['--fixed', 'two words', 'done', 'http-01', 'www.example.org', TOKEN, httpTask.keyAuthorization]);
});

test('for dns-01 AUTH is the TXT value, and the record is in ACMECLI_TXT_*', async () => {
  const hook = await script('hook.sh', RECORDER);
  const solver = createHookSolver({ command: hook, env: baseEnv(), cwd: dir });
  expect(await solver.begin(dnsTask, signal)).toBe('accepted');
  await solver.end(dnsTask, 'failed');
  for (const method of ['begin', 'failed']) {
    expect(await recorded('argv', method)).toEqual([method, 'dns-01', 'example.org', TOKEN, dnsTask.txt?.value]);
    expect(envOf(await recorded('env', method))).toEqual({
      PATH: '/usr/bin:/bin',
      OUT_DIR: dir,
      PWD: dir,
      ACMECLI_METHOD: method,
      ACMECLI_TYPE: 'dns-01',
      ACMECLI_IDENT: 'example.org',
      ACMECLI_TOKEN: TOKEN,
      ACMECLI_AUTH: dnsTask.txt?.value,
      ACMECLI_KEY_AUTHORIZATION: dnsTask.keyAuthorization,
      ACMECLI_TXT_NAME: '_acme-challenge.example.org',
      ACMECLI_TXT_VALUE: dnsTask.txt?.value,
      ACMECLI_WILDCARD: '1',
    });
  }
});

test('dns-account-01 is passed like dns-01', async () => {
  const hook = await script('hook.sh', RECORDER);
  const solver = createHookSolver({ command: hook, env: baseEnv(), cwd: dir });
  const task: ChallengeTask = { ...dnsTask, type: 'dns-account-01', txt: { name: '_ujmmovf2vn55tgye._acme-challenge.example.org', value: 'v' }, wildcard: false };
  expect(await solver.begin(task, signal)).toBe('accepted');
  expect(await recorded('argv', 'begin')).toEqual(['begin', 'dns-account-01', 'example.org', TOKEN, 'v']);
  expect(envOf(await recorded('env', 'begin')).ACMECLI_TXT_NAME).toBe('_ujmmovf2vn55tgye._acme-challenge.example.org');
});

test('a non-zero exit at begin declines, with the output for the caller', async () => {
  const hook = await script('hook.sh', 'echo "cannot do $ACMECLI_TYPE" >&2\nexit 1');
  const declines: string[] = [];
  const solver = createHookSolver({ command: hook, env: baseEnv(), cwd: dir, onDeclined: (_task, detail) => declines.push(detail) });
  expect(await solver.begin(httpTask, signal)).toBe('declined');
  expect(declines).toEqual(['exited with status 1: cannot do http-01']);
});

test('a non-zero exit at done or failed is only a warning', async () => {
  const hook = await script('hook.sh', RECORDER);
  const warnings: Error[] = [];
  const solver = createHookSolver({ command: hook, env: baseEnv({ EXIT_CODE: '7' }), cwd: dir, onWarning: (w) => warnings.push(w) });
  await expect(solver.end(httpTask, 'done')).resolves.toBeUndefined();
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toBeInstanceOf(HookError);
  expect(warnings[0]?.message).toBe(`hook ${hook} done http-01 www.example.org exited with status 7: recorded done`);
  expect(warnings[0]?.message).not.toContain(TOKEN);
});

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie nobody reaps (no init in a container) is dead too.
  return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

test('a timeout kills the hook and everything it started, and is a HookError', async () => {
  const pidFile = join(dir, 'grandchild.pid');
  const hook = await script('slow.sh', `sleep 30 &\necho $! > "${pidFile}"\necho started\nwait`);
  const solver = createHookSolver({ command: hook, env: baseEnv(), cwd: dir, timeoutMs: 500 });
  const error = await solver.begin(httpTask, signal).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(HookError);
  expect((error as Error).message).toBe(`hook ${hook} begin http-01 www.example.org timed out after 0.5 s; its process group was killed: started`);
  const grandchild = Number(await readFile(pidFile, 'utf8'));
  expect(grandchild).toBeGreaterThan(0);
  const deadline = Date.now() + 5_000;
  while (!isGone(grandchild) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(isGone(grandchild)).toBe(true);
});

test('a hook that ignores SIGTERM is killed after the grace period', async () => {
  const hook = await script('stubborn.sh', `trap '' TERM\nwhile :; do sleep 0.05; done`);
  const solver = createHookSolver({ command: hook, env: baseEnv(), cwd: dir, timeoutMs: 200, killGraceMs: 200 });
  await expect(solver.begin(httpTask, signal)).rejects.toThrow(/timed out after 0.2 s/);
});

test('an aborted signal stops the hook', async () => {
  const hook = await script('slow.sh', 'sleep 30');
  const solver = createHookSolver({ command: hook, env: baseEnv(), cwd: dir });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await expect(solver.begin(httpTask, controller.signal)).rejects.toBeInstanceOf(AbortedError);
});

test('a timeout at done is reported as a warning, not thrown', async () => {
  const hook = await script('slow.sh', 'sleep 30');
  const warnings: Error[] = [];
  const solver = createHookSolver({ command: hook, env: baseEnv(), cwd: dir, timeoutMs: 200, onWarning: (w) => warnings.push(w) });
  await solver.end(httpTask, 'failed');
  expect(warnings.map((w) => w.message)).toEqual([`hook ${hook} failed http-01 www.example.org timed out after 0.2 s; its process group was killed`]);
});

test('prepare: a program that is not executable, or missing, is a UsageError', async () => {
  const notExecutable = await script('plain.sh', 'exit 0', 0o644);
  await expect(createHookSolver({ command: notExecutable, env: baseEnv() }).prepare()).rejects.toThrow(new UsageError(`hook ${notExecutable} is not executable`));
  await expect(createHookSolver({ command: `${notExecutable} arg`, env: baseEnv() }).begin(httpTask, signal)).rejects.toBeInstanceOf(UsageError);
  await expect(createHookSolver({ command: dir, env: baseEnv() }).prepare()).rejects.toThrow(`hook ${dir} is not executable`);
  await expect(createHookSolver({ command: join(dir, 'missing'), env: baseEnv() }).prepare()).rejects.toThrow(`hook ${join(dir, 'missing')} not found`);
  await expect(createHookSolver({ command: 'acmecli-no-such-hook', env: baseEnv() }).prepare()).rejects.toThrow('hook acmecli-no-such-hook not found in PATH');
});

test('a bare name is looked up in the PATH of the given environment, not the process one', async () => {
  const bin = join(dir, 'my bin');
  await mkdir(bin);
  await writeFile(join(bin, 'acme-hook'), `#!/bin/sh\n${RECORDER}\n`, { mode: 0o755 });
  await chmod(join(bin, 'acme-hook'), 0o755);
  const solver = createHookSolver({ command: 'acme-hook --x', env: baseEnv({ PATH: `/nonexistent:${bin}:/usr/bin:/bin` }), cwd: dir });
  await solver.prepare();
  expect(await solver.begin(httpTask, signal)).toBe('accepted');
  expect((await recorded('argv', 'begin'))[0]).toBe('--x');
  await expect(createHookSolver({ command: 'acme-hook', env: baseEnv() }).prepare()).rejects.toThrow('not found in PATH');
});

test('the hook is never run through a shell', async () => {
  const hook = await script('hook.sh', RECORDER);
  const solver = createHookSolver({ command: `${hook} ';' 'touch ${join(dir, 'pwned')}' '$(id)'`, env: baseEnv(), cwd: dir });
  await solver.begin(httpTask, signal);
  expect((await recorded('argv', 'begin')).slice(0, 3)).toEqual([';', `touch ${join(dir, 'pwned')}`, '$(id)']);
  await expect(readFile(join(dir, 'pwned'))).rejects.toMatchObject({ code: 'ENOENT' });
});

test('answers every challenge type but dns-persist-01', () => {
  const solver = createHookSolver({ command: '/bin/true', env: {} });
  for (const type of ['http-01', 'tls-alpn-01', 'dns-01', 'dns-account-01'] as const) expect(solver.canAnswer(type, dnsTask.identifier), type).toBe(true);
  expect(solver.canAnswer('dns-persist-01', dnsTask.identifier)).toBe(false);
});
