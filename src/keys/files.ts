import { lstat, readFile, stat } from 'node:fs/promises';
import { IoError, KeyError } from '../errors.js';
import { describeFsError, writeFileAtomic } from '../state/atomic-write.js';
import { readableByOthersWarning } from '../state/readable-by-others.js';
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
  let mode: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new IoError(`cannot read key ${path}: it is a folder, not a key file`);
    if (st.size > MAX_KEY_FILE_BYTES) throw new KeyError(`${path} is ${st.size} bytes, too large to be a private key`);
    mode = st.mode & 0o777;
  } catch (err) {
    if (err instanceof IoError || err instanceof KeyError) throw err;
    throw new IoError(`cannot read key ${path}: ${describeFsError(err)}`, { cause: err });
  }
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new IoError(`cannot read key ${path}: ${describeFsError(err)}`, { cause: err });
  }
  const key = parseAccountKey(data, path);
  const warning = readableByOthersWarning(path, mode);
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
