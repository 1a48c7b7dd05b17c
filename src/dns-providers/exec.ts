/**
 * lego's exec provider, so scripts written for lego run unchanged: EXEC_PATH is
 * called as `present FQDN. VALUE` / `cleanup FQDN. VALUE` (FQDN after CNAME
 * delegation, with lego's trailing dot), or with EXEC_MODE=RAW as
 * `present -- DOMAIN TOKEN KEY_AUTHORIZATION`. No shell; the same runner, timeout
 * and process-group kill as our hooks (src/process/run-command.ts).
 */
import { AbortedError, DnsError, UsageError } from '../errors.js';
import { describeEnd, describeOutput, findProgram, runProgram, succeeded } from '../process/run-command.js';
import type { DnsProvider, TxtRecordTarget } from './provider.js';

export interface ExecProviderOptions {
  /** Holds EXEC_PATH, EXEC_MODE (read here). */
  env: Readonly<Record<string, string | undefined>>;
  /** What the program starts with: the environment without acmecli's secrets. */
  childEnv: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Default 120 s, as for hooks; then its process group is killed. */
  timeoutMs?: number;
  killGraceMs?: number;
}

export function createExecProvider(options: ExecProviderOptions): DnsProvider {
  const program = options.env.EXEC_PATH;
  const mode = options.env.EXEC_MODE ?? '';
  let executable: Promise<string> | undefined;
  const find = (): Promise<string> => {
    if (!program) return Promise.reject(new UsageError('--dns exec needs EXEC_PATH (the program to run as `present FQDN VALUE` / `cleanup FQDN VALUE`)'));
    if (mode !== '' && mode !== 'RAW') return Promise.reject(new UsageError(`EXEC_MODE ${JSON.stringify(mode)}: leave it unset, or set RAW`));
    executable ??= findProgram(program, options.childEnv.PATH, options.cwd).catch((err: unknown) => {
      executable = undefined;
      throw err instanceof UsageError ? new UsageError(`EXEC_PATH: ${err.message}`) : err;
    });
    return executable;
  };

  const run = async (action: 'present' | 'cleanup', record: TxtRecordTarget, signal?: AbortSignal): Promise<void> => {
    const path = await find();
    const argv = mode === 'RAW' ? [action, '--', record.domain, record.token, record.keyAuthorization] : [action, `${record.fqdn}.`, record.value];
    const what = `EXEC_PATH ${program} ${action} ${record.fqdn}`;
    const run = await runProgram({ executable: path, args: argv, env: options.childEnv, cwd: options.cwd, timeoutMs: options.timeoutMs ?? 120_000, killGraceMs: options.killGraceMs, signal });
    if (run.end === 'aborted') throw new AbortedError(`${what}: cancelled; its process group was killed${describeOutput(run.output)}`);
    if (!succeeded(run)) throw new DnsError(`${what} ${describeEnd(run)}${describeOutput(run.output)}`);
  };

  return {
    name: 'exec',
    async prepare() {
      await find();
    },
    present: (record, signal) => run('present', record, signal),
    cleanup: (record) => run('cleanup', record),
  };
}
