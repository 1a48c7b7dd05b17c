import { lstat } from 'node:fs/promises';
import { IoError, KeyError } from '../errors.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { readNamedFile } from '../state/read-file.js';
import { parseAccountKey, type AccountKey } from './account-key.js';

/** Larger than any key acmecli reads (an RSA 4096 JWK is about 3 KiB); refuse before reading it all. */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * Reads and parses an account key file. Calls `onWarning` (instead of printing)
 * when other users can read the file, as ssh does for identity files.
 *
 * @throws IoError (code `IO`) when the file is missing, unreadable or a folder.
 * @throws KeyError (code `KEY`) when it is not a usable private key.
 */
export async function readAccountKeyFile(path: string, onWarning: (message: string) => void): Promise<AccountKey> {
  let warning: string | undefined;
  const data = await readNamedFile(path, {
    what: 'key',
    onReadableByOthers: (w) => (warning = w),
    tooLarge: { maxBytes: MAX_KEY_FILE_BYTES, error: (size) => new KeyError(`${path} is ${size} bytes, too large to be a private key`) },
  });
  const key = parseAccountKey(data, path);
  // Only for a key that is one: a file that is not gets the error alone.
  if (warning !== undefined) onWarning(warning);
  return key;
}

export interface WritePrivateKeyOptions {
  /** Replace an existing file (its mode is reset to 0600 too). */
  force?: boolean;
}

/**
 * Writes private key bytes atomically with mode 0600, creating missing folders
 * with mode 0700.
 *
 * @throws IoError (code `IO`) when the file exists and `force` is not set, or on
 *   any write failure.
 */
export async function writePrivateKeyFile(path: string, data: string | Uint8Array, options: WritePrivateKeyOptions = {}): Promise<void> {
  const force = options.force ?? false;
  if (!force && (await exists(path))) throw new IoError(`${path} already exists; pass --force to replace it`);
  await writeFileAtomic(path, data, { mode: 0o600, forceMode: true, dirMode: 0o700, exclusive: !force });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path); // a dangling symlink still counts: the rename would replace it
    return true;
  } catch {
    return false;
  }
}
