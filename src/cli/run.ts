import { VERSION } from './version.js';

/** The process entry, shared by bin/acmecli.js and the single executable. */
export async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  // Scripts call `acmecli --version` in loops: answer it before the CLI (commander, chalk, our commands) loads.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
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
