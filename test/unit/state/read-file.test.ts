import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { IoError, KeyError } from '../../../src/errors.js';
import { readNamedFile, readNamedText } from '../../../src/state/read-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acmecli-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the text of a file, and no warning for a file only its owner can read', async () => {
  const file = join(dir, 'token');
  await writeFile(file, 'secret\n', { mode: 0o600 });
  const warnings: string[] = [];
  expect(await readNamedText(file, { what: '--token-file', onReadableByOthers: (w) => warnings.push(w) })).toBe('secret\n');
  expect(warnings).toEqual([]);
});

test('a secret other users can read: the file is read and the warning given', async () => {
  const file = join(dir, 'token');
  await writeFile(file, 'secret');
  await chmod(file, 0o644);
  const warnings: string[] = [];
  expect((await readNamedFile(file, { onReadableByOthers: (w) => warnings.push(w) })).toString()).toBe('secret');
  expect(warnings).toEqual([`${file} is readable by other users (mode 0644); chmod 600 ${file}`]);
});

test('missing, a folder, or too large: one error naming what and where', async () => {
  await expect(readNamedText(join(dir, 'nope'), { what: '--ca-file' })).rejects.toThrow(new IoError(`cannot read --ca-file ${join(dir, 'nope')}: no such file or folder`));
  await mkdir(join(dir, 'folder'));
  await expect(readNamedText(join(dir, 'folder'))).rejects.toThrow(new IoError(`cannot read ${join(dir, 'folder')}: it is a folder`));
  await writeFile(join(dir, 'big'), 'x'.repeat(100));
  await expect(readNamedFile(join(dir, 'big'), { tooLarge: { maxBytes: 10, error: (size) => new KeyError(`${size} bytes`) } })).rejects.toThrow(new KeyError('100 bytes'));
});

test('a device or a pipe has no size to check: its read stops at the cap with one line, instead of filling memory', async () => {
  await expect(readNamedFile('/dev/zero', { what: '--ca-file' })).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/^cannot read --ca-file \/dev\/zero: more than 16777216 bytes and not a regular file$/) });
  await expect(readNamedFile('/dev/zero', { what: 'the key', tooLarge: { maxBytes: 1024, error: (size) => new IoError(`too large (${size} bytes)`) } })).rejects.toThrow('too large (1025 bytes)');
});
