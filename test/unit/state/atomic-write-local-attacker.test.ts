import { chmodSync, chownSync, mkdirSync, promises, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { writeFileAtomic, writeFilesTogether } from '../../../src/state/atomic-write.js';
import { tempDir } from '../../support/cert-fixtures.js';
import { asNobodySync, NOBODY } from '../../support/local-attacker.js';

// Red-team F1: acmecli (root) wrote a temporary file, closed it, then chmod/chown'ed it
// by path. nobody, able to rename files in the folder, swapped the temporary name for a
// symlink to a root 0600 file in between, and root chmod'ed that file 0644. Here the
// swap is made deterministic: nobody does it at the moment acmecli closes the temporary
// file (the window the red team hit with inotify). Whatever happens after the close must
// not touch the file the symlink points at.

let restore: (() => void) | undefined;
afterEach(() => restore?.());

/** Makes nobody replace each temporary file in `folder` by a symlink to `victim`, as acmecli closes it. */
function swapTemporaryFilesOnClose(folder: string, victim: string): string[] {
  const swapped: string[] = [];
  const open = promises.open;
  // FileHandle.close is each handle's own property: wrap open() to reach it (node:fs/promises' named exports follow).
  promises.open = async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    const close = handle.close.bind(handle);
    handle.close = async () => {
      const name = handle.fd >= 0 ? readlinkSync(`/proc/self/fd/${handle.fd}`) : '';
      if (path.dirname(name) === folder && name.endsWith('.tmp')) {
        asNobodySync('mv "$1" "$1.stolen" && ln -s "$2" "$1"', name, victim);
        swapped.push(name);
      }
      return close();
    };
    return handle;
  };
  syncBuiltinESMExports();
  restore = () => {
    promises.open = open;
    syncBuiltinESMExports();
  };
  return swapped;
}

function setting(): { folder: string; victim: string } {
  const root = tempDir('f1');
  chmodSync(root, 0o755);
  const folder = path.join(root, 'shared');
  mkdirSync(folder, { mode: 0o755 });
  chownSync(folder, NOBODY, NOBODY); // e.g. a node_exporter textfile folder owned by its own user
  const secrets = path.join(root, 'secrets');
  mkdirSync(secrets, { mode: 0o700 });
  const victim = path.join(secrets, 'root.key');
  writeFileSync(victim, 'secret\n', { mode: 0o600 });
  return { folder, victim };
}

test('writeFileAtomic sets the mode on the open file: a temporary name swapped for a symlink after the close changes nothing it points at', async () => {
  const { folder, victim } = setting();
  const swapped = swapTemporaryFilesOnClose(folder, victim);
  await writeFileAtomic(path.join(folder, 'acmecli.prom'), 'metrics\n', { mode: 0o644 });
  expect(swapped).toHaveLength(1); // the attack did run
  expect(statSync(victim).mode & 0o7777).toBe(0o600);
  expect(statSync(victim).uid).toBe(0);
});

test('writeFilesTogether sets mode and inherited owner on the open files, never by path', async () => {
  const { folder, victim } = setting();
  // An existing certificate root keeps as 0640 root:nobody-group: the new file inherits that owner (a chown).
  const cert = path.join(folder, 'a.example.crt');
  writeFileSync(cert, 'old\n', { mode: 0o640 });
  chownSync(cert, 0, NOBODY);
  const swapped = swapTemporaryFilesOnClose(folder, victim);
  await writeFilesTogether([
    { path: path.join(folder, 'a.example.key'), data: 'key\n', mode: 0o644 },
    { path: cert, data: 'new\n', mode: 0o644 },
  ]);
  expect(swapped).toHaveLength(2);
  const after = statSync(victim);
  expect({ mode: after.mode & 0o7777, uid: after.uid, gid: after.gid }).toEqual({ mode: 0o600, uid: 0, gid: 0 });
});
