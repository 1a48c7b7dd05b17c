// The floor of the issuance benchmark (bench/issuance.mjs): acmecli's own CLI code,
// main() of src/entry/main.ts, run in one long-lived Node process, so that an
// issuance costs no process start, no module loading and no cold JIT. Whatever the
// executable spends above this is start-up.
//
// Bundled by the bench with esbuild (like the single executable, npm packages
// included) and started under the pinned Node with an IPC channel. Each message
// { id, argv } runs main(argv) to its end and is answered with
// { id, ms, code, stderr }: ms is performance.now() around main(), so it holds the
// whole command (directory, order, challenge, finalize, download, files written,
// solver closed), like the executable's spawn-to-exit time minus the process.
import { main } from '../src/entry/main.js';
import type { CliIO } from '../src/cli/io.js';

interface Job {
  id: number;
  argv: string[];
}

function collectingIO(): { io: CliIO; stderr: () => string } {
  let err = '';
  const io: CliIO = {
    writeStdout: () => undefined,
    writeStderr: (text) => {
      err += text;
    },
    env: process.env,
    isStdinTty: false,
    isStdoutTty: false,
    isStderrTty: false,
    ask: () => Promise.reject(new Error('no terminal in the bench')),
    cwd: process.cwd(),
  };
  return { io, stderr: () => err };
}

process.on('message', (job: Job) => {
  const { io, stderr } = collectingIO();
  const t0 = performance.now();
  main(job.argv, io).then(
    (code) => process.send!({ id: job.id, ms: performance.now() - t0, code, stderr: stderr() }),
    (error: unknown) => process.send!({ id: job.id, ms: performance.now() - t0, code: -1, stderr: String(error) }),
  );
});
// Stop when the bench does (the channel closes).
process.on('disconnect', () => process.exit(0));
