// Process-wide side effects live here, in the process entry, and nowhere else: importing any other
// module of src/ leaves the process as it found it (test/unit/layering.test.ts checks that).
//
import { groupRunAlone } from './command-groups.js';
import { runStart } from './run-start.js';

/** The process entry, shared by bin/acmecli.js and the single executable. */
export async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  const start = runStart(argv, process.env);
  if (start.stderr) process.stderr.write(start.stderr);
  if (start.stdout) process.stdout.write(start.stdout);
  if (start.done) {
    process.exitCode = start.exitCode;
    return;
  }
  // `acmecli ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  // V8's --expose-gc, so that the agent daemon can run a full collection after each cycle and keep a
  // flat memory profile (src/agent/daemon.ts). The single executable takes no Node flags, so the flag is
  // set at run time; it only lets a new context reach gc() and changes nothing else. Only a run that may
  // start the daemon sets it: node:v8 (loaded from ./v8-flags.ts on demand) is a few ms of an offline start.
  const group = groupRunAlone(argv);
  if (group === undefined || group === 'agent') {
    const { setFlagsFromString } = await import('./v8-flags.js');
    setFlagsFromString('--expose-gc');
  }
  const [{ main }, { processIO }] = await Promise.all([import('./main.js'), import('../cli/io.js')]);
  process.exitCode = await main(argv, processIO());
}
