import { describeCertificate, splitPemChain } from '../certs/certificate.js';
import { UsageError } from '../errors.js';
import { readNamedText } from '../state/read-file.js';

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
