// After the cycle: how long each deployed certificate has left, as a metric, and as an error every
// cycle when the manager is out of reach and a certificate is close to expiry (someone must look).
import { X509Certificate } from 'node:crypto';
import { certificateId, certificatePaths, identityOf } from './config/paths.js';
import { certificateFolder, logFields, type SyncDeps } from './cycle-context.js';
import { fingerprintOf, readLocalFiles } from './deploy-files.js';
import type { CertificateState } from './state.js';

const DAY_MS = 86_400_000;
const EXPIRY_ALARM_DAYS = 7;

/** acme_manager_certificate_expiry for every deployed certificate: registered by the Go client, emitted here. */
export async function updateExpiryMetrics(deps: SyncDeps, now: Date, alarm = false): Promise<void> {
  deps.metrics.certificateExpiry.reset();
  for (const entry of Object.values(deps.state.certificates)) {
    const info = await deployedCertificate(deps, entry).catch(() => undefined);
    if (!info) continue;
    const daysLeft = (info.notAfter.getTime() - now.getTime()) / DAY_MS;
    deps.metrics.certificateExpiry.set({ issuer: entry.issuer ?? '', owner: deps.owner, domain: entry.domain ?? '', name: entry.name ?? '', expires: info.notAfter.toISOString(), encryption: entry.encryption ?? '', serial: info.serialHex }, Math.floor(daysLeft));
    if (alarm && daysLeft < EXPIRY_ALARM_DAYS && entry.issuer && entry.domain) {
      deps.log.error(`certificate expires in ${Math.max(0, Math.floor(daysLeft))} days and the manager cannot be reached`, logFields(deps.owner, identityOf({ name: entry.name, issuer: entry.issuer, domain: entry.domain })));
    }
  }
}

/**
 * When the manager is out of reach, certificates close to expiry are an error every cycle. The
 * metric and the alarm come from one pass over the deployed files (each is read once, not twice).
 */
export function alarmOnExpiry(deps: SyncDeps, now: Date): Promise<void> {
  return updateExpiryMetrics(deps, now, true);
}

/** notAfter and serial of a deployed certificate, read with node's own X.509 parser (fast enough for every cycle). */
async function deployedCertificate(deps: SyncDeps, entry: CertificateState): Promise<{ notAfter: Date; serialHex: string } | undefined> {
  if (!entry.issuer || !entry.domain) return undefined;
  const identity = identityOf({ name: entry.name, issuer: entry.issuer, domain: entry.domain });
  const seen = deps.seenCertificates?.get(certificateId(identity));
  // Parsed once per certificate text, then remembered by its hash: an in-sync cycle parses and reads nothing.
  if (seen && entry.parsed?.fingerprint === seen.fingerprint) return { notAfter: new Date(entry.parsed.notAfter), serialHex: entry.parsed.serialHex };
  const cert = seen?.text ?? (await readLocalFiles(certificateFolder(deps.config), certificatePaths(deps.config.common, identity))).cert;
  if (!cert) return undefined;
  const fingerprint = fingerprintOf(cert);
  if (entry.parsed?.fingerprint !== fingerprint) {
    const parsed = new X509Certificate(cert);
    entry.parsed = { fingerprint, notAfter: new Date(parsed.validTo).toISOString(), serialHex: parsed.serialNumber.toLowerCase().replace(/^0+(?=.)/, '') };
  }
  return { notAfter: new Date(entry.parsed.notAfter), serialHex: entry.parsed.serialHex };
}
