import { isJournalStream, journalLineWriter, type JournalLevel } from '../process/journal.js';
import type { PollClock } from '../acme/poll.js';

/** Everything the CLI reads from or writes to the outside, so main() runs in-process in tests. */
export interface CliIO {
  writeStdout(data: string | Uint8Array): void;
  /** `level` (default info) becomes a syslog priority prefix when stderr is the journal. */
  writeStderr(text: string, level?: JournalLevel): void;
  /** stdout is systemd's journal stream (JOURNAL_STREAM): log lines there may carry priority prefixes. */
  stdoutIsJournal?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  isStdinTty: boolean;
  isStdoutTty: boolean;
  isStderrTty: boolean;
  /** The terminal's width when stderr is one; 0 when it reports none (`script` without a terminal, `docker run -t`). */
  stderrColumns?(): number;
  /** Asks a question on the terminal; only called when isStdinTty. */
  ask(question: string): Promise<string>;
  cwd: string;
  /** The clock of lineage runs (renewal decisions, issued-certificate checks); the system clock unless a test sets one. */
  now?: () => Date;
  /** The clock of the waits in a run (polling the CA: Retry-After, the schedule; the DNS propagation check; the --serve-check after a deploy hook): the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock;
}

export function processIO(): CliIO {
  const toJournal = isJournalStream(2, process.env.JOURNAL_STREAM) ? journalLineWriter((text) => void process.stderr.write(text)) : undefined;
  return {
    writeStdout: (data) => void process.stdout.write(data),
    writeStderr: (text, level = 'info') => (toJournal ? toJournal(text, level) : void process.stderr.write(text)),
    stdoutIsJournal: isJournalStream(1, process.env.JOURNAL_STREAM),
    env: process.env,
    // Read only by a prompt: process.stdin is a stream Node builds on first touch, work an offline run skips.
    get isStdinTty() {
      return Boolean(process.stdin.isTTY);
    },
    isStdoutTty: Boolean(process.stdout.isTTY),
    isStderrTty: Boolean(process.stderr.isTTY),
    stderrColumns: () => process.stderr.columns ?? 0,
    ask: async (question) => (await import('./terminal-question.js')).askOnTerminal(question),
    cwd: process.cwd(),
  };
}
