import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

import { UsageError } from '../errors.js';
import { splitCommandLine } from './command-line.js';

/**
 * The one way acmecli runs a user's program (challenge hooks, the exec DNS
 * provider, deploy, pre/post and failure hooks, the agent's commands): no shell,
 * exactly the environment given, in its own process group so that a timeout or
 * an abort stops everything it started (SIGTERM to the group, SIGKILL for what
 * is left after a grace period), and the end of its output kept for messages.
 */
export interface ProgramOptions {
  /** A path, or a bare name the system looks up in `env.PATH`. */
  executable: string;
  args: readonly string[];
  /** The program's whole environment; undefined values are left out. */
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string | undefined;
  timeoutMs: number;
  /** After the timeout or an abort: SIGTERM to the group, then SIGKILL for what is left after this long. Default 2 s. */
  killGraceMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** How a run ended, with the last few KB of stdout and stderr interleaved as they came. */
export type ProgramRun =
  | { end: 'exited'; exitCode: number | null; signal: NodeJS.Signals | null; output: string }
  | { end: 'timed-out'; timeoutMs: number; output: string }
  | { end: 'aborted'; output: string }
  | { end: 'not-started'; reason: string; output: string };

const OUTPUT_TAIL_BYTES = 4096;
const MESSAGE_TAIL_CHARS = 400;
const DEFAULT_KILL_GRACE_MS = 2_000;
// After the program exits, how long a background process it left (`daemon &`) may keep our pipes
// before we let go of them: waiting for 'close' would wait for the daemon.
const STDIO_LINGER_MS = 500;

/** Runs a program to its end; never rejects: the result says how it went. */
export function runProgram(o: ProgramOptions): Promise<ProgramRun> {
  if (o.signal?.aborted) return Promise.resolve({ end: 'aborted', output: '' });
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(o.env)) if (value !== undefined) env[key] = value;
  return new Promise((settlePromise) => {
    // detached: the program leads its own process group, so a timeout can stop
    // everything it started (process.kill(-pid)), not just the program itself.
    const child = spawn(o.executable, [...o.args], { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    let tail = Buffer.alloc(0);
    const collect = (chunk: Buffer): void => {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > OUTPUT_TAIL_BYTES) tail = tail.subarray(tail.length - OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);

    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    let stopped: 'timed-out' | 'aborted' | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let lingerTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'timed-out' | 'aborted'): void => {
      if (stopped !== undefined) return;
      stopped = why;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), o.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop('timed-out'), o.timeoutMs);
    const onAbort = (): void => stop('aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const settle = (run: ProgramRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearTimeout(lingerTimer);
      o.signal?.removeEventListener('abort', onAbort);
      // Let go of pipes a background child may still hold, or acmecli itself could not exit.
      child.stdout.destroy();
      child.stderr.destroy();
      settlePromise(run);
    };
    const output = (): string => tail.toString('utf8');

    child.once('error', (err: NodeJS.ErrnoException) => settle({ end: 'not-started', reason: err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : err.message, output: '' }));
    child.once('exit', (exitCode, signal) => {
      if (stopped !== undefined) {
        // What the group leader left behind had the same SIGTERM and as long to act on it.
        killGroup('SIGKILL');
        settle(stopped === 'timed-out' ? { end: 'timed-out', timeoutMs: o.timeoutMs, output: output() } : { end: 'aborted', output: output() });
        return;
      }
      const finish = (): void => settle({ end: 'exited', exitCode, signal, output: output() });
      if (child.stdout.readableEnded && child.stderr.readableEnded) {
        finish();
        return;
      }
      // Normally stdio closes right after exit; a background process the program left may hold it.
      lingerTimer = setTimeout(finish, STDIO_LINGER_MS);
      child.once('close', finish);
    });
  });
}

/** True when the program ran and exited with status 0. */
export function succeeded(run: ProgramRun): boolean {
  return run.end === 'exited' && run.exitCode === 0;
}

/** How a run ended, for a message: `exited with status 3`, `timed out after 0.5 s; its process group was killed`. */
export function describeEnd(run: ProgramRun): string {
  switch (run.end) {
    case 'exited':
      return run.signal !== null ? `was killed by ${run.signal}` : `exited with status ${run.exitCode}`;
    case 'timed-out':
      return `timed out after ${Math.round(run.timeoutMs / 100) / 10} s; its process group was killed`;
    case 'aborted':
      return 'was cancelled; its process group was killed';
    case 'not-started':
      return `could not be started: ${run.reason}`;
  }
}

/** The end of a program's output on one line, for an error message: `: last | lines`, or '' when it printed nothing. */
export function describeOutput(output: string): string {
  const text = output.trim().split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '').join(' | ');
  if (text === '') return '';
  return `: ${text.length > MESSAGE_TAIL_CHARS ? `…${text.slice(-MESSAGE_TAIL_CHARS)}` : text}`;
}

/**
 * The path to execute: `program` itself when it has a slash, else the first
 * executable match in PATH (the PATH the program will be given, not ours).
 * Throws UsageError `PROGRAM not found in PATH` / `PATH is not executable`, for
 * the caller to prefix with what names the program (`hook`, `EXEC_PATH:`).
 */
export async function findProgram(program: string, path: string | undefined, cwd: string): Promise<string> {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : (path ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(resolve(cwd, dir), program));
  let existing: string | undefined;
  for (const candidate of candidates) {
    try {
      if (!(await stat(candidate)).isFile()) {
        existing ??= candidate;
        continue;
      }
    } catch {
      continue;
    }
    existing ??= candidate;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not executable: a later PATH entry may be
    }
  }
  if (existing !== undefined) throw new UsageError(`${existing} is not executable`);
  throw new UsageError(program.includes('/') ? `${program} not found` : `${program} not found in PATH`);
}

export interface CommandResult {
  ok: boolean;
  /** First word of the command (the `command` label of acme_manager_local_cmd_run_total). */
  program: string;
  /** How it ended (describeEnd), or why the command line could not be split. */
  detail: string;
  /** The end of what it printed, trimmed. */
  output: string;
}

/**
 * Runs a user's command line (agent pre/post commands, deploy, pre/post and
 * failure hooks): split into words without a shell (quotes allowed, unlike the
 * Go client's split on single spaces), with `extraEnv` added, through runProgram.
 * Never throws: the result says how it went, with the end of its output.
 */
export async function runUserCommand(commandLine: string, options: { env: Readonly<Record<string, string | undefined>>; extraEnv?: Record<string, string>; timeoutMs: number; killGraceMs?: number }): Promise<CommandResult> {
  let argv: string[];
  try {
    argv = splitCommandLine(commandLine);
  } catch (err) {
    return { ok: false, program: commandLine.split(' ')[0] ?? '', detail: (err as Error).message, output: '' };
  }
  const [program = '', ...args] = argv;
  const run = await runProgram({ executable: program, args, env: { ...options.env, ...options.extraEnv }, timeoutMs: options.timeoutMs, killGraceMs: options.killGraceMs });
  return { ok: succeeded(run), program, detail: describeEnd(run), output: run.output.trim() };
}

/** Secrets acmecli reads from its environment; no program it starts inherits them. */
const SECRET_VARIABLES = ['ACMECLI_EAB_HMAC_KEY', 'ACMECLI_FALLBACK_EAB_HMAC_KEY', 'ACME_MANAGER_TOKEN', 'RFC2136_TSIG_SECRET'];

export function withoutSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_VARIABLES) delete copy[name];
  return copy;
}
