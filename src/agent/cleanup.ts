import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ManagerCertificate } from '../manager/types.js';
import { removeInsideFolder } from '../state/inside-folder.js';
import { assertOwnFolders } from '../state/safe-folder.js';
import { certificateId, identityOf } from './config/paths.js';
import type { ClientConfig } from './config/schema.js';

/**
 * manager-contract.md §6.10, made safe: only files inside `certificate_dir` whose name
 * ends in one of the three extensions and whose identity (path minus dir and
 * extension) is neither configured nor on the manager are removed. Without a
 * certificate_dir, nothing is (the Go client would walk the current folder).
 * The walk never enters a symbolic link: a link to a folder elsewhere must not
 * make that folder's files look like ours.
 */
export async function removeOrphanFiles(config: ClientConfig, serverList: readonly ManagerCertificate[]): Promise<string[]> {
  const dir = config.common.certificateDir;
  if (!dir) return [];
  const known = new Set<string>([
    ...config.certificates.map((c) => certificateId(c)),
    ...serverList.map((s) => certificateId(identityOf(s))),
  ]);
  // Longest first: `.ca.crt` must be tried before `.crt`.
  const extensions = [config.common.certificateCaFileExt, config.common.certificateFileExt, config.common.certificateKeyFileExt].sort((a, b) => b.length - a.length);
  const removed: string[] = [];
  // Before the walk: a certificate_dir another user can change is not ours to clean (their files, their links).
  await assertOwnFolders(dir, 'certificate_dir');
  for (const path of await regularFilesUnder(dir)) {
    const ext = extensions.find((e) => path.endsWith(e));
    if (!ext) continue;
    const id = relative(dir, path).slice(0, -ext.length);
    if (known.has(id)) continue;
    // The folder may have changed since it was read: the same check as every other delete, right before it.
    if (await removeInsideFolder(dir, path)) removed.push(path);
  }
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
