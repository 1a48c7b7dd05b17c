/**
 * Runs the built CLI as a separate process, the way a user would: either the
 * single executable `dist/acmecli` or `bin/acmecli.js` under the Node running the
 * tests. stdin is never a TTY; colours are off; the state directory is a fresh
 * temporary ACMECLI_HOME unless the caller passes one.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const distBinary = path.join(repoRoot, 'dist', 'acmecli');
export const nodeEntry = path.join(repoRoot, 'bin', 'acmecli.js');

export interface RunCliOptions {
  /** Added to (a cleaned copy of) this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  cwd?: string;
  /** 'dist' (default): dist/acmecli. 'node': bin/acmecli.js under process.execPath (needs build/). */
  bin?: 'dist' | 'node';
  /** Another copy of the single executable (e.g. one moved away from the repository). */
  binaryPath?: string;
  /** Close our end of stdout at once, as `| head -0` would. */
  closeStdoutEarly?: boolean;
  /** Killed after this long and the promise rejects; default 30 s. */
  timeoutMs?: number;
}

export interface CliResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const tempDirs = new Set<string>();
let exitHookInstalled = false;

/** A fresh temporary directory for ACMECLI_HOME, removed when the test process exits. */
export function makeTempHome(): string {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-home-'));
  tempDirs.add(dir);
  return dir;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Nothing of the developer's own acmecli setup, and no forced colours from the test runner.
    if (key.startsWith('ACMECLI_') || key === 'FORCE_COLOR' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  env.NO_COLOR = '1';
  if (!('ACMECLI_HOME' in extra)) env.ACMECLI_HOME = makeTempHome();
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function command(bin: 'dist' | 'node'): [string, string[]] {
  if (bin === 'dist') {
    if (!existsSync(distBinary)) throw new Error(`${distBinary} does not exist: run \`npm run build\``);
    return [distBinary, []];
  }
  if (!existsSync(path.join(repoRoot, 'dist', 'acmecli.cjs'))) throw new Error('dist/acmecli.cjs does not exist: run `npm run build`');
  return [process.execPath, [nodeEntry]];
}

export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let file: string;
    let prefix: string[];
    try {
      [file, prefix] = options.binaryPath ? [options.binaryPath, []] : command(options.bin ?? 'dist');
    } catch (error) {
      reject(error);
      return;
    }
    const child = spawn(file, [...prefix, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: childEnv(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    if (options.closeStdoutEarly) child.stdout?.destroy();
    else child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // the CLI may exit without reading it
      child.stdin.end(options.input);
    }
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new Error(
            `acmecli ${args.join(' ')} did not finish in ${timeoutMs} ms\n--- stdout ---\n${text(stdout).slice(-2000)}\n--- stderr ---\n${text(stderr).slice(-2000)}`,
          ),
        );
        return;
      }
      resolve({ code, signal, stdout: text(stdout), stderr: text(stderr) });
    });
  });
}
