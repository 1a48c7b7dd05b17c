import { BadResponseError } from '../errors.js';
import { accountSigner, type AccountRef } from './account.js';
import type { AcmeClient, RequestSigner } from './client.js';

export interface DownloadedChain {
  url: string;
  /** The PEM chain as the CA sent it: leaf first. */
  pem: string;
  /** RFC 8555 §7.4.2 Link rel="alternate": other chains for the same certificate. */
  alternates: string[];
}

/** RFC 8555 §7.4.2: POST-as-GET of the certificate URL, accepting application/pem-certificate-chain. */
export async function downloadCertificate(client: AcmeClient, account: AccountRef, url: string): Promise<DownloadedChain> {
  const res = await client.postAsGetText(url, accountSigner(account));
  if (!res.body.includes('-----BEGIN CERTIFICATE-----')) throw new BadResponseError(`${url} did not answer with a PEM certificate chain`);
  return { url, pem: res.body, alternates: res.links.filter((l) => l.rel === 'alternate').map((l) => l.url) };
}

/** RFC 5280 §5.3.1 reason codes that RFC 8555 §7.6 lets a client ask for. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
} as const;

/**
 * RFC 8555 §7.6 revokeCert. `signer` is the account (kid) or the certificate's
 * own key (jwk), which needs no account at all.
 */
export async function revokeCertificate(client: AcmeClient, signer: RequestSigner, certificateDer: Uint8Array, reason?: number): Promise<void> {
  const directory = await client.directory();
  if (typeof directory.revokeCert !== 'string') throw new BadResponseError('the CA\'s directory has no revokeCert URL: it does not offer revocation (RFC 8555 §7.6)');
  const payload: Record<string, unknown> = { certificate: Buffer.from(certificateDer).toString('base64url') };
  if (reason !== undefined) payload.reason = reason;
  await client.postIgnoringBody(directory.revokeCert, payload, signer);
}
