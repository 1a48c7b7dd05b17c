import type { AcmeClient } from '../acme/client.js';
import { fetchRenewalInfo } from '../acme/ari.js';
import { ariWindowProblem, parseRenewalInfo } from '../certs/renewal-time.js';
import { UsageError } from '../errors.js';
import { readCertificateFile } from './certificate-file.js';

/**
 * `cert ari FILE`: what the CA suggests for renewing this certificate (RFC 9773), and, when its window
 * makes no sense for the certificate, what is wrong with it (`windowProblem`): `cert renew` then ignores it.
 */
export async function askRenewalInfo(file: string, client: AcmeClient, directoryUrl: string) {
  const { info } = await readCertificateFile(file);
  if (!info.ariCertId) throw new UsageError(`${file} has no Authority Key Identifier, so it has no ARI CertID`);
  const answer = await fetchRenewalInfo(client, info.ariCertId);
  if (!answer) throw new UsageError(`${directoryUrl} does not offer ACME Renewal Information (no renewalInfo in its directory)`);
  const parsed = parseRenewalInfo(answer.renewalInfo);
  const problem = ariWindowProblem(parsed.suggestedWindow, info);
  const result = {
    file,
    ariCertId: info.ariCertId,
    windowStart: parsed.suggestedWindow.start.toISOString(),
    windowEnd: parsed.suggestedWindow.end.toISOString(),
    explanationURL: parsed.explanationURL ?? null,
    retryAfterSeconds: answer.retryAfterMs !== undefined ? Math.round(answer.retryAfterMs / 1000) : null,
    ignoredBecause: problem ? `the window ${problem}` : null,
  };
  return { result, windowProblem: problem };
}
