// Whether what the manager sent may be deployed: the issued-certificate check
// (src/certs/issued-certificate-check.ts) with the names this host asked for, and whether a key pairs
// with a certificate. Used when the agent downloads a certificate and when a certificate was just issued.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ipAddressVersion } from '../net/ip-address.js';
import type { Identifier } from '../certs/identifiers.js';
import { BadResponseError } from '../errors.js';
import type { ManagerCertificate } from '../manager/types.js';

/** A certificate from the manager that did not pass the issued-certificate check: nothing of it was written. */
export class CertificateRefused extends BadResponseError {}

/**
 * The issued-certificate check on what the manager sent: undefined when it may be deployed, else
 * the one-line reason. Loaded only when a certificate is about to be written.
 */
export async function refusalOf(text: { certificate: string; chain: string }, keyPem: string, identifiers: Identifier[], askedIn: string, now: Date): Promise<string | undefined> {
  const { checkIssuedCertificate, CertificateRefusedError } = await import('../certs/issued-certificate-check.js');
  try {
    checkIssuedCertificate(text, { key: createPrivateKey(keyPem), identifiers, now, from: 'the manager', askedIn });
    return undefined;
  } catch (err) {
    if (err instanceof CertificateRefusedError) return err.message;
    throw err;
  }
}

/** node's own X.509 check: an in-sync daemon never loads the X.509 library used for CSRs. */
export function keyPairs(keyPem: string, certPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** The names a request asks for: its domain and SANs, as its CSR holds them. */
export function requestedIdentifiers(request: { domain: string; sanNames: readonly string[] }): Identifier[] {
  return [request.domain, ...request.sanNames].map(nameAsIdentifier);
}

/** Pull-only has no configuration: the names are those the manager's list says the certificate is for. */
export function listedIdentifiers(server: ManagerCertificate): Identifier[] {
  return [server.domain, ...(server.san ?? '').split(',').filter(Boolean)].map(nameAsIdentifier);
}

function nameAsIdentifier(name: string): Identifier {
  const trimmed = name.trim();
  return ipAddressVersion(trimmed) ? { type: 'ip', value: trimmed } : { type: 'dns', value: trimmed };
}
