import { lchown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';

import type { ChallengeTask } from '../../../src/acme/solver.js';
import { BadResponseError, UsageError } from '../../../src/errors.js';
import { createWebrootSolver } from '../../../src/solvers/webroot.js';

const THUMBPRINT = '9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';
const signal = new AbortController().signal;

function task(token: string): ChallengeTask {
  return { type: 'http-01', identifier: { type: 'dns', value: 'example.org' }, token, keyAuthorization: `${token}.${THUMBPRINT}`, wildcard: false };
}

let sandbox: string;
let root: string;
beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'acmecli-webroot-'));
  root = join(sandbox, 'www');
  await mkdir(root);
});
afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;

test('RFC 8555 §8.3: writes the key authorization, no newline, 0644, in folders it creates 0755', async () => {
  const solver = createWebrootSolver({ root });
  await solver.prepare();
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  expect(await solver.begin(a, signal)).toBe('accepted');
  const file = join(root, '.well-known', 'acme-challenge', a.token);
  expect(await readFile(file, 'utf8')).toBe(a.keyAuthorization);
  expect(await mode(file)).toBe(0o644);
  expect(await mode(join(root, '.well-known'))).toBe(0o755);
  expect(await mode(join(root, '.well-known', 'acme-challenge'))).toBe(0o755);
  // Nothing else is left in the folder (the atomic write's temporary file is gone).
  expect(await readdir(join(root, '.well-known', 'acme-challenge'))).toEqual([a.token]);

  await solver.end(a, 'done');
  expect(await readdir(root)).toEqual([]);
});

test('only the folders it created are removed, and only when the last challenge ends', async () => {
  await mkdir(join(root, '.well-known'));
  await writeFile(join(root, '.well-known', 'security.txt'), 'Contact: mailto:a@example.org\n');
  const solver = createWebrootSolver({ root });
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  const b = task('evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA');
  await Promise.all([solver.begin(a, signal), solver.begin(b, signal)]);
  const folder = join(root, '.well-known', 'acme-challenge');
  expect((await readdir(folder)).sort()).toEqual([a.token, b.token].sort());

  await solver.end(a, 'done');
  expect(await readdir(folder)).toEqual([b.token]);
  await solver.end(b, 'failed');
  expect(await readdir(join(root, '.well-known'))).toEqual(['security.txt']);
});

test('an existing acme-challenge folder and the files of others stay', async () => {
  const folder = join(root, '.well-known', 'acme-challenge');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'someone-elses'), 'x');
  const solver = createWebrootSolver({ root });
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  await solver.begin(a, signal);
  await solver.end(a, 'done');
  expect(await readdir(folder)).toEqual(['someone-elses']);
});

test.each(['..', '../../escaped', 'a/b', 'a\\b', '', '.hidden', 'x%2F..', 'tok en'])('token %j is refused and nothing is written', async (token) => {
  const solver = createWebrootSolver({ root });
  await expect(solver.begin(task(token), signal)).rejects.toBeInstanceOf(BadResponseError);
  expect(await readdir(root)).toEqual([]);
  expect((await readdir(sandbox)).sort()).toEqual(['www']);
});

test('prepare: a missing root, or a file, is a one-line UsageError', async () => {
  await expect(createWebrootSolver({ root: join(sandbox, 'nope') }).prepare()).rejects.toThrow(
    new UsageError(`webroot ${join(sandbox, 'nope')} does not exist`),
  );
  await writeFile(join(sandbox, 'file'), '');
  await expect(createWebrootSolver({ root: join(sandbox, 'file') }).prepare()).rejects.toThrow(`webroot ${join(sandbox, 'file')} is not a folder`);
  await writeFile(join(root, '.well-known'), '');
  await expect(createWebrootSolver({ root }).prepare()).rejects.toThrow(`${join(root, '.well-known')} exists and is not a folder`);
});

test('answers http-01 only', () => {
  const solver = createWebrootSolver({ root });
  expect(solver.canAnswer('http-01', task('a').identifier)).toBe(true);
  expect(solver.canAnswer('dns-01', task('a').identifier)).toBe(false);
  expect(solver.canAnswer('tls-alpn-01', task('a').identifier)).toBe(false);
});

// The web server's user (here nobody) may own the webroot; a challenge folder that is a symlink of theirs
// would choose where root's writes and deletes land. Needs root, as acmecli usually runs: lchown to nobody.
const NOBODY = 65534;

test('a challenge folder that is a symlink of another user is refused before any write: nothing lands where it leads', async () => {
  expect(process.getuid?.(), 'these tests run as root, as CI does').toBe(0);
  const elsewhere = join(sandbox, 'elsewhere');
  await mkdir(elsewhere);
  await mkdir(join(root, '.well-known'));
  const link = join(root, '.well-known', 'acme-challenge');
  await symlink(elsewhere, link);
  await lchown(link, NOBODY, NOBODY);
  const solver = createWebrootSolver({ root });
  await expect(solver.prepare()).rejects.toThrow(new UsageError(`refusing webroot folder ${link}: it is a symlink owned by another user (uid ${NOBODY}), who chose where our files go; replace it with a folder or a link of root's`));
  await expect(solver.begin(task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0'), signal)).rejects.toThrow(/refusing webroot folder .* symlink owned by another user/);
  expect(await readdir(elsewhere)).toEqual([]);
});

test('a symlink of another user swapped in after the write: the delete is refused and the file where it leads stays', async () => {
  const solver = createWebrootSolver({ root });
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  await solver.begin(a, signal);
  const folder = join(root, '.well-known', 'acme-challenge');
  const elsewhere = join(sandbox, 'elsewhere');
  await mkdir(elsewhere);
  await writeFile(join(elsewhere, a.token), 'precious');
  await rm(folder, { recursive: true });
  await symlink(elsewhere, folder);
  await lchown(folder, NOBODY, NOBODY);
  await expect(solver.end(a, 'done')).rejects.toThrow(/refusing webroot folder .*acme-challenge: it is a symlink owned by another user/);
  expect(await readFile(join(elsewhere, a.token), 'utf8')).toBe('precious');
});

test("a symlink of root's is the administrator's choice: the challenge is written where it leads, and removed", async () => {
  const shared = join(sandbox, 'shared-challenges');
  await mkdir(shared);
  await mkdir(join(root, '.well-known'));
  await symlink(shared, join(root, '.well-known', 'acme-challenge'));
  const solver = createWebrootSolver({ root });
  await solver.prepare();
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  await solver.begin(a, signal);
  expect(await readFile(join(shared, a.token), 'utf8')).toBe(a.keyAuthorization);
  await solver.end(a, 'done');
  expect(await readdir(shared)).toEqual([]);
});

test('folders it creates are 0755 whatever the umask (set on the folder made, not through its path)', async () => {
  const before = process.umask(0o077);
  try {
    const solver = createWebrootSolver({ root });
    const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
    await solver.begin(a, signal);
    expect(await mode(join(root, '.well-known'))).toBe(0o755);
    expect(await mode(join(root, '.well-known', 'acme-challenge'))).toBe(0o755);
    await solver.end(a, 'done');
  } finally {
    process.umask(before);
  }
});
