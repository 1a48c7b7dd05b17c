import { createReadStream, existsSync, readFile as readFileCallback, stat as statCallback } from 'node:fs';
import { promisify } from 'node:util';
import { IoError } from '../errors.js';
import { describeFsError } from './atomic-write.js';
import { readableByOthersWarning } from './readable-by-others.js';

// node:fs, which Node has loaded before any of our code runs: node:fs/promises would be about 2 ms of
// CPU of an offline start such as `key thumbprint`, whose one read is this (scripts/build-sea.mjs).
const stat = promisify(statCallback);
const readFile = promisify(readFileCallback);

export interface ReadNamedFileOptions {
  /** What names the file in the message, before its path: `--ca-file`, `key`, `the client configuration`. */
  what?: string;
  /** A secret (a key, a token): called with the warning when other users can read the file, as ssh does. */
  onReadableByOthers?: (warning: string) => void;
  /** Checked before reading, so a huge file is refused without being read: the error to throw for its size. */
  tooLarge?: { maxBytes: number; error: (size: number) => Error };
}

/**
 * A file the user named (a key, a token, `--ca-file`, a CSR, a certificate to show, the agent's
 * configuration): its bytes, or one IoError `cannot read WHAT PATH: reason` (`it is a folder`
 * for a folder). The one "read a file or throw IoError" of the tree.
 */
export async function readNamedFile(path: string, options: ReadNamedFileOptions = {}): Promise<Buffer> {
  const name = options.what ? `${options.what} ${path}` : path;
  const cannotRead = (err: unknown): Error => new IoError(`cannot read ${name}: ${describeFsError(err)}`, { cause: err });
  const st = await stat(path).catch((err: unknown) => {
    throw cannotRead(err);
  });
  if (st.isDirectory()) throw new IoError(`cannot read ${name}: it is a folder`);
  if (options.tooLarge && st.size > options.tooLarge.maxBytes) throw options.tooLarge.error(st.size);
  // A device or a pipe (/dev/zero, <(…)) has no size to check: its read is capped instead, or /dev/zero filled memory for ever.
  const cap = options.tooLarge?.maxBytes ?? NAMED_FILE_MAX_BYTES;
  const data = st.isFile() ? await readFile(path).catch((err: unknown) => {
    throw cannotRead(err);
  }) : await readAtMost(path, cap).catch((err: unknown) => {
    throw cannotRead(err);
  });
  if (data === undefined) throw options.tooLarge ? options.tooLarge.error(cap + 1) : new IoError(`cannot read ${name}: more than ${cap} bytes and not a regular file`);
  const warning = options.onReadableByOthers ? readableByOthersWarning(path, st.mode) : undefined;
  if (warning !== undefined) options.onReadableByOthers?.(warning);
  return data;
}

/** What a named file that is not a regular file may hold at most, when the caller sets no limit. */
const NAMED_FILE_MAX_BYTES = 16 * 1024 * 1024;

/** The bytes of a stream-like file, or undefined once it holds more than `maxBytes`. */
function readAtMost(path: string, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stream = createReadStream(path);
    stream.on('data', (chunk) => {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk as Buffer);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Whether a command-line argument names an existing file: `cert show` and `cert revoke` take a file, else a lineage name. */
export function namesExistingFile(argument: string): boolean {
  return existsSync(argument);
}

/** readNamedFile as UTF-8 text. */
export async function readNamedText(path: string, options: ReadNamedFileOptions = {}): Promise<string> {
  return (await readNamedFile(path, options)).toString('utf8');
}
