import type { ChallengeSolver, ChallengeTask, ChallengeType } from '../acme/solver.js';
import { AbortedError, HookError, UsageError } from '../errors.js';
import { splitCommandLine } from '../process/command-line.js';
import { describeEnd, describeOutput, findProgram, runProgram, succeeded, type ProgramRun } from '../process/run-command.js';

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
  /**
   * For dns-01 and dns-account-01, after the hook's begin: resolves once the TXT record
   * is served where the CA will look (the propagation check of src/dns-providers, given
   * by the solver registry). Undefined (--no-dns-check): the CA is told at once.
   */
  waitUntilServed?: ((record: { name: string; value: string }, signal: AbortSignal) => Promise<void>) | undefined;
  /** A hook that failed at done / failed: reported, but the run goes on. */
  onWarning?: (warning: InstanceType<typeof HookError>) => void;
  /** A hook that declined at begin (non-zero exit), with the end of its output. */
  onDeclined?: (task: ChallengeTask, detail: string) => void;
}

export interface HookSolver extends ChallengeSolver {
  prepare(): Promise<void>;
}

type ExitedRun = Extract<ProgramRun, { end: 'exited' }>;

const DNS_TYPES: ReadonlySet<ChallengeType> = new Set(['dns-01', 'dns-account-01']);

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
      throw err instanceof UsageError ? new UsageError(`hook ${err.message}`) : err;
    });
    await resolved;
  };

  /** Runs the hook to its exit; a run that did not get there (timeout, abort, no start) is thrown. */
  const invoke = async (method: HookMethod, task: ChallengeTask, signal?: AbortSignal): Promise<{ run: ExitedRun; what: string }> => {
    await prepare();
    const executable = await (resolved as Promise<string>);
    const auth = DNS_TYPES.has(task.type) ? task.txt?.value : task.keyAuthorization;
    if (auth === undefined) throw new HookError(`${task.type} challenge for ${task.identifier.value} has no TXT record to publish`);
    const what = `hook ${program} ${method} ${task.type} ${task.identifier.value}`;
    const argv = [...fixedArgs, method, task.type, task.identifier.value, task.token, auth];
    const env = hookEnvironment(options.env, method, task, auth);
    const run = await runProgram({ executable, args: argv, env, cwd, timeoutMs, killGraceMs, signal });
    if (run.end === 'aborted') throw new AbortedError(`${what}: cancelled; its process group was killed${describeOutput(run.output)}`);
    if (run.end !== 'exited') throw new HookError(`${what} ${describeEnd(run)}${describeOutput(run.output)}`);
    return { run, what };
  };

  return {
    name: 'hook',
    // Every type but dns-persist-01, whose record is published once, not per challenge (acmecli dns records).
    canAnswer: (type) => type !== 'dns-persist-01',
    prepare,
    async begin(task, signal) {
      const { run } = await invoke('begin', task, signal);
      if (succeeded(run)) return 'accepted';
      options.onDeclined?.(task, `${describeEnd(run)}${describeOutput(run.output)}`);
      return 'declined';
    },
    async waitUntilReady(task, signal) {
      if (options.waitUntilServed === undefined || !DNS_TYPES.has(task.type) || task.txt === undefined) return;
      await options.waitUntilServed({ name: task.txt.name, value: task.txt.value }, signal);
    },
    async end(task, outcome) {
      // end runs in a finally: a failing hook here must not hide why the run ended.
      try {
        const { run, what } = await invoke(outcome, task);
        if (!succeeded(run)) options.onWarning?.(new HookError(`${what} ${describeEnd(run)}${describeOutput(run.output)}`));
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
