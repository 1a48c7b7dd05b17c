import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

import type { ChallengeSolver, ChallengeTask, ChallengeType } from '../acme/solver.js';
import { AbortedError, HookError, UsageError } from '../errors.js';
import { splitCommandLine } from './command-line.js';
import { waitForTxt, type DnsCheckOptions } from './dns-propagation.js';

export { splitCommandLine } from './command-line.js';

export type HookMethod = 'begin' | 'done' | 'failed';

export interface HookSolverOptions {
  /** The program, then any fixed arguments: `/usr/share/uacme/uacme.sh`, `"/opt/my hooks/dns" --zone example.org`. */
  command: string;
  /** The environment the hook starts from (the caller's, usually); ACMECLI_* variables are added. */
  env: Readonly<Record<string, string | undefined>>;
  /** Default 120 s; then the hook's whole process group is killed. */
  timeoutMs?: number;
  /** After the timeout, SIGTERM first; SIGKILL for what is left after this long. Default 2 s. */
  killGraceMs?: number;
  /** Working folder of the hook; default the current one. */
  cwd?: string;
  /** For dns-01 and dns-account-01: wait until the TXT record is visible before the CA is told to look. */
  dnsCheck?: DnsCheckOptions | undefined;
  /** A hook that failed at done / failed: reported, but the run goes on. */
  onWarning?: (warning: InstanceType<typeof HookError>) => void;
  /** A hook that declined at begin (non-zero exit), with the end of its output. */
  onDeclined?: (task: ChallengeTask, detail: string) => void;
}

export interface HookSolver extends ChallengeSolver {
  prepare(): Promise<void>;
}

/** What one hook run left behind. */
export interface HookRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KB of stdout and stderr, interleaved as they came. */
  output: string;
}

const DNS_TYPES: ReadonlySet<ChallengeType> = new Set(['dns-01', 'dns-account-01']);
const OUTPUT_TAIL_BYTES = 4096;
const MESSAGE_TAIL_CHARS = 400;
// After the hook exits, how long to wait for a background process it left to let go of stdout.
const STDIO_LINGER_MS = 500;

/**
 * The uacme hook protocol: the program runs as `PROGRAM begin|done|failed TYPE
 * IDENT TOKEN AUTH`, where AUTH is the key authorization (http-01, tls-alpn-01)
 * or the TXT value (dns-01, dns-account-01). The same values are in ACMECLI_*
 * variables. It is executed directly, never through a shell. A non-zero exit at
 * begin declines the challenge; at done/failed it is only reported (onWarning).
 *
 * prepare() throws UsageError when the program is not found or not executable.
 * begin throws HookError when the program cannot be started or times out
 * (its process group is then killed), AbortedError when `signal` aborts.
 */
export function createHookSolver(options: HookSolverOptions): HookSolver {
  const words = splitCommandLine(options.command);
  const [program, ...fixedArgs] = words as [string, ...string[]];
  const timeoutMs = options.timeoutMs ?? 120_000;
  const killGraceMs = options.killGraceMs ?? 2_000;
  const cwd = options.cwd ?? process.cwd();
  let resolved: Promise<string> | undefined;
  const prepare = async (): Promise<void> => {
    resolved ??= findProgram(program, options.env.PATH, cwd).catch((err: unknown) => {
      resolved = undefined;
      throw err;
    });
    await resolved;
  };

  const invoke = async (method: HookMethod, task: ChallengeTask, signal?: AbortSignal): Promise<{ run: HookRun; what: string }> => {
    await prepare();
    const executable = await (resolved as Promise<string>);
    const auth = DNS_TYPES.has(task.type) ? task.txt?.value : task.keyAuthorization;
    if (auth === undefined) throw new HookError(`${task.type} challenge for ${task.identifier.value} has no TXT record to publish`);
    const what = `hook ${program} ${method} ${task.type} ${task.identifier.value}`;
    const argv = [...fixedArgs, method, task.type, task.identifier.value, task.token, auth];
    const env = hookEnvironment(options.env, method, task, auth);
    const run = await runHook({ executable, argv, env, cwd, timeoutMs, killGraceMs, what, signal });
    return { run, what };
  };

  return {
    name: 'hook',
    supports: (task) => task.type !== 'dns-persist-01' && (!DNS_TYPES.has(task.type) || task.txt !== undefined),
    prepare,
    async begin(task, signal) {
      const { run } = await invoke('begin', task, signal);
      if (run.exitCode === 0) return 'accepted';
      options.onDeclined?.(task, `${describeExit(run)}${describeOutput(run.output)}`);
      return 'declined';
    },
    async waitUntilReady(task, signal) {
      if (options.dnsCheck === undefined || !DNS_TYPES.has(task.type) || task.txt === undefined) return;
      await waitForTxt({ name: task.txt.name, value: task.txt.value, resolver: options.dnsCheck.resolver, timeoutMs: options.dnsCheck.timeoutMs, signal });
    },
    async end(task, outcome) {
      // end runs in a finally: a failing hook here must not hide why the run ended.
      try {
        const { run, what } = await invoke(outcome, task);
        if (run.exitCode !== 0) options.onWarning?.(new HookError(`${what} ${describeExit(run)}${describeOutput(run.output)}`));
      } catch (err) {
        options.onWarning?.(err instanceof HookError ? err : new HookError(`hook ${program} ${outcome}: ${String(err)}`, { cause: err }));
      }
    },
  };
}

/** The base environment, minus undefined values, plus the ACMECLI_* description of the call. */
function hookEnvironment(base: HookSolverOptions['env'], method: HookMethod, task: ChallengeTask, auth: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  // A stale value inherited from the caller must not look like ours.
  delete env.ACMECLI_TXT_NAME;
  delete env.ACMECLI_TXT_VALUE;
  Object.assign(env, {
    ACMECLI_METHOD: method,
    ACMECLI_TYPE: task.type,
    ACMECLI_IDENT: task.identifier.value,
    ACMECLI_TOKEN: task.token,
    ACMECLI_AUTH: auth,
    ACMECLI_KEY_AUTHORIZATION: task.keyAuthorization,
    ACMECLI_WILDCARD: task.wildcard ? '1' : '0',
  });
  if (DNS_TYPES.has(task.type) && task.txt !== undefined) {
    env.ACMECLI_TXT_NAME = task.txt.name;
    env.ACMECLI_TXT_VALUE = task.txt.value;
  }
  return env;
}

/** The path to execute: `program` itself when it has a slash, else the first executable match in PATH. */
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
  if (existing !== undefined) throw new UsageError(`hook ${existing} is not executable`);
  throw new UsageError(program.includes('/') ? `hook ${program} not found` : `hook ${program} not found in PATH`);
}

export interface RunHookOptions {
  executable: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  killGraceMs: number;
  what: string;
  signal: AbortSignal | undefined;
}

/** Runs a program the way hooks run (no shell, own process group, killed on timeout or abort); also the exec DNS provider's runner. */
export function runHook(o: RunHookOptions): Promise<HookRun> {
  if (o.signal?.aborted) return Promise.reject(new AbortedError(`${o.what}: cancelled`));
  return new Promise((resolvePromise, reject) => {
    // detached: the hook leads its own process group, so a timeout can kill
    // everything it started (process.kill(-pid)), not just the shell.
    const child = spawn(o.executable, o.argv, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    let output = Buffer.alloc(0);
    const collect = (chunk: Buffer): void => {
      output = Buffer.concat([output, chunk]);
      if (output.length > OUTPUT_TAIL_BYTES) output = output.subarray(output.length - OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);

    let stopReason: 'timeout' | 'aborted' | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    const stop = (reason: 'timeout' | 'aborted'): void => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), o.killGraceMs);
    };
    const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
    const onAbort = (): void => stop('aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanUp = (): void => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      o.signal?.removeEventListener('abort', onAbort);
    };

    child.once('error', (err: NodeJS.ErrnoException) => {
      cleanUp();
      reject(new HookError(`cannot run ${o.executable}: ${err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'permission denied' : err.message}`, { cause: err }));
    });
    child.once('exit', (exitCode, signal) => {
      cleanUp();
      if (stopReason !== undefined) {
        // What the group leader left behind had the same SIGTERM and as long to act on it.
        killGroup('SIGKILL');
        const tail = describeOutput(output.toString('utf8'));
        if (stopReason === 'timeout') reject(new HookError(`${o.what} timed out after ${Math.round(o.timeoutMs / 100) / 10} s; its process group was killed${tail}`));
        else reject(new AbortedError(`${o.what}: cancelled; its process group was killed${tail}`));
        return;
      }
      const finish = (): void => resolvePromise({ exitCode, signal, output: output.toString('utf8') });
      if (child.stdout.readableEnded && child.stderr.readableEnded) {
        finish();
        return;
      }
      // Normally stdio closes right after exit; a background process the hook left may hold it.
      const linger = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, STDIO_LINGER_MS);
      child.once('close', () => {
        clearTimeout(linger);
        finish();
      });
    });
  });
}

export function describeExit(run: HookRun): string {
  return run.signal !== null ? `was killed by ${run.signal}` : `exited with status ${run.exitCode}`;
}

/** The end of the hook's output, on one line, for an error message. */
export function describeOutput(output: string): string {
  const text = output.trim().split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '').join(' | ');
  if (text === '') return '';
  return `: ${text.length > MESSAGE_TAIL_CHARS ? `…${text.slice(-MESSAGE_TAIL_CHARS)}` : text}`;
}
