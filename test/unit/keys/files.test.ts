import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, test, expect } from 'vitest';
import { readAccountKeyFile, writePrivateKeyFile } from '../../../src/keys/files.js';
import { makeTempDir } from './support.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());

function ecPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

test('writePrivateKeyFile creates the file with mode 0600 and missing folders with 0700', async () => {
  const path = temp.path('new-folder/account.pem');
  const pem = ecPem();
  await writePrivateKeyFile(path, pem);
  expect(readFileSync(path, 'utf8')).toBe(pem);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(statSync(temp.path('new-folder')).mode & 0o777).toBe(0o700);
});

test('writePrivateKeyFile refuses to replace an existing file without force, leaving it unchanged', async () => {
  const path = temp.path('existing.pem');
  writeFileSync(path, 'old');
  await expect(writePrivateKeyFile(path, ecPem())).rejects.toMatchObject({
    code: 'IO',
    message: `${path} already exists; pass --force to replace it`,
  });
  expect(readFileSync(path, 'utf8')).toBe('old');
});

test('writePrivateKeyFile with force replaces the file and narrows its mode to 0600', async () => {
  const path = temp.path('replace.pem');
  writeFileSync(path, 'old', { mode: 0o644 });
  chmodSync(path, 0o644);
  const pem = ecPem();
  await writePrivateKeyFile(path, pem, { force: true });
  expect(readFileSync(path, 'utf8')).toBe(pem);
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

test('readAccountKeyFile warns through the callback when others can read the key, and not at 0600', async () => {
  const path = temp.path('open.pem');
  writeFileSync(path, ecPem());
  chmodSync(path, 0o644);
  const warnings: string[] = [];
  const key = await readAccountKeyFile(path, (message) => warnings.push(message));
  expect(key.description).toBe('EC P-256');
  expect(warnings).toEqual([`${path} is readable by other users (mode 0644); chmod 600 ${path}`]);

  chmodSync(path, 0o600);
  const quiet: string[] = [];
  await readAccountKeyFile(path, (message) => quiet.push(message));
  expect(quiet).toEqual([]);

  chmodSync(path, 0o640);
  const group: string[] = [];
  await readAccountKeyFile(path, (message) => group.push(message));
  expect(group).toEqual([`${path} is readable by other users (mode 0640); chmod 600 ${path}`]);
});

test('readAccountKeyFile gives a one-line IO error for a missing file and for a folder', async () => {
  const missing = temp.path('missing.pem');
  await expect(readAccountKeyFile(missing, () => undefined)).rejects.toMatchObject({
    code: 'IO',
    message: `cannot read key ${missing}: no such file or folder`,
  });
  const folder = temp.path('a-folder');
  mkdirSync(folder);
  await expect(readAccountKeyFile(folder, () => undefined)).rejects.toMatchObject({
    code: 'IO',
    message: `cannot read key ${folder}: it is a folder`,
  });
});

test('readAccountKeyFile gives a KEY error naming the path for a file that is not a key', async () => {
  const path = temp.path('notes.txt');
  writeFileSync(path, 'not a key\n', { mode: 0o600 });
  await expect(readAccountKeyFile(path, () => undefined)).rejects.toMatchObject({
    code: 'KEY',
    message: expect.stringMatching(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a private key`)),
  });
});
