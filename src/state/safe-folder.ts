import { lstatSync, statSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { IoError, StateError } from '../errors.js';
import { describeFsError } from './atomic-write.js';

/**
 * Why a state folder cannot be trusted, or undefined when it can. acmecli (often
 * root) reads lineage.json, which says where keys are written, and writes keys
 * under these folders: a folder another user can write, or a symlink to another
 * user's folder, would hand that user both. Root and our own user are trusted;
 * a symlink of theirs to a folder of theirs is fine (/var/lib/acmecli -> /srv/acmecli),
 * a symlink another user owns is not (they chose where it leads).
 *
 * The same rule holds for every folder acmecli writes certificates and keys into
 * or deletes them from (--out, the agent's certificate_dir): see assertOwnFolders.
 */
export function untrustedFolderReason(link: Pick<Stats, 'isSymbolicLink'> & { uid?: number }, target: Pick<Stats, 'isDirectory' | 'mode' | 'uid' | 'gid'>, own: { uid: number; gid: number }): string | undefined {
  const trustedUser = (uid: number) => isTrustedUser(uid, own);
  const mode = (target.mode & 0o7777).toString(8).padStart(4, '0');
  if (link.isSymbolicLink() && link.uid !== undefined && !trustedUser(link.uid)) return `is a symlink owned by another user (uid ${link.uid})`;
  if (link.isSymbolicLink() && !trustedUser(target.uid)) return `is a symlink to a folder owned by another user (uid ${target.uid})`;
  if (!target.isDirectory()) return 'is not a folder';
  if (!trustedUser(target.uid)) return `is owned by another user (uid ${target.uid})`;
  if (target.mode & 0o002) return `can be written by every user (mode ${mode})`;
  if (target.mode & 0o020 && target.gid !== 0 && target.gid !== own.gid) return `can be written by group ${target.gid} (mode ${mode})`;
  return undefined;
}

/** Root and the user acmecli runs as: the only owners whose folders and symlinks acmecli follows. */
export function isTrustedUser(uid: number, own: { uid: number } = ownIds()): boolean {
  return uid === 0 || uid === own.uid;
}

/** Throws STATE naming `path` when it exists and is not a folder only root and we control. */
export async function assertStateFolder(path: string): Promise<void> {
  let link: Stats;
  try {
    link = lstatSync(path); // synchronous: one cheap syscall, done for each lineage of `cert renew --all`
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // made 0700 when first needed
    throw new StateError(`cannot use state folder ${path}: ${describeFsError(err)}`, { cause: err });
  }
  let target = link;
  if (link.isSymbolicLink()) {
    try {
      target = statSync(path);
    } catch (err) {
      throw new StateError(`state folder ${path} is a symlink that leads nowhere usable (${describeFsError(err)})`, { cause: err });
    }
  }
  const reason = untrustedFolderReason(link, target, { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 });
  if (reason) throw new StateError(`refusing state folder ${path}: it ${reason}; make it yours and chmod 700 it, or set ACMECLI_HOME`);
}

/**
 * Checks `home` and each folder below it on the way to `relative` (e.g. "lineages/x/versions").
 * `verified` lets one command skip folders it has already checked: `cert renew --all` over
 * 10,000 lineages checks the state home and `lineages/` once, not 10,000 times.
 */
export async function assertStateFolders(home: string, relative: string, verified?: Set<string>): Promise<void> {
  let path = home;
  for (const part of ['', ...relative.split('/').filter(Boolean)]) {
    path = part ? join(path, part) : path;
    if (verified?.has(path)) continue;
    await assertStateFolder(path);
    verified?.add(path);
  }
}

function ownIds(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
}

/** Why the folder at `path` cannot be trusted (untrustedFolderReason), or undefined when it can or does not exist yet. */
async function untrustedPathReason(path: string): Promise<string | undefined> {
  let link: Stats;
  try {
    link = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // made by us when first needed
    return `cannot be checked (${describeFsError(err)})`;
  }
  let target = link;
  if (link.isSymbolicLink()) {
    try {
      target = await stat(path);
    } catch (err) {
      return `is a symbolic link that points nowhere usable (${describeFsError(err)})`;
    }
  }
  return untrustedFolderReason(link, target, ownIds());
}

/**
 * Throws IO, in one line naming the folder and the fix, unless `folder` and each
 * folder below it on the way to `file` (when given) is one only root and we
 * control (untrustedFolderReason). Folders that do not exist yet pass: we make
 * them. `what` names the folder for the reader: "the --out folder", "certificate_dir".
 *
 * Another user who can write such a folder can rename files in it while we work:
 * swap a folder for a symlink between a check and a delete, or a file we are
 * about to read for a link to a root file. With this rule nobody but root and
 * us can change what a path under the folder leads to.
 */
export async function assertOwnFolders(folder: string, what: string, file?: string): Promise<void> {
  const root = resolve(folder);
  const below = file === undefined ? [] : relative(root, resolve(root, file)).split(sep).slice(0, -1);
  let path = root;
  for (const part of ['', ...below]) {
    if (part === '..') break; // outside the folder: checkInsideFolder refuses it
    path = part ? join(path, part) : path;
    const reason = await untrustedPathReason(path);
    if (reason) {
      const folderNamed = path === root ? `${what} ${root}` : `${path} (in ${what} ${root})`;
      throw new IoError(`refusing ${folderNamed}: it ${reason}; make it a folder owned by root or by the user acmecli runs as, that other users cannot write (chown root: ${path}; chmod go-w ${path})`);
    }
  }
}
