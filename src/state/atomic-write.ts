import { randomBytes } from 'node:crypto';
import { chmod, chown, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
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
 * a mix: a temporary file in the same folder, fsync, rename. Throws IoError.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true, mode: options.dirMode ?? 0o755 });
  } catch (err) {
    throw new IoError(`cannot create folder ${folder}: ${describeFsError(err)}`, { cause: err });
  }
  let existingMode: number | undefined;
  try {
    const st = await stat(path);
    if (options.exclusive) throw new IoError(`${path} already exists (use --force to replace it)`);
    existingMode = st.mode & 0o7777;
  } catch (err) {
    if (err instanceof IoError) throw err;
  }
  const mode = options.forceMode || existingMode === undefined ? (options.mode ?? 0o644) : existingMode;
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, mode); // the umask may have narrowed or widened nothing, but be exact
    if (options.exclusive) {
      // link() fails if the name exists, so two runs racing for one new file cannot both "win".
      await link(temporary, path);
      await rm(temporary, { force: true });
    } else {
      await rename(temporary, path);
    }
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => undefined);
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
  const staged: { temporary: string; path: string }[] = [];
  try {
    for (const file of files) {
      const folder = dirname(file.path);
      await mkdir(folder, { recursive: true, mode: dirMode });
      let mode = file.mode;
      let owner: { uid: number; gid: number } | undefined;
      try {
        const existing = await stat(file.path);
        if (!file.forceMode) mode = existing.mode & 0o7777;
        owner = { uid: existing.uid, gid: existing.gid };
      } catch {
        // new file: the mode asked for, and our own owner
      }
      const temporary = join(folder, `.${basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await open(temporary, 'wx', mode);
      staged.push({ temporary, path: file.path });
      try {
        await handle.writeFile(file.data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temporary, mode);
      // A replaced file keeps its owner (a key readable by the web server's group stays so); only root can, and only root needs to.
      if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) await chown(temporary, owner.uid, owner.gid).catch(() => undefined);
    }
    for (const { temporary, path } of staged) await rename(temporary, path);
  } catch (err) {
    await Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true }).catch(() => undefined)));
    const failed = files[staged.length]?.path ?? files[0]?.path ?? '';
    throw new IoError(`cannot write ${failed}: ${describeFsError(err)}`, { cause: err });
  }
}
