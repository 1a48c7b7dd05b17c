import type { EabAlgorithm, ExternalAccountBinding } from '../acme/jws.js';
import { UsageError } from '../errors.js';

/** The options and the variable that give one CA's EAB, named in the messages. */
export interface EabOptionNames {
  kid: string;
  hmacKey: string;
  envHmacKey: string;
}

export const PRIMARY_EAB_NAMES: EabOptionNames = { kid: '--eab-kid', hmacKey: '--eab-hmac-key', envHmacKey: 'ACMECLI_EAB_HMAC_KEY' };
/** A --fallback-acme-url's EAB: the variable serves a --fallback-eab-kid given without its key (kept out of ps). */
export const FALLBACK_EAB_NAMES: EabOptionNames = { kid: '--fallback-eab-kid', hmacKey: '--fallback-eab-hmac-key', envHmacKey: 'ACMECLI_FALLBACK_EAB_HMAC_KEY' };

/**
 * `--eab-kid`, `--eab-hmac-key` (or ACMECLI_EAB_HMAC_KEY, kept out of ps) and `--eab-alg`, as `account create`
 * and `cert issue` take them; with FALLBACK_EAB_NAMES, a fallback CA's `--fallback-eab-*` (or ACMECLI_FALLBACK_EAB_HMAC_KEY).
 */
export function eabFromOptions(options: { eabKid?: string | undefined; eabHmacKey?: string | undefined; eabAlg: EabAlgorithm }, envHmacKey: string | undefined, names: EabOptionNames = PRIMARY_EAB_NAMES): ExternalAccountBinding | undefined {
  const hmacKey = options.eabHmacKey ?? envHmacKey;
  if (!options.eabKid && !options.eabHmacKey) return undefined;
  if (!options.eabKid) throw new UsageError(`${names.hmacKey} needs ${names.kid}`);
  if (!hmacKey) throw new UsageError(`${names.kid} needs ${names.hmacKey} (or ${names.envHmacKey})`);
  return { kid: options.eabKid, hmacKey, alg: options.eabAlg };
}
