import type { ManagerCertificate } from '../manager/types.js';
import type { CertificateConfig } from './config/schema.js';

/** What one cycle asks of the manager for one certificate: the plan phase of a sync, applied by sync.ts. */
export type Planned =
  | { kind: 'create'; cert: CertificateConfig }
  | { kind: 'reissue'; cert: CertificateConfig; server: ManagerCertificate; newKey: boolean; why: string }
  | { kind: 'metadata'; cert: CertificateConfig; server: ManagerCertificate; why: string }
  | { kind: 'delete'; server: ManagerCertificate };

/** What to ask of the manager for a configured certificate whose files are as good as they can be. */
export function planChanges(cert: CertificateConfig, server: ManagerCertificate, key: 'ok' | 'lost'): Planned | undefined {
  // A manager entry without key_type holds the Go client's default.
  const serverKeyType = (server.key_type ?? 'ec256').toLowerCase();
  if (serverKeyType !== cert.keyType) return { kind: 'reissue', cert, server, newKey: true, why: `key type ${serverKeyType} → ${cert.keyType}` };
  if (key === 'lost') return { kind: 'reissue', cert, server, newKey: true, why: 'the private key is lost and no backup pairs with the certificate' };
  const differs = [
    ['san', normaliseSan(server.san), normaliseSan(cert.san)],
    ['days', server.days ?? 0, cert.days],
    ['bundle', Boolean(server.bundle), cert.bundle],
    ['dns_challenge', server.dns_challenge ?? '', cert.dnsChallenge],
    ['http_challenge', server.http_challenge ?? '', cert.httpChallenge],
    ['profile', server.profile ?? '', cert.profile],
  ].filter(([, a, b]) => a !== b).map(([field]) => field);
  if (differs.length) return { kind: 'reissue', cert, server, newKey: false, why: `${differs.join(', ')} changed` };
  const metadata = [['renewal_days', server.renewal_days ?? '', cert.renewalDays], ['labels', server.labels ?? '', cert.labels]].filter(([, a, b]) => a !== b).map(([f]) => f);
  // Unlike the Go client, both fields go in one update when both changed.
  if (metadata.length) return { kind: 'metadata', cert, server, why: `${metadata.join(', ')} changed` };
  return undefined;
}

function normaliseSan(san: string | undefined): string {
  return (san ?? '').split(',').filter(Boolean).sort().join(',');
}
