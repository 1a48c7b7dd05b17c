import { HookError } from '../errors.js';
import { runUserCommand } from '../process/run-command.js';
import type { OutputPaths } from './output-files.js';

export interface DeployHookRun {
  command: string;
  paths: OutputPaths;
  domains: string[];
  lineage: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
  /** What the hook printed, for the user to see (stderr). */
  onOutput?: (text: string) => void;
}

/**
 * Runs `--deploy-hook` after new files are in place, with the paths in
 * ACMECLI_CERT_PATH / ACMECLI_KEY_PATH / ACMECLI_CA_PATH and the names in
 * ACMECLI_DOMAINS. A non-zero exit or a timeout is a HookError naming the lineage.
 */
export async function runDeployHook(run: DeployHookRun): Promise<void> {
  const result = await runUserCommand(run.command, {
    env: run.env,
    extraEnv: {
      ACMECLI_LINEAGE: run.lineage,
      ACMECLI_CERT_PATH: run.paths.certificate,
      ACMECLI_KEY_PATH: run.paths.key ?? '',
      ACMECLI_CA_PATH: run.paths.ca ?? '',
      ACMECLI_FULLCHAIN_PATH: run.paths.fullchain,
      ACMECLI_HAPROXY_PATH: run.paths.combined ?? '',
      ACMECLI_DOMAINS: run.domains.join(' '),
    },
    timeoutMs: run.timeoutMs ?? 300_000,
  });
  if (result.output) run.onOutput?.(result.output);
  if (!result.ok) {
    const tail = result.output.split('\n').slice(-1)[0] ?? '';
    throw new HookError(`deploy hook for ${run.lineage} failed (${result.detail})${tail ? `: ${tail}` : ''}`);
  }
}
