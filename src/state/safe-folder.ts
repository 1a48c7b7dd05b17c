import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { StateError } from '../errors.js';
import { describeFsError } from './atomic-write.js';

/**
 * Why a state folder cannot be trusted, or undefined when it can. acmecli (often
 * root) reads lineage.json, which says where keys are written, and writes keys
 * under these folders: a folder another user can write, or a symlink to another
 * user's folder, would hand that user both. Root and our own user are trusted;
 * a symlink to a folder of theirs is fine (/var/lib/acmecli -> /srv/acmecli).
 */
export function untrustedFolderReason(link: Pick<Stats, 'isSymbolicLink'>, target: Pick<Stats, 'isDirectory' | 'mode' | 'uid' | 'gid'>, own: { uid: number; gid: number }): string | undefined {
  const trustedUser = (uid: number) => uid === 0 || uid === own.uid;
  const mode = (target.mode & 0o7777).toString(8).padStart(4, '0');
  if (link.isSymbolicLink() && !trustedUser(target.uid)) return `is a symlink to a folder owned by another user (uid ${target.uid})`;
  if (!target.isDirectory()) return 'is not a folder';
  if (!trustedUser(target.uid)) return `is owned by another user (uid ${target.uid})`;
  if (target.mode & 0o002) return `can be written by every user (mode ${mode})`;
  if (target.mode & 0o020 && target.gid !== 0 && target.gid !== own.gid) return `can be written by group ${target.gid} (mode ${mode})`;
  return undefined;
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
