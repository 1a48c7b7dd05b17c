import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { IoError } from '../errors.js';
import { dirname, join } from 'node:path';
import { describeFsError, writeFilesTogether, type FileToWrite } from '../state/atomic-write.js';
import { assertOwnFolders } from '../state/safe-folder.js';

/**
 * What `cert issue` writes in --out: the ACME Manager layout (NAME.crt, NAME.key,
 * NAME.ca.crt; no CA file with --bundle), plus the files web servers take as they
 * are: NAME.fullchain.crt (nginx ssl_certificate, Apache SSLCertificateFile) and
 * NAME.haproxy.pem (HAProxy crt: full chain and key in one file, so 0600).
 */
export interface OutputPaths {
  certificate: string;
  key?: string;
  ca?: string;
  fullchain: string;
  /** Full chain then key: absent for --csr lineages (no key). */
  combined?: string;
}

export interface CertificateFiles {
  /** The leaf certificate, PEM. */
  leafPem: string;
  /** The issuer chain without the leaf, PEM. */
  chainPem: string;
  /** The private key, PEM; absent for --csr lineages. */
  keyPem?: string;
}

export function outputPaths(outDir: string, name: string, bundle: boolean, hasKey: boolean): OutputPaths {
  // One join: `cert renew --all` builds these for every lineage, and `name` is a checked lineage name (no separator).
  const base = join(outDir, name);
  const certificate = `${base}.crt`;
  const fullchain = `${base}.fullchain.crt`;
  // In this order (cert delete lists and removes them so): certificate, key, CA, full chain, HAProxy file.
  if (hasKey) return bundle ? { certificate, key: `${base}.key`, fullchain, combined: `${base}.haproxy.pem` } : { certificate, key: `${base}.key`, ca: `${base}.ca.crt`, fullchain, combined: `${base}.haproxy.pem` };
  return bundle ? { certificate, fullchain } : { certificate, ca: `${base}.ca.crt`, fullchain };
}

function contents(paths: OutputPaths, files: CertificateFiles, bundle: boolean): FileToWrite[] {
  const list: FileToWrite[] = [];
  // Key first: a reader that sees the new certificate then always finds the new key already there.
  // A new key file is 0600; an existing one keeps the mode (and owner) the operator gave it, e.g. 0640 root:ssl-cert,
  // when inheritedModeAndOwner trusts it (no symlink, owner root or us, nothing for the world).
  if (paths.key && files.keyPem) list.push({ path: paths.key, data: files.keyPem, mode: 0o600 });
  // It holds the key: 0600 like the key file.
  if (paths.combined && files.keyPem) list.push({ path: paths.combined, data: files.leafPem + files.chainPem + files.keyPem, mode: 0o600 });
  list.push({ path: paths.certificate, data: bundle ? files.leafPem + files.chainPem : files.leafPem, mode: 0o644 });
  if (paths.ca) list.push({ path: paths.ca, data: files.chainPem, mode: 0o644 });
  list.push({ path: paths.fullchain, data: files.leafPem + files.chainPem, mode: 0o644 });
  return list;
}

/**
 * Writes the certificate, key and CA files together (see writeFilesTogether); the folder is made 0700.
 * Checked again right before the write (the order may have taken minutes): a folder another user controls is refused.
 */
export async function writeOutputs(paths: OutputPaths, files: CertificateFiles, bundle: boolean): Promise<void> {
  await assertOwnFolders(dirname(paths.certificate), 'the --out folder');
  await writeFilesTogether(contents(paths, files, bundle), 0o700);
}

/**
 * Whether the files on disk are exactly what `files` says they should be (kill -9 repair check).
 * Read synchronously on purpose: `cert renew --all` asks this of every lineage, and a few small
 * reads cost microseconds each, against a thread-pool round trip per open, stat, read and close.
 */
export async function outputsMatch(paths: OutputPaths, files: CertificateFiles, bundle: boolean): Promise<boolean> {
  for (const file of contents(paths, files, bundle)) {
    if (readTextOrUndefined(file.path) !== file.data) return false;
  }
  return true;
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The lines that make nginx, Apache and HAProxy use these files, printed after
 * issuing: the full chain, never the leaf alone (the classic incomplete-chain mistake).
 */
export function webServerLines(paths: OutputPaths): string[] {
  if (!paths.key) return [];
  return [
    `nginx:    ssl_certificate     ${paths.fullchain};`,
    `          ssl_certificate_key ${paths.key};`,
    `Apache:   SSLCertificateFile    ${paths.fullchain}`,
    `          SSLCertificateKeyFile ${paths.key}`,
    ...(paths.combined ? [`HAProxy:  bind :443 ssl crt ${paths.combined}`] : []),
  ];
}

/**
 * The identity of the output files as they are now (inode, size, modification
 * time of each), or undefined when one is missing. Kept in lineage.json after
 * a run that saw the files hold the current version, it lets the next
 * `cert renew` know they are unchanged from a stat of each file, without
 * reading them: every write replaces a file by rename, which changes its inode.
 */
export function outputsStamp(paths: OutputPaths): string | undefined {
  const parts: string[] = [];
  for (const path of [paths.key, paths.combined, paths.certificate, paths.ca, paths.fullchain]) {
    if (path === undefined) continue;
    try {
      const stat = statSync(path, { bigint: true });
      parts.push(`${stat.ino}:${stat.size}:${stat.mtimeNs}`);
    } catch {
      return undefined;
    }
  }
  return parts.join('|');
}

/** The output files of a lineage that exist now (`cert delete` lists them, and removes them with --remove-files). */
export function existingOutputFiles(paths: OutputPaths): string[] {
  return Object.values(paths).filter((p): p is string => typeof p === 'string' && existsSync(p));
}

/**
 * Removes files (a symbolic link itself, never what it points at), in order; the first that
 * cannot be removed is an IoError `WHAT, but cannot remove FILE: reason`, the ones before it gone.
 */
export async function removeOutputFiles(files: readonly string[], what: string): Promise<string[]> {
  const removed: string[] = [];
  for (const file of files) {
    await rm(file, { force: true }).catch((err: unknown) => {
      throw new IoError(`${what}, but cannot remove ${file}: ${describeFsError(err)}`, { cause: err });
    });
    removed.push(file);
  }
  return removed;
}
