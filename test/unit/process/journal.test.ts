import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { createLogger } from '../../../src/agent/logger.js';
import { isJournalStream, journalLineWriter } from '../../../src/process/journal.js';
import { distBinary, runCli } from '../../support/cli.js';

test('a stream is the journal only when JOURNAL_STREAM names its device and inode', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'acmecli-journal-')), 'stream');
  const fd = openSync(file, 'w');
  const other = openSync(`${file}.other`, 'w');
  try {
    const { dev, ino } = fstatSync(fd, { bigint: true });
    expect(isJournalStream(fd, `${dev}:${ino}`)).toBe(true);
    expect(isJournalStream(other, `${dev}:${ino}`)).toBe(false); // inherited by a child whose stderr is a file
    expect(isJournalStream(fd, undefined)).toBe(false);
    expect(isJournalStream(fd, 'junk')).toBe(false);
    expect(isJournalStream(fd, `${dev}:${ino}:1`)).toBe(false);
  } finally {
    closeSync(fd);
    closeSync(other);
  }
});

test('each line gets its priority, and a line written in pieces gets one prefix', () => {
  let out = '';
  const write = journalLineWriter((t) => void (out += t));
  write('acmecli: failed\n', 'error');
  write('caused by: ', 'error');
  write('Error: x\n    at y\n', 'error');
  write('warning: careful\n', 'warn');
  write('progress\n', 'info');
  expect(out).toBe('<3>acmecli: failed\n<3>caused by: Error: x\n<3>    at y\n<4>warning: careful\n<6>progress\n');
});

test("the agent's log lines carry the syslog priority of their level when stdout is the journal", () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'logfmt', level: 'debug', write: (l) => void lines.push(l), now: () => new Date(0), journalPriorities: true });
  log.error('e');
  log.warn('w');
  log.info('i');
  log.debug('d');
  expect(lines.map((l) => l.slice(0, 3))).toEqual(['<3>', '<4>', '<6>', '<7>']);
  expect(lines[0]).toBe('<3>ts=1970-01-01T00:00:00.000Z level=error msg=e\n');
});

test('the executable prefixes its error line with <3> when stderr is the journal, and not when it is not', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-journal-'));
  const file = path.join(dir, 'stderr');
  const fd = openSync(file, 'w');
  const { dev, ino } = fstatSync(fd, { bigint: true });
  closeSync(fd);
  // runCli collects stderr through a pipe, which is not that file: no prefix.
  const piped = await runCli(['-k', path.join(dir, 'missing.pem'), 'key', 'thumbprint'], { env: { JOURNAL_STREAM: `${dev}:${ino}` } });
  expect(piped.stderr).toMatch(/^acmecli: cannot read key/);
  // The same run with stderr being the file JOURNAL_STREAM names.
  const out = openSync(file, 'w');
  const r = spawnSync(distBinary, ['-k', path.join(dir, 'missing.pem'), 'key', 'thumbprint'], { stdio: ['ignore', 'ignore', out], env: { PATH: '/usr/bin:/bin', ACMECLI_HOME: dir, JOURNAL_STREAM: `${dev}:${ino}` } });
  closeSync(out);
  expect(r.status).toBe(1);
  expect(readFileSync(file, 'utf8')).toMatch(/^<3>acmecli: cannot read key .*missing\.pem: no such file or folder\n$/);
});
