// The keys waiting for the manager: a new key is saved here (0600, folder 0700) before the request
// that sends its CSR, and forgotten once its certificate is deployed. A crash or a lost answer after
// the manager issued then loses no key (the certificate is deployed with the key found here), and a
// failing manager does not leave one more key behind at each attempt (the key here is asked with again).
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { certKeyTypeOf } from '../certs/cert-key-types.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { certificateId, type CertificateIdentity } from './config/paths.js';
import { keyPairs } from './issued-check.js';

export interface KeyMaterial {
  object: KeyObject;
  pem: string;
}

/**
 * Pending keys are named `<certificate hash>-<key hash>.pem`: several runs cut
 * short in a row each leave their own, and whichever the manager issued for is found.
 */
function pendingKeyPrefix(identity: CertificateIdentity): string {
  return `${createHash('sha256').update(certificateId(identity)).digest('hex').slice(0, 24)}-`;
}

export async function savePendingKey(dir: string, identity: CertificateIdentity, keyPem: string): Promise<void> {
  const name = `${pendingKeyPrefix(identity)}${createHash('sha256').update(keyPem).digest('hex').slice(0, 16)}.pem`;
  await writeFileAtomic(join(dir, name), keyPem, { mode: 0o600, forceMode: true, dirMode: 0o700 });
}

/**
 * The certificate's pending keys in `dir` (the manager's folder, pendingKeyFolder) and, with `earlier`, those an
 * earlier acmecli left in the shared folder above it, before keys were kept per manager. Those are still
 * deployed with a certificate they pair with, and cleaned up, but never sent to a manager again: they may
 * have been made for another manager's certificate of the same name.
 */
async function pendingKeyFiles(dir: string, identity: CertificateIdentity, earlier = true): Promise<string[]> {
  const prefix = pendingKeyPrefix(identity);
  const files: string[] = [];
  for (const folder of earlier ? [dir, dirname(dir)] : [dir]) {
    const names = await readdir(folder).catch(() => [] as string[]);
    files.push(...names.filter((n) => n.startsWith(prefix) && n.endsWith('.pem')).map((n) => join(folder, n)));
  }
  return files;
}

/** Whether an earlier attempt for this certificate left a key waiting. */
export async function hasPendingKeys(dir: string, identity: CertificateIdentity): Promise<boolean> {
  return (await pendingKeyFiles(dir, identity)).length > 0;
}

/**
 * The key of an earlier attempt for this certificate that did not end in
 * deployed files (the manager refused or failed, or the run was cut short),
 * when it is of the wanted type: asking again with the same key means a
 * failing manager does not leave one more key behind each time. (A key the
 * manager did issue for is found by pendingKeyPairingWith before any new request.)
 */
export async function pendingKeyToReuse(dir: string, identity: CertificateIdentity, keyType: string): Promise<KeyMaterial | undefined> {
  for (const path of await pendingKeyFiles(dir, identity, false)) {
    const pem = await readFile(path, 'utf8').catch(() => undefined);
    if (pem === undefined) continue;
    try {
      const object = createPrivateKey(pem);
      if (certKeyTypeOf(object, path) === keyType) return { object, pem };
    } catch {
      // damaged, or of another type: left for forgetPendingKeys after the next success
    }
  }
  return undefined;
}

/** The pending key the manager issued this certificate for, if one of them pairs with it. */
export async function pendingKeyPairingWith(dir: string, identity: CertificateIdentity, certPem: string): Promise<string | undefined> {
  for (const path of await pendingKeyFiles(dir, identity)) {
    const pem = await readFile(path, 'utf8').catch(() => undefined);
    if (pem && keyPairs(pem, certPem)) return pem;
  }
  return undefined;
}

/**
 * Once the certificate is deployed with `deployedKeyPem`, no key waits any more at this manager. Of the keys an
 * earlier acmecli left in the shared folder, only the one deployed goes: the others may be waiting for another
 * manager's certificate of the same name (removing them lost that key).
 */
export async function forgetPendingKeys(dir: string, identity: CertificateIdentity, deployedKeyPem: string): Promise<void> {
  for (const path of await pendingKeyFiles(dir, identity, false)) await rm(path, { force: true });
  for (const path of await pendingKeyFiles(dirname(dir), identity, false)) {
    const pem = await readFile(path, 'utf8').catch(() => undefined);
    if (pem !== undefined && pem.trim() === deployedKeyPem.trim()) await rm(path, { force: true });
  }
}
