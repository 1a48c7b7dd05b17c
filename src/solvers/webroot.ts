import { constants } from 'node:fs';
import { access, lstat, mkdir, open, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import { IoError, UsageError } from '../errors.js';
import { describeFsError, writeFileAtomic } from '../state/atomic-write.js';
import { badToken, isChallengeToken } from './challenge-token.js';
import { isTrustedUser } from '../state/safe-folder.js';

export interface WebrootOptions {
  /** The folder a web server serves as `/` for the names being validated. */
  root: string;
}

export interface WebrootSolver extends ChallengeSolver {
  prepare(): Promise<void>;
}

const FOLDERS = ['.well-known', 'acme-challenge'] as const;

/**
 * http-01 (RFC 8555 §8.3) through a running web server: writes the key
 * authorization to `<root>/.well-known/acme-challenge/<token>` (mode 0644, no
 * newline, atomically) and removes it at end, with any folder it had to create
 * (0755) once no challenge needs it.
 *
 * prepare() throws UsageError when the root is missing, not a folder or not
 * writable; begin and end throw IoError when a file cannot be written or removed,
 * and BadResponseError for a token that is not base64url.
 *
 * The web server's user often owns the webroot. A `.well-known` or `acme-challenge`
 * that is a symlink of that user's would lead our writes and deletes (often as root)
 * wherever they chose: such a link is refused before every write and every delete.
 * A symlink of root's or ours is the administrator's choice and is followed.
 */
export function createWebrootSolver(options: WebrootOptions): WebrootSolver {
  const root = resolve(options.root);
  const challengeFolder = join(root, ...FOLDERS);
  // Folders this solver made, outermost first; removed when the last task ends.
  let created: string[] = [];
  let active = 0;
  // One operation at a time, so a cleanup never races a begin for the folders.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(operation);
    queue = result.catch(() => undefined);
    return result;
  };

  /** Throws `make` naming the first challenge folder that is a symlink another user owns. */
  const refuseForeignLinks = async (make: (message: string) => Error): Promise<void> => {
    let folder = root;
    for (const name of FOLDERS) {
      folder = join(folder, name);
      let link;
      try {
        link = await lstat(folder);
      } catch {
        return; // not there (yet): made by us, 0755
      }
      if (link.isSymbolicLink() && !isTrustedUser(link.uid)) {
        throw make(`refusing webroot folder ${folder}: it is a symlink owned by another user (uid ${link.uid}), who chose where our files go; replace it with a folder or a link of root's`);
      }
    }
  };
  const usage = (message: string) => new UsageError(message);
  const io = (message: string) => new IoError(message);

  const prepare = async (): Promise<void> => {
    let isFolder: boolean;
    try {
      isFolder = (await stat(root)).isDirectory();
    } catch (err) {
      throw new UsageError(`webroot ${root} ${describeMissing(err)}`, { cause: err });
    }
    if (!isFolder) throw new UsageError(`webroot ${root} is not a folder`);
    // The deepest folder that already exists is the one that gets written in.
    let folder = root;
    for (const name of FOLDERS) {
      const next = join(folder, name);
      try {
        if (!(await stat(next)).isDirectory()) throw new UsageError(`${next} exists and is not a folder`);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        break;
      }
      folder = next;
    }
    await refuseForeignLinks(usage);
    try {
      await access(folder, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new UsageError(`webroot folder ${folder} is not writable`, { cause: err });
    }
  };

  const makeFolders = async (): Promise<void> => {
    let folder = root;
    for (const name of FOLDERS) {
      folder = join(folder, name);
      try {
        await mkdir(folder, { mode: 0o755 });
        created.push(folder);
        // Exact, whatever the umask, and set on the folder we made: by path, a symlink the web server's
        // user swapped in after the mkdir would have root chmod a folder of their choice.
        const made = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        try {
          await made.chmod(0o755);
        } finally {
          await made.close();
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new IoError(`cannot create folder ${folder}: ${describeFsError(err)}`, { cause: err });
        }
      }
    }
  };

  const removeCreatedFolders = async (): Promise<void> => {
    for (const folder of created.reverse()) {
      // Only if empty: the web server's own files are never touched.
      await rmdir(folder).catch(() => undefined);
    }
    created = [];
  };

  return {
    name: 'webroot',
    canAnswer: (type, identifier) => type === 'http-01' && (identifier.type === 'dns' || identifier.type === 'ip'),
    prepare,
    begin: (task: ChallengeTask) =>
      serially(async () => {
        if (!isChallengeToken(task.token)) throw badToken();
        active++;
        try {
          await refuseForeignLinks(io);
          await makeFolders();
          // RFC 8555 §8.3: the body is the key authorization, with no trailing newline.
          await writeFileAtomic(join(challengeFolder, task.token), task.keyAuthorization, { mode: 0o644, forceMode: true, dirMode: 0o755 });
        } catch (err) {
          if (--active === 0) await removeCreatedFolders();
          throw err;
        }
        return 'accepted' as const;
      }),
    end: (task: ChallengeTask) =>
      serially(async () => {
        if (!isChallengeToken(task.token)) return;
        try {
          // Checked again: the link may have been swapped in since the write.
          await refuseForeignLinks(io);
          await rm(join(challengeFolder, task.token), { force: true });
        } catch (err) {
          throw new IoError(`cannot remove ${join(challengeFolder, task.token)}: ${describeFsError(err)}`, { cause: err });
        } finally {
          if (--active <= 0) {
            active = 0;
            await removeCreatedFolders();
          }
        }
      }),
  };
}

function describeMissing(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'ENOTDIR') return 'is not a folder (a part of the path is a file)';
  return `cannot be read: ${describeFsError(err)}`;
}
