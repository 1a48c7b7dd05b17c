import { VERSION, formatVersionInfo, versionInfo } from '../cli/version.js';
import { ENVIRONMENT_REFUSED_EXIT, environmentRefusal, environmentWarnings } from '../cli/environment-guard.js';

const VERSION_FLAGS = new Set(['--version', '-V']);
const VERBOSE_FLAGS = new Set(['--verbose', '-v']);

/** What a run prints before the CLI loads, and whether that is the whole run. */
export interface RunStart {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Nothing else to do: the environment was refused, or the version asked for. */
  done: boolean;
}

/**
 * The start of every run, decided here for both the process entry (src/entry/run.ts) and the single
 * executable's loader (src/entry/sea-loader.ts), which answers a `done` start before it even compiles
 * the bundle: the environment's refusal or warnings (src/cli/environment-guard.ts), then the answers
 * that need no CLI. Scripts call `acmecli --version` in loops: it is answered before commander, chalk
 * and our commands load.
 */
export function runStart(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): RunStart {
  const refusal = environmentRefusal(env);
  if (refusal) return { stdout: '', stderr: `acmecli: ${refusal}\n`, exitCode: ENVIRONMENT_REFUSED_EXIT, done: true };
  const stderr = environmentWarnings(env).map((warning) => `warning: ${warning}\n`).join('');
  if (argv.length === 1 && VERSION_FLAGS.has(argv[0]!)) return { stdout: `${VERSION}\n`, stderr, exitCode: 0, done: true };
  // `--version --verbose` is `acmecli version`: commander alone would print the bare version.
  if (argv.length === 2 && argv.some((a) => VERSION_FLAGS.has(a)) && argv.some((a) => VERBOSE_FLAGS.has(a))) {
    return { stdout: `${formatVersionInfo(versionInfo())}\n`, stderr, exitCode: 0, done: true };
  }
  return { stdout: '', stderr, exitCode: 0, done: false };
}
