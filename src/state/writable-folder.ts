import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IoError } from '../errors.js';
import { describeFsError } from './atomic-write.js';
import { assertOwnFolders } from './safe-folder.js';

/**
 * Why acmecli could not write files into `path` (created if missing), or undefined
 * when it could. Asked before an order is placed, so a read-only --out or state
 * folder costs one clear line instead of a certificate issued and then lost. The
 * folder itself, or the nearest one that exists on the way to it, must be a folder
 * we may write to.
 */
export async function unwritableFolderReason(path: string): Promise<string | undefined> {
  for (let folder = path; ; folder = dirname(folder)) {
    try {
      const st = await stat(folder);
      if (!st.isDirectory()) return folder === path ? 'it is not a folder' : `${folder} is not a folder`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(folder) !== folder) continue;
      return describeFsError(err);
    }
    try {
      await access(folder, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (err) {
      const reason = describeFsError(err);
      return folder === path ? reason : `${reason} in ${folder}, where it would be created`;
    }
  }
}

/**
 * Throws IO, in one line, when certificates cannot be written to the `--out` folder `outDir`:
 * another user controls it (assertOwnFolders), or we cannot write it.
 */
export async function assertOutputFolderWritable(outDir: string): Promise<void> {
  await assertOwnFolders(outDir, 'the --out folder');
  const problem = await unwritableFolderReason(outDir);
  if (problem) throw new IoError(`cannot write to the --out folder ${outDir}: ${problem}`);
}
