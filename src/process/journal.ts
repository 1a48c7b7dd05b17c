// Log priorities for systemd's journal. A service's stdout and stderr are a stream socket to
// journald, which reads a "<N>" prefix on each line as its syslog priority (sd-daemon(3)); systemd
// sets JOURNAL_STREAM to that socket's "DEVICE:INODE" (systemd.exec(5)), so a program can tell the
// journal from a terminal, a pipe or a file that merely inherited the variable.
import { fstatSync } from 'node:fs';

/** syslog(3) priorities of our levels. */
export const SYSLOG_PRIORITY = { error: 3, warn: 4, info: 6, debug: 7 } as const;
export type JournalLevel = keyof typeof SYSLOG_PRIORITY;

/** Whether file descriptor `fd` is the journal stream JOURNAL_STREAM names. */
export function isJournalStream(fd: number, journalStream: string | undefined): boolean {
  const match = /^(\d+):(\d+)$/.exec(journalStream ?? '');
  if (!match) return false;
  try {
    const stat = fstatSync(fd, { bigint: true });
    return stat.dev === BigInt(match[1]!) && stat.ino === BigInt(match[2]!);
  } catch {
    return false;
  }
}

/**
 * Prefixes each line written through it with its priority. Writes may end mid-line ("caused by: "
 * then a stack): only text that starts a line gets a prefix.
 */
export function journalLineWriter(write: (text: string) => void): (text: string, level: JournalLevel) => void {
  let atLineStart = true;
  return (text, level) => {
    if (!text) return;
    const prefix = `<${SYSLOG_PRIORITY[level]}>`;
    const body = text.replace(/\n(?=[^])/g, `\n${prefix}`);
    write(atLineStart ? `${prefix}${body}` : body);
    atLineStart = text.endsWith('\n');
  };
}
