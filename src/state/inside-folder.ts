import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { IoError } from '../errors.js';

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
 * The check and the write are two steps; someone who can change the folder
 * between them can already write there, which this does not defend against.
 *
 * @returns the absolute path.
 * @throws IoError (code `IO`) naming the path and why it was refused.
 */
export async function checkInsideFolder(folder: string, path: string): Promise<string> {
  const root = resolve(folder);
  const target = resolve(root, path);
  const rel = relative(root, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new IoError(`refused ${JSON.stringify(path)}: it is not inside ${root}`);
  }
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
