import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFilesTogether, type FileToWrite } from '../state/atomic-write.js';
import { checkInsideFolder, removeInsideFolder } from '../state/inside-folder.js';

export interface DeployPaths {
  cert: string;
  key: string;
  ca: string;
}

export interface DeployModes {
  dirMode: number;
  fileMode: number;
  keyFileMode: number;
}

export interface LocalFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

/** manager-contract.md §3.3: the fingerprint is the hex SHA-256 of the exact PEM text. */
export function fingerprintOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The deployed files as they are. Each path is checked (checkInsideFolder) before
 * it is read: a symlink planted at NAME.crt that leads out of `folder` is refused,
 * never read through (its content would decide a re-issue).
 */
export async function readLocalFiles(folder: string, paths: DeployPaths): Promise<LocalFiles> {
  for (const path of [paths.cert, paths.key, paths.ca]) await checkInsideFolder(folder, path);
  const read = (path: string) => readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  const [cert, key, ca] = await Promise.all([read(paths.cert), read(paths.key), read(paths.ca)]);
  return { ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}), ...(ca !== undefined ? { ca } : {}) };
}

/**
 * What an in-sync cycle compares instead of reading a certificate's files: a hash of `facts`
 * (what the manager says the files should hold) and of each file's identity as lstat sees it
 * now (device, inode, size, modification and change times; an absent file counts as absent).
 * Every writer replaces a file by rename (a new inode) and any edit moves its times, so an
 * unchanged stamp means unchanged files, found with three stats and no read.
 *
 * Undefined, so the caller reads and checks everything, when a file is a symbolic link or not
 * a plain file, or cannot be looked at. The folders on the way are checked once per cycle
 * (checkInsideFolder, remembered in `checkedFolders`), so no lstat here goes through a link
 * planted to lead out of `folder`.
 */
export async function deployedStamp(folder: string, paths: DeployPaths, checkedFolders: Set<string>, facts: string): Promise<string | undefined> {
  const hash = createHash('sha256').update(facts);
  for (const path of [paths.cert, paths.key, paths.ca]) {
    const parent = dirname(resolve(path));
    if (!checkedFolders.has(parent)) {
      // The path as the reads use it must be the path checked: otherwise never take the short way.
      if ((await checkInsideFolder(folder, path)) !== resolve(path)) return undefined;
      checkedFolders.add(parent);
    }
    let stat;
    try {
      stat = lstatSync(path, { bigint: true, throwIfNoEntry: false });
    } catch {
      return undefined;
    }
    if (stat === undefined) hash.update('|-');
    else if (!stat.isFile()) return undefined;
    else hash.update(`|${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`);
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Writes what changed, all together (temporary files fsynced, then renamed in a
 * row, key first), so a reader never pairs a new certificate with an old key.
 * Existing files keep their mode and owner when inheritedModeAndOwner trusts them;
 * new ones (and untrusted ones) get the configured modes.
 * Every path must lie inside `folder` (checkInsideFolder): nothing is written
 * when one does not. Returns the paths written.
 */
export async function deployFiles(folder: string, paths: DeployPaths, files: LocalFiles, modes: DeployModes): Promise<string[]> {
  const list: FileToWrite[] = [];
  if (files.key !== undefined) list.push({ path: paths.key, data: files.key, mode: modes.keyFileMode });
  if (files.cert !== undefined) list.push({ path: paths.cert, data: files.cert, mode: modes.fileMode });
  if (files.ca !== undefined) list.push({ path: paths.ca, data: files.ca, mode: modes.fileMode });
  if (list.length === 0) return [];
  for (const file of list) await checkInsideFolder(folder, file.path);
  await writeFilesTogether(list, modes.dirMode);
  return list.map((f) => f.path);
}

/** Removes a certificate's files; each must lie inside `folder` (checkInsideFolder), checked before any is removed. */
export async function removeFiles(folder: string, paths: DeployPaths): Promise<string[]> {
  const removed: string[] = [];
  for (const path of [paths.key, paths.cert, paths.ca]) await checkInsideFolder(folder, path);
  for (const path of [paths.key, paths.cert, paths.ca]) {
    if (await removeInsideFolder(folder, path)) removed.push(path);
  }
  return removed;
}
