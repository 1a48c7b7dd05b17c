import { describeCertificate, splitPemChain } from '../certs/certificate.js';
import { UsageError } from '../errors.js';
import type { LineageRecord, LineageStore } from '../state/lineage-store.js';
import { readNamedText } from '../state/read-file.js';
import { currentVersion } from './renewal-decision.js';

/**
 * A certificate file the user named (`cert show`, `cert ari`, `cert revoke`): its chain, and its leaf
 * described. @throws UsageError when it holds no PEM certificate; IoError when it cannot be read.
 */
export async function readCertificateFile(file: string) {
  const chain = splitPemChain(await readNamedText(file));
  const leaf = chain[0];
  if (!leaf) throw new UsageError(`${file} holds no PEM certificate`);
  return { chain, leaf, info: describeCertificate(leaf, file) };
}

/**
 * `cert show NAME`, `cert revoke NAME`: the lineage of that name that has a certificate, with it.
 * @throws UsageError saying there is neither such a file nor such a lineage.
 */
export async function issuedLineage(store: LineageStore, name: string) {
  const record: LineageRecord | undefined = await store.read(name);
  const current = record && currentVersion(record);
  if (!record || !current) throw new UsageError(`${name}: no such file, and no lineage of that name (see acmecli cert list)`);
  return { record, current };
}

/** `cert show FILE`: the certificate as shown, with its days left at `now`. */
export async function showCertificateFile(file: string, now: Date) {
  const { chain, info } = await readCertificateFile(file);
  return {
    file,
    subject: info.subject,
    dnsNames: info.dnsNames,
    ipAddresses: info.ipAddresses,
    issuer: info.issuer,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    daysLeft: Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000),
    serial: info.serialHex,
    sha256Fingerprint: info.sha256Fingerprint,
    ariCertId: info.ariCertId ?? null,
    chainLength: chain.length,
  };
}
