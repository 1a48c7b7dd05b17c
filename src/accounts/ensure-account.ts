import { validateContacts, type AccountRef } from '../acme/account.js';
import type { AcmeClient } from '../acme/client.js';
import type { ExternalAccountBinding } from '../acme/jws.js';
import { AcmeProblemError } from '../acme/problem.js';
import type { AccountKey } from '../keys/account-key.js';
import { createAccountFor, type AccountCreationSteps } from './create-account.js';

/** What a lineage's run may use to make its account when the key has none at its CA yet. */
export interface AccountWanted {
  directoryUrl: string;
  client: AcmeClient;
  key: AccountKey;
  /** Contacts given on this command line (addresses, with or without mailto:); the lineage's stored ones stand in when none. */
  email: readonly string[];
  storedContact?: readonly string[] | undefined;
  /** --agree-tos on this command line, or stored with the lineage. */
  agreeTos: boolean;
  eab?: ExternalAccountBinding | undefined;
}

export interface EnsuredAccount {
  account: AccountRef;
  thumbprint: string;
  /** The new account's URL, when it was made now (the caller says so). */
  createdUrl?: string;
}

/**
 * The key's account at this CA, found by `findExisting` (a cache, or onlyReturnExisting), or made now
 * when the CA says there is none: one command goes from nothing to a certificate. At renewal (a fallback
 * CA's first turn, or a CA that lost the account) the lineage's stored contacts and agreement stand in
 * for the command line. Any other failure of the look-up is the caller's.
 */
export async function findOrCreateAccount(
  wanted: AccountWanted,
  findExisting: () => Promise<{ url: string; thumbprint: string }>,
  steps: AccountCreationSteps,
): Promise<EnsuredAccount> {
  try {
    const found = await findExisting();
    return { account: { url: found.url, key: wanted.key }, thumbprint: found.thumbprint };
  } catch (err) {
    if (!(err instanceof AcmeProblemError && err.is('accountDoesNotExist'))) throw err;
  }
  const email = wanted.email.length > 0 ? wanted.email : wanted.storedContact ?? [];
  const contact = validateContacts(email.map((e) => (e.startsWith('mailto:') ? e : `mailto:${e}`)));
  const created = await createAccountFor({
    directoryUrl: wanted.directoryUrl, client: wanted.client, key: wanted.key, contact, agreeTos: wanted.agreeTos, eab: wanted.eab,
    question: 'This key has no account yet. Do you agree to',
  }, steps);
  return { account: { url: created.url, key: wanted.key }, thumbprint: created.thumbprint, createdUrl: created.url };
}
