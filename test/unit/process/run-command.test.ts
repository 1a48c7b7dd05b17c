import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { describeEnd, describeOutput, findProgram, runProgram, runUserCommand, withoutSecrets } from '../../../src/process/run-command.js';

const PATH = process.env.PATH;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acmecli-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
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

async function waitUntilGone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!isGone(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return isGone(pid);
}

test('a command that leaves a daemon in the background returns when it exits, not when the daemon does', async () => {
  // Were the daemon's hold on our pipes awaited, this would wait 300 s and the test time out.
  const result = await runUserCommand("sh -c 'sleep 300 & echo $!'", { env: { PATH }, timeoutMs: 120_000 });
  expect(result).toMatchObject({ ok: true, detail: 'exited with status 0' });
  const daemon = Number(result.output);
  expect(isGone(daemon)).toBe(false);
  process.kill(daemon, 'SIGKILL');
});

test('words are split without a shell, extra variables are added, and a failure says how', async () => {
  const result = await runUserCommand(`sh -c 'echo "$1 $GREETING"; exit 3' sh "two words"`, { env: { PATH }, extraEnv: { GREETING: 'hello' }, timeoutMs: 5_000 });
  expect(result).toEqual({ ok: false, program: 'sh', detail: 'exited with status 3', output: 'two words hello' });
});

test('a command line that cannot be split, or a program that is not there, is a result, not a throw', async () => {
  expect(await runUserCommand("sh -c 'unterminated", { env: { PATH }, timeoutMs: 5_000 })).toMatchObject({ ok: false, program: 'sh', detail: "unterminated ' in command: sh -c 'unterminated" });
  expect(await runUserCommand('acmecli-no-such-program --x', { env: { PATH }, timeoutMs: 5_000 })).toEqual({ ok: false, program: 'acmecli-no-such-program', detail: 'could not be started: not found', output: '' });
});

test('a timeout stops the whole process group: SIGTERM first, and the program and what it started are gone', async () => {
  const pidFile = join(dir, 'grandchild.pid');
  const result = await runUserCommand(`sh -c 'sleep 300 & echo $! > "$1"; echo started; wait' sh ${pidFile}`, { env: { PATH }, timeoutMs: 300 });
  expect(result).toEqual({ ok: false, program: 'sh', detail: 'timed out after 0.3 s; its process group was killed', output: 'started' });
  expect(await waitUntilGone(Number(await readFile(pidFile, 'utf8')))).toBe(true);
});

test('a program that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
  const script = join(dir, 'stubborn.sh');
  await writeFile(script, `#!/bin/sh\ntrap '' TERM\necho $$ > "${join(dir, 'pid')}"\nwhile :; do sleep 0.05; done\n`);
  await chmod(script, 0o755);
  const run = await runProgram({ executable: script, args: [], env: { PATH }, timeoutMs: 300, killGraceMs: 200 });
  expect(run).toMatchObject({ end: 'timed-out', timeoutMs: 300 });
  expect(await waitUntilGone(Number(await readFile(join(dir, 'pid'), 'utf8')))).toBe(true);
});

test('an abort stops the group; an already aborted signal starts nothing', async () => {
  const controller = new AbortController();
  const marker = join(dir, 'ran');
  const pending = runProgram({ executable: 'sh', args: ['-c', 'echo started; sleep 300'], env: { PATH }, timeoutMs: 60_000, signal: controller.signal });
  setTimeout(() => controller.abort(), 200);
  expect(await pending).toMatchObject({ end: 'aborted' });
  expect(await runProgram({ executable: 'touch', args: [marker], env: { PATH }, timeoutMs: 5_000, signal: controller.signal })).toEqual({ end: 'aborted', output: '' });
  await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
});

test('the environment is exactly the one given, without undefined values, and the cwd is used', async () => {
  const run = await runProgram({ executable: '/usr/bin/env', args: [], env: { ONLY: 'this', GONE: undefined }, cwd: dir, timeoutMs: 5_000 });
  expect(run).toEqual({ end: 'exited', exitCode: 0, signal: null, output: 'ONLY=this\n' });
});

test('only the last 4 KB of output is kept', async () => {
  const run = await runProgram({ executable: 'sh', args: ['-c', 'head -c 10000 /dev/zero | tr "\\0" a; echo; echo last'], env: { PATH }, timeoutMs: 5_000 });
  expect(run.output.length).toBe(4096);
  expect(run.output.endsWith('a\nlast\n')).toBe(true);
});

test('describeEnd and describeOutput: how it ended and the end of what it said, on one line', () => {
  expect(describeEnd({ end: 'exited', exitCode: null, signal: 'SIGSEGV', output: '' })).toBe('was killed by SIGSEGV');
  expect(describeEnd({ end: 'not-started', reason: 'not executable', output: '' })).toBe('could not be started: not executable');
  expect(describeOutput('first\r\n\n  second  \n')).toBe(': first | second');
  expect(describeOutput(' \n')).toBe('');
  expect(describeOutput('x'.repeat(500))).toBe(`: …${'x'.repeat(400)}`);
});

test('findProgram: the PATH given, not ours; a clear UsageError otherwise', async () => {
  const program = join(dir, 'tool');
  await writeFile(program, '#!/bin/sh\n', { mode: 0o644 });
  await expect(findProgram('tool', `/nonexistent:${dir}`, '/')).rejects.toThrow(new UsageError(`${program} is not executable`));
  await chmod(program, 0o755);
  expect(await findProgram('tool', `/nonexistent:${dir}`, '/')).toBe(program);
  expect(await findProgram('./tool', undefined, dir)).toBe(program);
  await expect(findProgram('tool', '/nonexistent', '/')).rejects.toThrow(new UsageError('tool not found in PATH'));
  await expect(findProgram(join(dir, 'missing'), PATH, '/')).rejects.toThrow(new UsageError(`${join(dir, 'missing')} not found`));
});

test('secrets acmecli reads are not passed on', () => {
  expect(withoutSecrets({ PATH: '/bin', ACME_MANAGER_TOKEN: 't', ACMECLI_EAB_HMAC_KEY: 'k', RFC2136_TSIG_SECRET: 's' })).toEqual({ PATH: '/bin' });
});
