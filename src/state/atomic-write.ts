import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { IoError } from '../errors.js';

export interface AtomicWriteOptions {
  /** File mode for a new file; an existing file keeps its own mode unless `forceMode` is set. */
  mode?: number;
  /** Apply `mode` even when the file already exists (private keys: always 0600). */
  forceMode?: boolean;
  /** Mode of folders created on the way (0700 for key folders). */
  dirMode?: number;
  /** Refuse to replace an existing file. */
  exclusive?: boolean;
}

/**
 * Writes `data` to `path` so that a reader sees the old content or the new, never
 * a mix: a temporary file in the same folder, fsync, rename (link for `exclusive`,
 * which fails if the name was taken meanwhile). Throws IoError.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true, mode: options.dirMode ?? 0o755 });
  } catch (err) {
    throw new IoError(`cannot create folder ${folder}: ${describeFsError(err)}`, { cause: err });
  }
  if (options.exclusive && (await stat(path).then(() => true, () => false))) throw new IoError(`${path} already exists (use --force to replace it)`);
  let temporary: string | undefined;
  try {
    temporary = await stageFile({ path, data, mode: options.mode ?? 0o644, ...(options.forceMode ? { forceMode: true } : {}) });
    if (options.exclusive) {
      // link() fails if the name exists, so two runs racing for one new file cannot both "win".
      await link(temporary, path);
      await rm(temporary, { force: true });
    } else {
      await rename(temporary, path);
    }
  } catch (err) {
    if (temporary) await rm(temporary, { force: true }).catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new IoError(`${path} already exists (use --force to replace it)`, { cause: err });
    throw new IoError(`cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  }
}

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT': return 'no such file or folder';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOSPC': return 'no space left on the device';
    case 'EISDIR': return 'is a folder';
    case 'ENOTDIR': return 'a part of the path is not a folder';
    case 'EROFS': return 'read-only file system';
    default: return e?.message ?? String(err);
  }
}

export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
  mode: number;
  /** Apply `mode` even to an existing file (keys: always 0600). */
  forceMode?: boolean;
}

/**
 * Writes several files so they change as close to together as the filesystem
 * allows: every temporary file is written and fsynced first, then all are
 * renamed in a row. A key and its certificate are never a minute apart; the
 * window left is a few renames, and the lineage repairs even that on the next run.
 */
export async function writeFilesTogether(files: readonly FileToWrite[], dirMode = 0o755): Promise<void> {
  // Staged side by side: each fsync waits on the disk, and one after the other they added up to most
  // of what a certificate's files cost (bench/RESULTS.md).
  const staging = await Promise.allSettled(files.map(async (file) => {
    await mkdir(dirname(file.path), { recursive: true, mode: dirMode });
    return { temporary: await stageFile(file), path: file.path };
  }));
  const staged = staging.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  let current = files[0]?.path ?? '';
  try {
    const failed = staging.findIndex((s) => s.status === 'rejected');
    if (failed >= 0) {
      current = files[failed]!.path;
      throw (staging[failed] as PromiseRejectedResult).reason;
    }
    for (const { temporary, path } of staged) {
      current = path;
      await rename(temporary, path);
    }
  } catch (err) {
    await Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true }).catch(() => undefined)));
    throw new IoError(`cannot write ${current}: ${describeFsError(err)}`, { cause: err });
  }
}

/**
 * What an existing file at a path we are about to replace may pass on to the new
 * file. The operator's mode and owner (a key made 0640 root:ssl-cert for a web
 * server) are kept only when the file is a regular file (a symlink planted at the
 * name is replaced, never followed), owned by root or by us, and grants nothing to
 * the world. Anything else was not set by someone we trust, or exposes a key: the
 * new file gets the mode asked for and our own owner. `forceMode` (private keys in
 * our own folders) always takes the mode asked for. The one rule for every writer.
 */
export function inheritedModeAndOwner(existing: Pick<Stats, 'mode' | 'uid' | 'gid'> & { isFile(): boolean } | undefined, asked: { mode: number; forceMode?: boolean }, ownUid: number | undefined): { mode: number; owner?: { uid: number; gid: number } } {
  const trusted = existing !== undefined && existing.isFile() && (existing.uid === 0 || existing.uid === ownUid) && (existing.mode & 0o007) === 0;
  if (!trusted) return { mode: asked.mode };
  return { mode: asked.forceMode ? asked.mode : existing.mode & 0o777, owner: { uid: existing.uid, gid: existing.gid } };
}

/**
 * Writes `file` to a temporary name beside it, fsynced, with its final mode and
 * owner (see inheritedModeAndOwner). Returns the temporary path.
 *
 * The temporary file is created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW: a name
 * or symlink already there fails the open) and its mode and owner are set on the
 * open descriptor (fchmod, fchown), never by path: whoever can rename files in
 * the folder may swap the temporary name for a symlink once we close it, and a
 * chmod by path would then change whatever the symlink points at (a root 0600 key).
 */
async function stageFile(file: FileToWrite): Promise<string> {
  const existing = await lstat(file.path).catch(() => undefined); // lstat: a symlink is not the file it points at
  const { mode, owner } = inheritedModeAndOwner(existing, file, process.getuid?.());
  const temporary = join(dirname(file.path), `.${basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await handle.writeFile(file.data);
    await handle.chmod(mode); // open() applied the umask; the mode is exactly what was asked
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) await handle.chown(owner.uid, owner.gid).catch(() => undefined);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw err;
  }
  await handle.close();
  return temporary;
}
