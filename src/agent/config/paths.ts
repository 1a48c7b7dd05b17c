// Where a certificate's files go (manager-contract.md §6.7). Pure: the one question that
// needs the filesystem (real paths) is passed in as a function.
import { ClientConfigError, type CertificateConfig, type ClientConfig, type CommonConfig } from './schema.js';

export type PathSettings = Pick<CommonConfig, 'certificateDir' | 'certificateFileExt' | 'certificateKeyFileExt' | 'certificateCaFileExt'>;
/** A configured certificate, or one the manager lists (pull-only mode has no configuration for it). */
export type CertificateIdentity = Pick<CertificateConfig, 'name' | 'issuer' | 'domain'>;

export interface CertificatePaths {
  cert: string;
  key: string;
  ca: string;
}

/**
 * The Go client's file paths, kept so an agent can take over its files: unnamed
 * `D<issuer>/<domain><ext>`, named `D<name><ext>` (flat), with D =
 * `certificate_dir` joined as text (hence its trailing `/`). A wildcard stays
 * literal: `*.example.com.crt`.
 */
export function certificatePaths(common: PathSettings, cert: CertificateIdentity): CertificatePaths {
  const base = common.certificateDir + (cert.name === '' ? `${cert.issuer}/${cert.domain}` : cert.name);
  return { cert: base + common.certificateFileExt, key: base + common.certificateKeyFileExt, ca: base + common.certificateCaFileExt };
}

/**
 * The certificates whose files would be the same file as another one's (pull-only mode deploys what
 * the manager lists, so the manager chooses the names): an entry named `X.ca` writes its certificate
 * at `X.ca.crt`, which is entry `X`'s CA file. Each such certificate is named with the identity of
 * the other one, so neither is written over the other; the others are returned as they came.
 */
export function separateClashingFiles<T extends CertificateIdentity>(common: PathSettings, entries: readonly T[]): { distinct: T[]; clashing: { entry: T; file: string; other: string }[] } {
  const owners = new Map<string, T[]>();
  for (const entry of entries) {
    // One entry listed twice is one certificate, not a clash.
    for (const file of new Set(Object.values(certificatePaths(common, entry)))) {
      const list = owners.get(file) ?? [];
      if (!list.some((e) => certificateId(e) === certificateId(entry))) list.push(entry);
      owners.set(file, list);
    }
  }
  const clashing: { entry: T; file: string; other: string }[] = [];
  const refused = new Set<T>();
  for (const [file, list] of owners) {
    if (list.length < 2) continue;
    for (const entry of list) {
      if (refused.has(entry)) continue;
      refused.add(entry);
      clashing.push({ entry, file, other: certificateId(list.find((e) => e !== entry)!) });
    }
  }
  return { distinct: entries.filter((e) => !refused.has(e)), clashing };
}

/**
 * The identity of a certificate the manager lists (its `name` may be absent): the one value the agent
 * names it by, on disk (certificatePaths), at the manager (certificateId, managerRef), in logs and metrics.
 */
export function identityOf(who: { name?: string | undefined; issuer: string; domain: string }): CertificateIdentity {
  return { name: who.name ?? '', issuer: who.issuer, domain: who.domain };
}

/** How the manager's API addresses it: by name for a named certificate, else by issuer and domain. */
export function managerRef(who: CertificateIdentity): { name: string } | { issuer: string; domain: string } {
  return who.name !== '' ? { name: who.name } : { issuer: who.issuer, domain: who.domain };
}

/** The identity the manager keys a certificate by: its name, else `issuer/domain`. Also the cleanup's key. */
export function certificateId(cert: CertificateIdentity): string {
  return cert.name === '' ? `${cert.issuer}/${cert.domain}` : cert.name;
}

/**
 * Refuses a `certificate_dir` that is the configuration file's own folder, as
 * the Go client's sync does: the cleanup deletes every `.crt`/`.key` file under
 * that folder that the manager does not list, and certificates and keys would
 * sit beside the configuration. "" means the current directory. Paths are
 * compared after `realpath` (symbolic links followed, relative paths made
 * absolute); pass one that also copes with a folder that does not exist yet
 * (`realPath` in load.ts).
 *
 * Call it whenever files will be written or cleaned (certificate_deploy,
 * pull-only, cleanup).
 *
 * @throws ClientConfigError (code `USAGE`) naming `common.certificate_dir`.
 */
export function checkCertificateDir(config: Pick<ClientConfig, 'file' | 'common' | 'lines'>, configPath: string, realpath: (path: string) => string): void {
  const dir = realpath(config.common.certificateDir === '' ? '.' : config.common.certificateDir);
  const configDir = parentOf(realpath(configPath));
  if (stripSlash(dir) !== stripSlash(configDir)) return;
  throw new ClientConfigError(
    { file: config.file, line: config.lines.get('common.certificate_dir'), keyPath: 'common.certificate_dir' },
    `"${config.common.certificateDir || '.'}" is the folder of the configuration file itself (${configDir}); choose a folder of its own (the cleanup deletes every certificate and key file in it that the manager does not list)`,
  );
}

function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut <= 0 ? path.slice(0, cut + 1) || '/' : path.slice(0, cut);
}

function stripSlash(path: string): string {
  return path.length > 1 ? path.replace(/[\\/]+$/, '') : path;
}
