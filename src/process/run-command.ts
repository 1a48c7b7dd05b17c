import { spawn } from 'node:child_process';
import { splitCommandLine } from '../solvers/command-line.js';

export interface CommandResult {
  ok: boolean;
  /** First word of the command (the `command` label of acme_manager_local_cmd_run_total). */
  program: string;
  detail: string;
  output: string;
}

/**
 * Runs a user's command (agent pre/post commands, cert deploy hooks): split into
 * words without a shell (quotes allowed, unlike the Go client's split on single
 * spaces), with `extraEnv` added, and on timeout its whole process group killed.
 * Never throws: the result says how it went, with the end of its output.
 */
export async function runUserCommand(commandLine: string, options: { env: Readonly<Record<string, string | undefined>>; extraEnv?: Record<string, string>; timeoutMs: number }): Promise<CommandResult> {
  let argv: string[];
  try {
    argv = splitCommandLine(commandLine);
  } catch (err) {
    return { ok: false, program: commandLine.split(' ')[0] ?? '', detail: (err as Error).message, output: '' };
  }
  const [program = '', ...args] = argv;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, options.extraEnv);
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const finish = (result: Omit<CommandResult, 'program' | 'output'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Let go of pipes a background child may still hold, or acmecli itself could not exit.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ ...result, program, output: output.trim() });
    };
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      finish({ ok: false, detail: `timed out after ${Math.round(options.timeoutMs / 1000)} s and was killed` });
    }, options.timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, detail: err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : err.message }));
    const outcome = (code: number | null, signal: NodeJS.Signals | null) => (code === 0 ? { ok: true, detail: 'exit 0' } : { ok: false, detail: signal ? `killed by ${signal}` : `exit ${code}` });
    child.once('close', (code, signal) => finish(outcome(code, signal)));
    // A command that starts a daemon in the background (`nohup app &`) exits while the daemon keeps our
    // pipes open: 'close' would wait for the daemon. Give its output half a second after 'exit', then go on.
    child.once('exit', (code, signal) => {
      setTimeout(() => finish(outcome(code, signal)), 500).unref();
    });
  });
}

/** Secrets acmecli reads from its environment; no program it starts inherits them. */
const SECRET_VARIABLES = ['ACMECLI_EAB_HMAC_KEY', 'ACME_MANAGER_TOKEN', 'RFC2136_TSIG_SECRET'];

export function withoutSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_VARIABLES) delete copy[name];
  return copy;
}
