import { chownSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { IoError } from '../../../src/errors.js';
import { checkInsideFolder, removeInsideFolder } from '../../../src/state/inside-folder.js';
import { tempDir } from '../../support/cert-fixtures.js';

function layout() {
  const dir = tempDir('inside-folder');
  const root = path.join(dir, 'certs');
  const outside = path.join(dir, 'outside');
  mkdirSync(path.join(root, 'pebble'), { recursive: true });
  mkdirSync(outside);
  symlinkSync(outside, path.join(root, 'out'));
  symlinkSync(path.join(root, 'pebble'), path.join(root, 'alias'));
  symlinkSync(path.join(dir, 'nowhere'), path.join(root, 'dangling'));
  writeFileSync(path.join(outside, 'x.crt'), 'x');
  symlinkSync(path.join(outside, 'x.crt'), path.join(root, 'pebble', 'link.crt'));
  return { dir, root };
}

test.each([
  ['a file directly inside', 'a.crt'],
  ['a file in a folder inside', 'pebble/a.example.crt'],
  ['a path whose folders do not exist yet', 'new/deeper/a.crt'],
  ['a link that stays inside the folder', 'alias/a.crt'],
  ['a name that only looks like "..": "..a"', '..a.crt'],
])('allowed: %s', async (_what, rel) => {
  const { root } = layout();
  await expect(checkInsideFolder(`${root}/`, `${root}/${rel}`)).resolves.toBe(path.join(root, rel));
});

test.each([
  ['"../" out of the folder', '../../victim/important.crt', /is not inside/],
  ['the folder itself', '.', /is not inside/],
  ['a folder link to outside', 'out/a.crt', /out is a symbolic link to .*outside, outside/],
  ['a file link to outside', 'pebble/link.crt', /link\.crt is a symbolic link to .*x\.crt, outside/],
  ['a link that points nowhere', 'dangling/a.crt', /points nowhere/],
])('refused: %s', async (_what, rel, message) => {
  const { root } = layout();
  const refusal = checkInsideFolder(`${root}/`, `${root}/${rel}`);
  await expect(refusal).rejects.toBeInstanceOf(IoError);
  await expect(refusal).rejects.toThrow(message);
});

test('a folder that does not exist yet: a path inside it is fine, one outside is not', async () => {
  const root = path.join(tempDir('inside-folder'), 'not-yet');
  await expect(checkInsideFolder(root, path.join(root, 'a/b.crt'))).resolves.toBe(path.join(root, 'a/b.crt'));
  await expect(checkInsideFolder(root, path.join(root, '../b.crt'))).rejects.toThrow(/is not inside/);
});

// Red-team F2: the cleanup checked a path, then deleted it by path; nobody swapped a folder on the way for a
// symlink in between. The delete itself now looks at every folder on the way (lstat) right before unlinking.
test('removeInsideFolder never deletes through a folder link, even one that stays inside', async () => {
  const { root } = layout();
  writeFileSync(path.join(root, 'pebble', 'a.crt'), 'a');
  await expect(removeInsideFolder(`${root}/`, `${root}/alias/a.crt`)).rejects.toThrow(`refused to delete ${root}/alias/a.crt: ${root}/alias is a symbolic link`);
  expect(existsSync(path.join(root, 'pebble', 'a.crt'))).toBe(true);
  await expect(removeInsideFolder(`${root}/`, `${root}/out/x.crt`)).rejects.toBeInstanceOf(IoError);
  // A link at the file's own name is removed itself, never what it points at.
  await expect(removeInsideFolder(`${root}/`, `${root}/pebble/link.crt`)).rejects.toThrow(/outside/);
  await expect(removeInsideFolder(`${root}/`, `${root}/pebble/a.crt`)).resolves.toBe(true);
  await expect(removeInsideFolder(`${root}/`, `${root}/pebble/a.crt`)).resolves.toBe(false);
});

test('a folder on the way that another user owns is refused, naming it and the fix', async () => {
  const { root } = layout();
  chownSync(path.join(root, 'pebble'), 65534, 65534);
  await expect(checkInsideFolder(`${root}/`, `${root}/pebble/a.crt`)).rejects.toThrow(`refusing ${root}/pebble (in certificate_dir ${root}): it is owned by another user (uid 65534); make it a folder owned by root or by the user acmecli runs as, that other users cannot write (chown root: ${root}/pebble; chmod go-w ${root}/pebble)`);
});
