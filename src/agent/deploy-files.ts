import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
