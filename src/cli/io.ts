import { createInterface } from 'node:readline/promises';

/** Everything the CLI reads from or writes to the outside, so main() runs in-process in tests. */
export interface CliIO {
  writeStdout(data: string | Uint8Array): void;
  writeStderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  isStdinTty: boolean;
  isStdoutTty: boolean;
  isStderrTty: boolean;
  /** Asks a question on the terminal; only called when isStdinTty. */
  ask(question: string): Promise<string>;
  cwd: string;
}

export function processIO(): CliIO {
  return {
    writeStdout: (data) => void process.stdout.write(data),
    writeStderr: (text) => void process.stderr.write(text),
    env: process.env,
    isStdinTty: Boolean(process.stdin.isTTY),
    isStdoutTty: Boolean(process.stdout.isTTY),
    isStderrTty: Boolean(process.stderr.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    cwd: process.cwd(),
  };
}
