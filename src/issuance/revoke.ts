import type { AccountRef } from '../acme/account.js';
import type { AcmeClient } from '../acme/client.js';
import { REVOCATION_REASONS, revokeCertificate } from '../acme/certificate.js';
import { certificateMatchesKey } from '../certs/certificate.js';
import { UsageError } from '../errors.js';
import type { AccountKey } from '../keys/account-key.js';
import { findPemBlocks } from '../keys/pem.js';
import { namesExistingFile } from '../state/read-file.js';
import { isLineageName, type LineageRecord, type LineageStore, type LineageVersion } from '../state/lineage-store.js';
import { issuedLineage, readCertificateFile } from './certificate-file.js';
import { lineageStatus, markRevoked } from './renewal-decision.js';

/** What revoking reads from outside: the state, the default CA and account, the keys, a step to watch. */
export interface RevokeEdges {
  store: LineageStore;
  now: () => Date;
  /** The CA of the global options, for a certificate no lineage knows. */
  defaultDirectoryUrl: string;
  defaultClient(): Promise<AcmeClient>;
  defaultAccount(): Promise<AccountRef>;
  clientFor(directoryUrl: string, caFile: string | undefined): Promise<AcmeClient>;
  loadKey(path: string): Promise<AccountKey>;
  accountAt(directoryUrl: string, client: AcmeClient, key: AccountKey): Promise<AccountRef>;
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
}

/**
 * Whether `cert show` or `cert revoke` was given a lineage's name rather than a file: a file wins, and only
 * what could be a lineage name is looked up as one.
 */
export function namesLineageNotFile(argument: string): boolean {
  return !namesExistingFile(argument) && isLineageName(argument);
}

/**
 * `cert revoke FILE|NAME`. A certificate that belongs to a lineage (by name, or a file whose fingerprint is
 * one of its versions) is revoked at the CA that issued that version, with the lineage's account, whatever
 * the default CA is; with `certKey` it is signed by the certificate's own key instead (RFC 8555 §7.6). A
 * revoked current version marks the lineage `revoked`, and the next `cert renew` replaces it.
 */
export async function revokeTarget(target: string, options: { reason: number | undefined; certKey: string | undefined }, edges: RevokeEdges) {
  const { store } = edges;
  const { reason } = options;
  let file = target;
  let owner: { record: LineageRecord; version: LineageVersion } | undefined;
  if (namesLineageNotFile(target)) {
    const { record, current } = await issuedLineage(store, target);
    owner = { record, version: current };
    file = store.versionFiles(record.config.name, current.number, current.hasKey).certificate;
  }
  const { leaf, info } = await readCertificateFile(file);
  owner ??= await store.findBySha256(info.sha256Fingerprint);

  // The CA that issued this version (a fallback CA, perhaps), not only the lineage's own.
  const lineage = owner ? { ...owner.record.config, directoryUrl: owner.version.directoryUrl ?? owner.record.config.directoryUrl } : undefined;
  const client = lineage ? await edges.clientFor(lineage.directoryUrl, lineage.caFile) : await edges.defaultClient();
  let signer;
  if (options.certKey) {
    const key = await edges.loadKey(options.certKey);
    if (!certificateMatchesKey(leaf, key.privateKey)) throw new UsageError(`${options.certKey} is not the key of ${file}`);
    signer = { key, identity: { jwk: key.publicJwk } };
  } else {
    const account = lineage
      ? await edges.accountAt(lineage.directoryUrl, client, await edges.loadKey(lineage.accountKeyPath))
      : await edges.defaultAccount();
    signer = { key: account.key, identity: { kid: account.url } };
  }
  const der = findPemBlocks(leaf)[0]!.der!;
  await edges.step('revoking', () => revokeCertificate(client, signer, der, reason));

  let lineageStatusAfter: string | null = null;
  if (owner) {
    const name = owner.record.config.name;
    const unlock = await store.lock(name);
    try {
      const record = await store.read(name);
      if (record) {
        markRevoked(record, owner.version.number, reason, edges.now());
        await store.write(record);
        lineageStatusAfter = lineageStatus(record);
      }
    } finally {
      await unlock();
    }
  }
  return {
    file, serial: info.serialHex, revoked: true, reason: reason ?? null,
    signedWith: options.certKey ? 'certificate-key' : 'account-key',
    directoryUrl: lineage?.directoryUrl ?? edges.defaultDirectoryUrl,
    lineage: owner ? owner.record.config.name : null,
    lineageStatus: lineageStatusAfter,
  };
}

/** `--reason`: an RFC 5280 reason code CAs accept, by number or by name. @throws UsageError listing them. */
export function parseRevocationReason(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text) && Object.values(REVOCATION_REASONS).includes(Number(text) as never)) return Number(text);
  const byName = (REVOCATION_REASONS as Record<string, number>)[text];
  if (byName !== undefined) return byName;
  throw new UsageError(`--reason ${JSON.stringify(text)}: use one of ${Object.entries(REVOCATION_REASONS).map(([n, c]) => `${c} (${n})`).join(', ')}`);
}
