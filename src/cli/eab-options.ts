import type { EabAlgorithm, ExternalAccountBinding } from '../acme/jws.js';
import { resolveDirectoryUrl } from '../acme/known-directories.js';
import { UsageError } from '../errors.js';

/** The options and the variable that give one CA's EAB, named in the messages. */
interface EabOptionNames {
  kid: string;
  hmacKey: string;
  envHmacKey: string;
}

const PRIMARY_EAB_NAMES: EabOptionNames = { kid: '--eab-kid', hmacKey: '--eab-hmac-key', envHmacKey: 'ACMECLI_EAB_HMAC_KEY' };
/** A --fallback-acme-url's EAB: the variable serves a --fallback-eab-kid given without its key (kept out of ps). */
const FALLBACK_EAB_NAMES: EabOptionNames = { kid: '--fallback-eab-kid', hmacKey: '--fallback-eab-hmac-key', envHmacKey: 'ACMECLI_FALLBACK_EAB_HMAC_KEY' };

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

/**
 * `cert issue`'s EAB by directory URL: `--eab-*` for the lineage's own CA (`directoryUrl`), and each
 * `--fallback-eab-*` for the `--fallback-acme-url` given before it. Used once, to make the accounts; never stored.
 */
export function eabByDirectoryFromOptions(
  options: { eabKid?: string | undefined; eabHmacKey?: string | undefined; eabAlg: EabAlgorithm },
  fallbacks: readonly { url: string; eabKid?: string | undefined; eabHmacKey?: string | undefined }[],
  directoryUrl: string,
  env: Readonly<Record<string, string | undefined>>,
  allowHttp: boolean,
): Map<string, ExternalAccountBinding> {
  const eabByDirectory = new Map<string, ExternalAccountBinding>();
  const primaryEab = eabFromOptions(options, env.ACMECLI_EAB_HMAC_KEY);
  if (primaryEab) eabByDirectory.set(directoryUrl, primaryEab);
  // One variable holds one key: it cannot tell two fallbacks apart, so a second one needs its key on the command line.
  const envFallbackKey = env.ACMECLI_FALLBACK_EAB_HMAC_KEY || undefined;
  if (envFallbackKey && fallbacks.filter((spec) => spec.eabKid && !spec.eabHmacKey).length > 1) {
    throw new UsageError('ACMECLI_FALLBACK_EAB_HMAC_KEY serves one --fallback-eab-kid without --fallback-eab-hmac-key, not several: give the others their key');
  }
  for (const spec of fallbacks) {
    const eab = eabFromOptions({ eabKid: spec.eabKid, eabHmacKey: spec.eabHmacKey, eabAlg: options.eabAlg }, envFallbackKey, FALLBACK_EAB_NAMES);
    if (eab) eabByDirectory.set(resolveDirectoryUrl(spec.url, allowHttp), eab);
  }
  return eabByDirectory;
}
