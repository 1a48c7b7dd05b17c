import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LineageStore } from '../../../src/state/lineage-store.js';
import { AccountCache } from '../../../src/state/account-cache.js';
import { untrustedFolderReason } from '../../../src/state/safe-folder.js';
import { runMain } from '../../support/in-process.js';

// Folders as another local user could prepare them. The tests run as root (CI and
// this machine), so "another user" is nobody (65534).
const NOBODY = 65534;

function fresh(): string {
  return mkdtempSync(path.join(tmpdir(), 'acmecli-safe-'));
}

test('a world-writable ACMECLI_HOME is refused with one line naming it', async () => {
  const home = fresh();
  chmodSync(home, 0o777);
  const r = await runMain(['cert', 'list'], { env: { ACMECLI_HOME: home } });
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`acmecli: refusing state folder ${home}: it can be written by every user (mode 0777); make it yours and chmod 700 it, or set ACMECLI_HOME\n`);
});

test('a lineage whose versions folder is a symlink to another user\'s folder is refused before anything is written there', async () => {
  const home = fresh();
  const store = new LineageStore(home);
  mkdirSync(store.folder('demo'), { recursive: true, mode: 0o700 });
  const elsewhere = path.join(fresh(), 'theirs');
  mkdirSync(elsewhere, { mode: 0o755 });
  chownSync(elsewhere, NOBODY, NOBODY);
  symlinkSync(elsewhere, path.join(store.folder('demo'), 'versions'));
  await expect(store.lock('demo')).rejects.toMatchObject({ code: 'STATE', message: expect.stringMatching(/^refusing state folder .*\/lineages\/demo\/versions: it is a symlink to a folder owned by another user \(uid 65534\)/) });
  await expect(store.read('demo')).rejects.toMatchObject({ code: 'STATE' });
  const record = { config: { name: 'demo' }, versions: [] } as never;
  await expect(store.claimNextVersion(record)).rejects.toMatchObject({ code: 'STATE' });
  expect(statSync(elsewhere).nlink).toBe(2); // still empty: no version folder was made in it
});

test('a state folder owned by another user is refused for the account cache too', async () => {
  const home = fresh();
  mkdirSync(path.join(home, 'directories'), { mode: 0o700 });
  chownSync(path.join(home, 'directories'), NOBODY, NOBODY);
  await expect(new AccountCache(home).findDirectory('https://ca.example/dir')).rejects.toMatchObject({ code: 'STATE', message: expect.stringContaining('is owned by another user (uid 65534)') });
});

test('a symlink to a folder of our own is fine, and new state folders are made 0700', async () => {
  const real = fresh();
  const home = path.join(fresh(), 'home-link');
  symlinkSync(real, home);
  const store = new LineageStore(home);
  const unlock = await store.lock('demo');
  await unlock();
  for (const folder of [path.join(real, 'lineages'), path.join(real, 'lineages', 'demo')]) expect(statSync(folder).mode & 0o777).toBe(0o700);
  const nested = path.join(fresh(), 'a', 'b');
  await (await new LineageStore(nested).lock('x'))();
  for (const folder of [nested, path.join(nested, 'lineages')]) expect(statSync(folder).mode & 0o777).toBe(0o700);
});

const dir = (mode: number, uid = 1000, gid = 1000) => ({ isDirectory: (): boolean => true, mode: 0o040000 | mode, uid, gid });
const plain = { isSymbolicLink: () => false };
const link = { isSymbolicLink: () => true };
test.each([
  ['ours, 0700', plain, dir(0o700), undefined],
  ['root\'s, 0755', plain, dir(0o755, 0, 0), undefined],
  ['group-writable by our own group', plain, dir(0o770), undefined],
  ['world-writable', plain, dir(0o777), 'can be written by every user (mode 0777)'],
  ['world-writable with the sticky bit (/tmp)', plain, dir(0o1777, 0, 0), 'can be written by every user (mode 1777)'],
  ['group-writable by another group', plain, dir(0o770, 1000, 50), 'can be written by group 50 (mode 0770)'],
  ['another user\'s', plain, dir(0o700, 33, 33), 'is owned by another user (uid 33)'],
  ['a symlink to another user\'s folder', link, dir(0o755, 33, 33), 'is a symlink to a folder owned by another user (uid 33)'],
  ['a symlink to our own folder', link, dir(0o700), undefined],
  ['a symlink another user owns, to our own folder (they chose where it leads)', { ...link, uid: 33 }, dir(0o700), 'is a symlink owned by another user (uid 33)'],
  ['a symlink root owns, to our own folder', { ...link, uid: 0 }, dir(0o700), undefined],
  ['a file', plain, { ...dir(0o600), isDirectory: (): boolean => false }, 'is not a folder'],
] as const)('untrustedFolderReason: %s', (_what, l, target, expected) => {
  expect(untrustedFolderReason(l, target, { uid: 1000, gid: 1000 })).toBe(expected);
});

test('reading every lineage leaves out one whose own folder another user can write, and reads the others', async () => {
  const home = fresh();
  const store = new LineageStore(home);
  for (const name of ['ours', 'theirs']) {
    mkdirSync(store.folder(name), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(store.folder(name), 'lineage.json'), JSON.stringify({ config: { name }, versions: [{ number: 1 }], current: 1 }), { mode: 0o600 });
  }
  chmodSync(store.folder('theirs'), 0o777);
  expect((await store.readIssued()).map((r) => r.config.name)).toEqual(['ours']);
  await expect(store.read('theirs')).rejects.toMatchObject({ code: 'STATE', message: expect.stringContaining('/lineages/theirs: it can be written by every user') });
});
