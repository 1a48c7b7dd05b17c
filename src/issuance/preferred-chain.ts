import type { DownloadedChain } from '../acme/certificate.js';
import { AcmecliError } from '../errors.js';

/** Let's Encrypt offers one alternate; a CA listing hundreds would have us download each of them. */
export const MAX_ALTERNATE_CHAINS = 5;

export interface ChainChoiceOptions {
  /** `--preferred-chain`: the issuer CN the topmost certificate of the chain must have (exact case). */
  preferred: string | undefined;
  /** The issuer CN of a chain's topmost certificate (certs/), undefined when it has none. */
  topIssuerName?: ((chainPem: string) => string | undefined) | undefined;
  /** Downloads an alternate chain (RFC 8555 §7.4.2 Link rel="alternate"). */
  download: (url: string) => Promise<DownloadedChain>;
  /** Throws when a chain fails the certificate check (wrong key, names or dates); the default chain is checked by the caller. */
  check?: ((chainPem: string) => void) | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * The chain to keep for `--preferred-chain NAME`: the default chain when no NAME is given (its issuer
 * then unread) or its topmost certificate was issued by exactly NAME, else the first alternate whose topmost certificate
 * was, downloaded one by one and only as far as needed (at most MAX_ALTERNATE_CHAINS); else the
 * default chain, with a warning. This is certbot's rule (`find_chain_with_issuer`, topmost-only
 * since certbot issue #8577) and lego's (`hasPreferredChain`): an intermediate's name in the middle
 * of a chain does not count, or the default chain, which also passes through it, would win.
 * An alternate that cannot be fetched, or whose certificates fail `check`, is a warning: the
 * certificate is issued and the default chain is good. Only an abort stops the search.
 */
export async function choosePreferredChain(first: DownloadedChain, options: ChainChoiceOptions): Promise<{ pem: string; issuer?: string }> {
  // No --preferred-chain: the default chain, with no certificate of it parsed for a name nobody asked about.
  if (!options.preferred) return { pem: first.pem };
  const issuerOf = (pem: string) => options.topIssuerName?.(pem);
  const firstIssuer = issuerOf(first.pem);
  const keepFirst = { pem: first.pem, ...(firstIssuer ? { issuer: firstIssuer } : {}) };
  if (firstIssuer === options.preferred) return keepFirst;
  const alternates = [...new Set(first.alternates)];
  if (alternates.length > MAX_ALTERNATE_CHAINS) {
    options.onWarning?.(`the CA offers ${alternates.length} alternate chains; looking at the first ${MAX_ALTERNATE_CHAINS} only`);
  }
  let refusedPreferred = false;
  for (const url of alternates.slice(0, MAX_ALTERNATE_CHAINS)) {
    let alternate: DownloadedChain;
    try {
      alternate = await options.download(url);
    } catch (err) {
      if (!(err instanceof AcmecliError) || err.code === 'ABORTED') throw err;
      options.onWarning?.(`alternate chain ${url} could not be fetched (${err.message}); kept the default chain${firstIssuer ? ` (${firstIssuer})` : ''}`);
      continue;
    }
    const issuer = issuerOf(alternate.pem);
    if (issuer !== options.preferred) continue;
    // The alternate is the CA's text like the default chain: one that fails the check (another leaf, an
    // expired or foreign certificate) is not kept for its name, and the default chain still is good.
    const problem = checkProblem(options.check, alternate.pem);
    if (problem === undefined) return { pem: alternate.pem, issuer };
    options.onWarning?.(`alternate chain ${url} ends at "${options.preferred}" but fails the certificate check (${problem}); kept the default chain${firstIssuer ? ` (${firstIssuer})` : ''}`);
    refusedPreferred = true;
  }
  // certbot and lego fall back to the default chain when none matches; so do we, and say so.
  if (!refusedPreferred) options.onWarning?.(`no chain from the CA ends at an issuer named "${options.preferred}"; kept the default chain${firstIssuer ? ` (${firstIssuer})` : ''}`);
  return keepFirst;
}

function checkProblem(check: ((chainPem: string) => void) | undefined, pem: string): string | undefined {
  if (!check) return undefined;
  try {
    check(pem);
    return undefined;
  } catch (err) {
    if (!(err instanceof AcmecliError)) throw err;
    return err.message;
  }
}
