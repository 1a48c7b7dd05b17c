/**
 * Runs acmecli's main() inside the test process with captured stdout/stderr, a
 * fresh temporary ACMECLI_HOME unless one is given, and stdin that is not a TTY
 * unless the test answers prompts.
 */
import { main } from '../../src/entry/main.js';
import type { CliIO } from '../../src/cli/io.js';
import type { CliContext } from '../../src/cli/context.js';
import type { PollClock } from '../../src/acme/poll.js';
import { makeTempHome } from './cli.js';

export interface InProcessOptions {
  env?: Record<string, string | undefined>;
  /** Answers to prompts, in order; giving any makes stdin a TTY. */
  answers?: string[];
  isStdoutTty?: boolean;
  onContext?: (ctx: CliContext) => void;
  /** Each piece of stderr as it is written, for a test that must act while the command runs. */
  onStderr?: (text: string) => void;
  /** The folder relative paths are resolved from (default: the test process's). */
  cwd?: string;
  /** The clock of lineage runs, so a test moves time instead of sleeping. */
  now?: () => Date;
  /** The clock of the run's waits (polling the CA, the DNS check): virtualClock() sees the waits asked for without spending them. */
  pollClock?: PollClock;
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  questions: string[];
  /** stdout parsed as JSON (for --json runs); throws if it is not. */
  json<T = Record<string, unknown>>(): T;
}

export async function runMain(args: string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  const out: Buffer[] = [];
  let stderr = '';
  const questions: string[] = [];
  const answers = [...(options.answers ?? [])];
  const env: Record<string, string | undefined> = { HOME: process.env.HOME, PATH: process.env.PATH, ACMECLI_HOME: makeTempHome(), NO_COLOR: '1', ...options.env };
  const io: CliIO = {
    writeStdout: (data) => void out.push(Buffer.from(data)),
    writeStderr: (text) => {
      stderr += text;
      options.onStderr?.(text);
    },
    env,
    isStdinTty: options.answers !== undefined,
    isStdoutTty: options.isStdoutTty ?? false,
    isStderrTty: false,
    ask: async (question) => {
      questions.push(question);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected prompt: ${question}`);
      return answer;
    },
    cwd: options.cwd ?? process.cwd(),
    ...(options.now ? { now: options.now } : {}),
    ...(options.pollClock ? { pollClock: options.pollClock } : {}),
  };
  const code = await main(args, io, options.onContext ? { onContext: options.onContext } : {});
  const stdoutBytes = Buffer.concat(out);
  const stdout = stdoutBytes.toString('utf8');
  return { code, stdout, stderr, stdoutBytes, questions, json: <T>() => JSON.parse(stdout) as T };
}
