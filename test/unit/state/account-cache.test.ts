import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { AccountCache } from '../../../src/state/account-cache.js';
import type { Directory } from '../../../src/acme/types.js';

const URL = 'https://acme.example/dir';
const DIRECTORY = { newNonce: 'https://acme.example/nonce', newAccount: 'https://acme.example/acct', newOrder: 'https://acme.example/order' } as Directory;

/** The inode of the one cached directory file: a rewrite (temporary name + rename) changes it. */
function directoryInode(home: string): number {
  const names = readdirSync(path.join(home, 'directories'));
  expect(names).toHaveLength(1);
  return statSync(path.join(home, 'directories', names[0]!)).ino;
}

test('the directory is written when new or changed, and not rewritten when the CA sends the same again', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'acmecli-cache-'));
  await new AccountCache(home).saveDirectory(URL, DIRECTORY);
  const first = directoryInode(home);
  await new AccountCache(home).saveDirectory(URL, structuredClone(DIRECTORY));
  expect(directoryInode(home)).toBe(first);
  const changed = { ...DIRECTORY, renewalInfo: 'https://acme.example/ari' } as Directory;
  await new AccountCache(home).saveDirectory(URL, changed);
  expect(directoryInode(home)).not.toBe(first);
  expect((await new AccountCache(home).findDirectory(URL))?.directory).toEqual(changed);
});
