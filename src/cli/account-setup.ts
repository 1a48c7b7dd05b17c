import { createAccount, type AccountResult } from '../acme/account.js';
import type { AcmeClient } from '../acme/client.js';
import type { EabAlgorithm, ExternalAccountBinding } from '../acme/jws.js';
import { UsageError } from '../errors.js';
import type { AccountKey } from '../keys/account-key.js';
import { jwkThumbprint } from '../keys/thumbprint.js';
import type { CliContext } from './context.js';
import { confirmOrFail } from './prompt.js';

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

export interface AccountSetup {
  directoryUrl: string;
  client: AcmeClient;
  key: AccountKey;
  contact: string[];
  agreeTos: boolean;
  eab?: ExternalAccountBinding | undefined;
  /** Asked on a terminal before the CA's terms of service URL. */
  question?: string;
}

/**
 * The one way a command makes an account: EAB when the CA requires it, the terms
 * of service agreed by flag or on a terminal (never a hang elsewhere), then
 * newAccount, and the URL cached so later runs need no look-up.
 */
export async function setUpAccount(ctx: CliContext, setup: AccountSetup): Promise<AccountResult & { thumbprint: string }> {
  const directory = await ctx.directoryOf(setup.client);
  if (directory.meta?.externalAccountRequired && !setup.eab) {
    throw new UsageError(`${setup.directoryUrl} requires External Account Binding: pass --eab-kid and --eab-hmac-key from the CA`);
  }
  const tos = directory.meta?.termsOfService;
  if (tos && !setup.agreeTos) await confirmOrFail(ctx.io, `${setup.question ?? 'Do you agree to'} the terms of service at ${tos}?`, '--agree-tos');
  const created = await ctx.output.step('creating the account', () =>
    createAccount(setup.client, setup.key, { contact: setup.contact, termsOfServiceAgreed: Boolean(tos), ...(setup.eab ? { externalAccountBinding: setup.eab } : {}) }));
  const thumbprint = await jwkThumbprint(setup.key.publicJwk);
  await ctx.cache.saveAccount(setup.directoryUrl, thumbprint, created.url).catch((err: unknown) => ctx.output.warn(`cannot cache the account URL: ${(err as Error).message}`));
  return { ...created, thumbprint };
}
