// `--cleanup`'s IO (manager-contract.md §6.10, made safe): the certificate files found in
// certificate_dir, and their removal. Which of them go is decided by the one deletion planner
// (deletion-plan.ts), in the cycle, with the cycle's configuration and the manager's list.
import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { removeInsideFolder } from '../state/inside-folder.js';
import { assertOwnFolders } from '../state/safe-folder.js';
import { certificateId, identityOf } from './config/paths.js';
import type { CommonConfig } from './config/schema.js';

/**
 * The files inside `certificate_dir` whose name ends in one of the three extensions, each with every
 * certificate id its path can name (path minus dir and a matching extension: with `.crt` and `.ca.crt`,
 * `le/shop.example.ca.crt` names `le/shop.example.ca` or `le/shop.example`). Without a certificate_dir, none
 * (the Go client would walk the current folder). The walk never enters a symbolic link: a link to a
 * folder elsewhere must not make that folder's files look like ours.
 */
export async function certificateFilesIn(common: CommonConfig): Promise<{ ids: string[]; path: string }[]> {
  const dir = common.certificateDir;
  if (!dir) return [];
  const extensions = [common.certificateCaFileExt, common.certificateFileExt, common.certificateKeyFileExt];
  // Before the walk: a certificate_dir another user can change is not ours to clean (their files, their links).
  await assertOwnFolders(dir, 'certificate_dir');
  const found: { ids: string[]; path: string }[] = [];
  for (const path of await regularFilesUnder(dir)) {
    const name = relative(dir, path);
    const ids = [...new Set(extensions.filter((e) => name.endsWith(e) && name.length > e.length).map((e) => name.slice(0, -e.length)))];
    if (ids.length > 0) found.push({ ids, path });
  }
  return found;
}

/**
 * The certificate id of every entry of the manager's list that names one, refused entries too
 * (not deployed, but not ours to delete either).
 */
export function idsInList(list: readonly unknown[]): Set<string> {
  const ids = new Set<string>();
  for (const entry of list) {
    if (entry === null || typeof entry !== 'object') continue;
    const { name, issuer, domain } = entry as Record<string, unknown>;
    if (typeof issuer !== 'string' || typeof domain !== 'string') continue;
    ids.add(certificateId(identityOf({ name: typeof name === 'string' ? name : undefined, issuer, domain })));
  }
  return ids;
}

/** Removes the planned files; the folder may have changed since it was read: the same check as every other delete, right before it. */
export async function removeOrphanFiles(dir: string, paths: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const path of paths) if (await removeInsideFolder(dir, path)) removed.push(path);
  return removed;
}

/** Regular files below `folder`, found without following any symbolic link (to a file or a folder). */
async function regularFilesUnder(folder: string): Promise<string[]> {
  const root = await lstat(folder).catch(() => undefined);
  if (!root?.isDirectory()) return [];
  const files: string[] = [];
  const pending = [folder];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) files.push(path);
    }
  }
  return files;
}
