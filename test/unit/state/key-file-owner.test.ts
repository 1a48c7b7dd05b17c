import { chownSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { inheritedModeAndOwner, writeFilesTogether } from '../../../src/state/atomic-write.js';
import { writePrivateKeyFile } from '../../../src/keys/files.js';

// Another user's file, as an attacker sharing the machine would plant it. As root the
// tests give it to `nobody`; otherwise it stays ours and only the mode checks apply.
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function folder(): string {
  return mkdtempSync(path.join(tmpdir(), 'acmecli-keyowner-'));
}

function plantVictim(dir: string): string {
  const victim = path.join(dir, 'victim');
  writeFileSync(victim, 'victim data', { mode: 0o644 });
  if (asRoot) chownSync(victim, NOBODY, NOBODY);
  return victim;
}

test('a symlink planted at NAME.key is replaced by a 0600 key of our own, and the file it pointed at is untouched', async () => {
  const dir = folder();
  const victim = plantVictim(dir);
  const key = path.join(dir, 'demo.key');
  symlinkSync(victim, key);
  await writeFilesTogether([{ path: key, data: 'PRIVATE KEY', mode: 0o600 }, { path: path.join(dir, 'demo.crt'), data: 'CERT', mode: 0o644 }]);
  const st = lstatSync(key);
  expect(st.isFile()).toBe(true);
  expect(st.mode & 0o777).toBe(0o600);
  expect(st.uid).toBe(process.getuid?.());
  expect(readFileSync(victim, 'utf8')).toBe('victim data');
  expect(statSync(victim).mode & 0o777).toBe(0o644);
});

test('an existing key file readable by the world is corrected to 0600 when it is written again', async () => {
  const dir = folder();
  const key = path.join(dir, 'demo.key');
  writeFileSync(key, 'old', { mode: 0o644 });
  await writeFilesTogether([{ path: key, data: 'new', mode: 0o600 }]);
  expect(statSync(key).mode & 0o777).toBe(0o600);
});

test('an operator\'s 0640 key stays 0640 with its group (a web server reads it)', async () => {
  const dir = folder();
  const key = path.join(dir, 'demo.key');
  writeFileSync(key, 'old', { mode: 0o640 });
  if (asRoot) chownSync(key, 0, NOBODY);
  await writeFilesTogether([{ path: key, data: 'new', mode: 0o600 }]);
  expect(statSync(key).mode & 0o777).toBe(0o640);
  if (asRoot) expect(statSync(key).gid).toBe(NOBODY);
});

test('a key file owned by another user (made so as root) is not given back to that user', async () => {
  const dir = folder();
  const key = path.join(dir, 'demo.key');
  writeFileSync(key, 'old', { mode: 0o600 });
  chownSync(key, NOBODY, NOBODY);
  await writeFilesTogether([{ path: key, data: 'new', mode: 0o600 }]);
  expect(statSync(key).uid).toBe(0);
  expect(statSync(key).mode & 0o777).toBe(0o600);
});

test('key generate --force onto a symlink writes our own 0600 key in place of the link', async () => {
  const dir = folder();
  const victim = plantVictim(dir);
  const key = path.join(dir, 'account.pem');
  symlinkSync(victim, key);
  await writePrivateKeyFile(key, 'PRIVATE KEY', { force: true });
  const st = lstatSync(key);
  expect(st.isFile()).toBe(true);
  expect(st.uid).toBe(process.getuid?.());
  expect(st.mode & 0o777).toBe(0o600);
  expect(readFileSync(victim, 'utf8')).toBe('victim data');
});

test.each([
  // [what, existing, asked, expected]
  ['new file', undefined, { mode: 0o600 }, { mode: 0o600 }],
  ['ours, 0640', { mode: 0o100640, uid: 1000, gid: 5, isFile: () => true }, { mode: 0o600 }, { mode: 0o640, owner: { uid: 1000, gid: 5 } }],
  ['root, 0640, forced', { mode: 0o100640, uid: 0, gid: 5, isFile: () => true }, { mode: 0o600, forceMode: true }, { mode: 0o600, owner: { uid: 0, gid: 5 } }],
  ['ours, world-readable', { mode: 0o100644, uid: 1000, gid: 5, isFile: () => true }, { mode: 0o600 }, { mode: 0o600 }],
  ['another user', { mode: 0o100600, uid: 33, gid: 33, isFile: () => true }, { mode: 0o600 }, { mode: 0o600 }],
  ['a symlink', { mode: 0o120777, uid: 0, gid: 0, isFile: () => false }, { mode: 0o600 }, { mode: 0o600 }],
  ['setuid bits are never kept', { mode: 0o104640, uid: 0, gid: 0, isFile: () => true }, { mode: 0o644 }, { mode: 0o640, owner: { uid: 0, gid: 0 } }],
] as const)('inheritedModeAndOwner: %s', (_what, existing, asked, expected) => {
  expect(inheritedModeAndOwner(existing, asked, 1000)).toEqual(expected);
});
