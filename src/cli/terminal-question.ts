// node:readline/promises for src/cli/io.ts, which asks a question only in the few runs that prompt: a
// dynamic import of this module is bundled and evaluated on first use, where one of the built-in itself
// could not be (scripts/build-sea.mjs refuses it). Loaded at every start, readline with the modules it
// pulls in (os, the REPL's history) was about 1 ms of CPU of each offline command (issue 14).
import { createInterface } from 'node:readline/promises';

/** Asks `question` on stderr and reads one line of the terminal on stdin. */
export async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
