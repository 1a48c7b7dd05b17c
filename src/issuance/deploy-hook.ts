import { spawn } from 'node:child_process';
import { HookError, UsageError } from '../errors.js';
import { splitCommandLine } from '../solvers/command-line.js';
import type { OutputPaths } from './output-files.js';

export interface DeployHookRun {
  command: string;
  paths: OutputPaths;
  domains: string[];
  lineage: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
}

/**
 * Runs `--deploy-hook` after new files are in place: split into words without a
 * shell, with the paths in ACMECLI_CERT_PATH / ACMECLI_KEY_PATH / ACMECLI_CA_PATH
 * and the names in ACMECLI_DOMAINS. A non-zero exit or a timeout (whose whole
 * process group is killed) is a HookError naming the lineage.
 */
export async function runDeployHook(run: DeployHookRun): Promise<void> {
  const argv = splitCommandLine(run.command);
  const [program, ...args] = argv;
  if (!program) throw new UsageError('--deploy-hook is empty');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    ACMECLI_LINEAGE: run.lineage,
    ACMECLI_CERT_PATH: run.paths.certificate,
    ACMECLI_KEY_PATH: run.paths.key ?? '',
    ACMECLI_CA_PATH: run.paths.ca ?? '',
    ACMECLI_DOMAINS: run.domains.join(' '),
  });
  const timeoutMs = run.timeoutMs ?? 300_000;
  await new Promise<void>((resolve, reject) => {
    // The hook's output goes to our stderr, where a person reading the run sees it; our stdout stays the result (--json).
    const child = spawn(program, args, { env, stdio: ['ignore', 2, 2], detached: true });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new HookError(`deploy hook for ${run.lineage} did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`));
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new HookError(`deploy hook for ${run.lineage}: cannot run ${program}: ${err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new HookError(`deploy hook for ${run.lineage} failed (${signal ? `signal ${signal}` : `exit ${code}`}); its output is above`));
    });
  });
}
