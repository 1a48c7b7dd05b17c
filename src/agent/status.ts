import { X509Certificate } from 'node:crypto';
import type { ClientConfig } from './config/schema.js';
import { certificateId, certificatePaths } from './config/paths.js';
import { fingerprintOf, readLocalFiles } from './deploy-files.js';
import type { AgentState } from './state.js';

export interface CertificateStatus {
  id: string;
  domain: string;
  issuer: string;
  name: string;
  files: { cert: string; key: string; ca: string };
  deployed: boolean;
  keyPresent: boolean;
  notAfter: string | null;
  daysLeft: number | null;
  serial: string | null;
  /** Whether the certificate file hashes to the fingerprint of the last metadata seen. */
  matchesManager: boolean | null;
  lastError: string | null;
  skipUntil: string | null;
}

export interface AgentStatus {
  config: string;
  owner: string | null;
  lastSyncAt: string | null;
  lastSuccessfulSyncAt: string | null;
  secondsSinceLastSuccess: number | null;
  lastError: { at: string; message: string } | null;
  certificates: CertificateStatus[];
}

/** `agent status`: everything from local files and state, no network. */
export async function agentStatus(config: ClientConfig, state: AgentState, now: Date): Promise<AgentStatus> {
  const ids = new Map<string, { domain: string; issuer: string; name: string }>();
  for (const c of config.certificates) ids.set(certificateId(c), { domain: c.domain, issuer: c.issuer, name: c.name });
  for (const [id, s] of Object.entries(state.certificates)) {
    if (!ids.has(id) && s.domain && s.issuer) ids.set(id, { domain: s.domain, issuer: s.issuer, name: s.name ?? '' });
  }
  const certificates: CertificateStatus[] = [];
  for (const [id, identity] of ids) {
    const paths = certificatePaths(config.common, identity);
    const local = await readLocalFiles(config.common.certificateDir || '.', paths).catch(() => ({}) as { cert?: string; key?: string });
    const remembered = state.certificates[id];
    let info: { notAfter: Date; serialHex: string } | undefined;
    try {
      const parsed = local.cert ? new X509Certificate(local.cert) : undefined;
      info = parsed ? { notAfter: new Date(parsed.validTo), serialHex: parsed.serialNumber.toLowerCase().replace(/^0+(?=.)/, '') } : undefined;
    } catch {
      info = undefined;
    }
    certificates.push({
      id,
      ...identity,
      files: paths,
      deployed: Boolean(local.cert),
      keyPresent: Boolean(local.key),
      notAfter: info ? info.notAfter.toISOString() : null,
      daysLeft: info ? Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000) : null,
      serial: info ? info.serialHex : null,
      matchesManager: local.cert && remembered?.fingerprint ? fingerprintOf(local.cert) === remembered.fingerprint : null,
      lastError: remembered?.lastError ?? null,
      skipUntil: remembered?.skipUntil ?? null,
    });
  }
  return {
    config: config.file,
    owner: state.owner ?? null,
    lastSyncAt: state.lastSyncAt ?? null,
    lastSuccessfulSyncAt: state.lastSuccessfulSyncAt ?? null,
    secondsSinceLastSuccess: state.lastSuccessfulSyncAt ? Math.round((now.getTime() - Date.parse(state.lastSuccessfulSyncAt)) / 1000) : null,
    lastError: state.lastError ?? null,
    certificates,
  };
}
