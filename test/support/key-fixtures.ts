/**
 * Large RSA keys for tests whose subject is not key generation: made once and kept in a folder of
 * this user's under the temporary directory, so a run (and the next) does not pay for them again
 * (an RSA 4160 key costs ~0.8 s of CPU on average, with a long tail). Tests that are about
 * generating keys generate their own.
 *
 * The folder is a peer like any other: it is used only when it is a real folder (not a link) owned
 * by us with mode 0700, and a key only when it is a regular file of ours, mode 0600, of the size
 * asked for; otherwise the key is made again and written to a temporary name, then renamed.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function cacheFolder(): string {
  const uid = process.getuid?.() ?? 0;
  const folder = path.join(tmpdir(), `acmecli-test-keys-${uid}`);
  mkdirSync(folder, { mode: 0o700, recursive: true });
  const stat = lstatSync(folder);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o777) !== 0o700) {
    throw new Error(`${folder} is not a folder of ours with mode 0700: remove it (it holds the tests' cached keys)`);
  }
  return folder;
}

function readCached(file: string, bits: number): KeyObject | undefined {
  try {
    const stat = lstatSync(file);
    if (!stat.isFile() || stat.uid !== (process.getuid?.() ?? 0) || (stat.mode & 0o777) !== 0o600) return undefined;
    const key = createPrivateKey(readFileSync(file));
    return key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === bits ? key : undefined;
  } catch {
    return undefined;
  }
}

const inProcess = new Map<number, KeyObject>();

/** An RSA private key of `bits` bits, the same one for every test that asks (fixtures only). */
export function cachedRsaKey(bits: number): KeyObject {
  let key = inProcess.get(bits);
  if (key) return key;
  const folder = cacheFolder();
  const file = path.join(folder, `rsa-${bits}.pem`);
  key = readCached(file, bits);
  if (!key) {
    key = generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
    const temp = path.join(folder, `.rsa-${bits}.${randomBytes(6).toString('hex')}.tmp`);
    writeFileSync(temp, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  }
  inProcess.set(bits, key);
  return key;
}
