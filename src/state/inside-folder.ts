import { lstat, realpath, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { IoError } from '../errors.js';
import { assertOwnFolders } from './safe-folder.js';

/**
 * The one check before the agent (and `manager request`) writes or deletes a
 * file: `path` must lie inside `folder`, and no part of it below `folder` may be
 * a symbolic link that leads out of the folder. A name the manager chose
 * (`../../victim/important`) or a link someone planted inside the folder
 * (`certs/pebble -> /etc`) is refused before anything is touched.
 *
 * Links that stay inside the folder are allowed (the folder itself may be a
 * link: that was the operator's choice). Parts that do not exist yet are fine:
 * they will be created inside the folder. A link that points nowhere is refused,
 * since what it would become is not known.
 *
 * The folder and every folder below it on the way to `path` must be one only
 * root and we control (assertOwnFolders; `what` names it in the refusal): the
 * check and the write or delete are two steps, and nobody else may be able to
 * swap a folder for a symlink between them.
 *
 * @returns the absolute path.
 * @throws IoError (code `IO`) naming the path and why it was refused.
 */
export async function checkInsideFolder(folder: string, path: string, what = 'certificate_dir'): Promise<string> {
  const root = resolve(folder);
  const target = resolve(root, path);
  const rel = relative(root, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new IoError(`refused ${JSON.stringify(path)}: it is not inside ${root}`);
  }
  await assertOwnFolders(root, what, target);
  const rootReal = await realpath(root).catch(() => undefined);
  // The folder does not exist yet: nothing inside it does either, and it will be made as a folder.
  if (rootReal === undefined) return target;
  let current = root;
  for (const part of rel.split(sep)) {
    current = join(current, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(current)).isSymbolicLink();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return target;
      throw new IoError(`cannot check ${current}: ${(err as Error).message}`, { cause: err });
    }
    if (!isLink) continue;
    const real = await realpath(current).catch(() => undefined);
    if (real === undefined) throw new IoError(`refused ${target}: ${current} is a symbolic link that points nowhere`);
    const fromRoot = relative(rootReal, real);
    if (fromRoot === '..' || fromRoot.startsWith(`..${sep}`) || isAbsolute(fromRoot)) {
      throw new IoError(`refused ${target}: ${current} is a symbolic link to ${real}, outside ${root}`);
    }
  }
  return target;
}

/**
 * Deletes `path` inside `folder`: checkInsideFolder, then, right before the
 * unlink, every folder from `folder` down to the file is looked at again without
 * following links (lstat): one that is a symlink now, even to a place inside,
 * is refused, so the delete itself never goes through a link. Unlink removes a
 * symlink at the file's own name, never what it points at.
 *
 * @returns false when the file was not there.
 * @throws IoError naming the file and why it was refused.
 */
export async function removeInsideFolder(folder: string, path: string, what = 'certificate_dir'): Promise<boolean> {
  const target = await checkInsideFolder(folder, path, what);
  const root = resolve(folder);
  let current = root;
  for (const part of relative(root, target).split(sep).slice(0, -1)) {
    current = join(current, part);
    const st = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new IoError(`cannot check ${current}: ${err.message}`, { cause: err });
    });
    if (st === undefined) return false;
    if (!st.isDirectory()) throw new IoError(`refused to delete ${target}: ${current} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}`);
  }
  try {
    await unlink(target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
