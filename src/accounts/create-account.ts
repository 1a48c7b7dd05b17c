import { createAccount, type AccountResult } from '../acme/account.js';
import type { AcmeClient } from '../acme/client.js';
import type { ExternalAccountBinding } from '../acme/jws.js';
import type { Directory } from '../acme/types.js';
import { UsageError } from '../errors.js';
import type { AccountKey } from '../keys/account-key.js';
import { jwkThumbprint } from '../keys/thumbprint.js';

export interface AccountSetup {
  directoryUrl: string;
  client: AcmeClient;
  key: AccountKey;
  contact: string[];
  agreeTos: boolean;
  eab?: ExternalAccountBinding | undefined;
  /** Asked before the CA's terms of service URL. */
  question?: string;
}

/** What the account flow needs from whoever runs it (the CLI: its directory cache, terminal, progress and cache). */
export interface AccountCreationSteps {
  /** The CA's directory, fetched once per client and kept for later runs. */
  directory(client: AcmeClient): Promise<Directory>;
  /** Resolves when the person agreed to the terms (asked on a terminal); throws when they did not or cannot be asked. */
  agreeToTerms(question: string): Promise<void>;
  /** Runs one step the person may watch (a spinner on a terminal). */
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
  /** Keeps the account URL so later runs need no look-up; never fails the flow. */
  remember(directoryUrl: string, thumbprint: string, accountUrl: string): Promise<void>;
}

/**
 * The one way an account is made: EAB when the CA requires it, the terms of service agreed
 * by flag or by the person (never a hang where nobody can answer), then newAccount (RFC 8555
 * §7.3), and the URL kept so later runs need no look-up.
 */
export async function createAccountFor(setup: AccountSetup, steps: AccountCreationSteps): Promise<AccountResult & { thumbprint: string }> {
  const directory = await steps.directory(setup.client);
  if (directory.meta?.externalAccountRequired && !setup.eab) {
    throw new UsageError(`${setup.directoryUrl} requires External Account Binding: pass --eab-kid and --eab-hmac-key from the CA`);
  }
  const tos = directory.meta?.termsOfService;
  if (tos && !setup.agreeTos) await steps.agreeToTerms(`${setup.question ?? 'Do you agree to'} the terms of service at ${tos}?`);
  const created = await steps.step('creating the account', () =>
    createAccount(setup.client, setup.key, { contact: setup.contact, termsOfServiceAgreed: Boolean(tos), ...(setup.eab ? { externalAccountBinding: setup.eab } : {}) }));
  const thumbprint = await jwkThumbprint(setup.key.publicJwk);
  await steps.remember(setup.directoryUrl, thumbprint, created.url);
  return { ...created, thumbprint };
}
