import { VERSION, formatVersionInfo, versionInfo } from './version.js';
import { ENVIRONMENT_REFUSED_EXIT, environmentRefusal } from './environment-guard.js';

const VERSION_FLAGS = new Set(['--version', '-V']);
const VERBOSE_FLAGS = new Set(['--verbose', '-v']);

/** The process entry, shared by bin/acmecli.js and the single executable. */
export async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  const refusal = environmentRefusal(process.env);
  if (refusal) {
    process.stderr.write(`acmecli: ${refusal}\n`);
    process.exitCode = ENVIRONMENT_REFUSED_EXIT;
    return;
  }
  // Scripts call `acmecli --version` in loops: answer it before the CLI (commander, chalk, our commands) loads.
  if (argv.length === 1 && VERSION_FLAGS.has(argv[0]!)) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // `--version --verbose` is `acmecli version`: commander alone would print the bare version.
  if (argv.length === 2 && argv.some((a) => VERSION_FLAGS.has(a)) && argv.some((a) => VERBOSE_FLAGS.has(a))) {
    process.stdout.write(`${formatVersionInfo(versionInfo())}\n`);
    return;
  }
  // `acmecli ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const [{ main }, { processIO }] = await Promise.all([import('./main.js'), import('./io.js')]);
  process.exitCode = await main(argv, processIO());
}
