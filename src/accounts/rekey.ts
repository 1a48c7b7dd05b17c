import { rolloverAccountKey } from '../acme/account.js';
import type { AcmeClient } from '../acme/client.js';
import { UsageError } from '../errors.js';
import type { AccountKey } from '../keys/account-key.js';
import { jwkThumbprint } from '../keys/thumbprint.js';
import type { AccountCreationSteps } from './create-account.js';
import type { ResolvedAccount } from './find-account.js';

/** Keeping account URLs between runs, both ways. */
export interface AccountKeeping extends Pick<AccountCreationSteps, 'step' | 'remember'> {
  forget(directoryUrl: string, thumbprint: string): Promise<void>;
}

/**
 * `account rekey`: the account moves to `newKey` (RFC 8555 §7.3.5); its URL stays, and the URL is kept
 * under the new key's thumbprint and forgotten under the old one, which has no account any more.
 *
 * @throws UsageError when the new key is the account's key already.
 */
export async function rolloverToKey(directoryUrl: string, client: AcmeClient, account: ResolvedAccount, newKey: AccountKey, keeping: AccountKeeping): Promise<{ newThumbprint: string }> {
  const newThumbprint = await jwkThumbprint(newKey.publicJwk);
  if (newThumbprint === account.thumbprint) throw new UsageError('the new key is the same key as the current one');
  await keeping.step('rolling the account key over', () => rolloverAccountKey(client, account, newKey));
  await keeping.remember(directoryUrl, newThumbprint, account.url);
  await keeping.forget(directoryUrl, account.thumbprint);
  return { newThumbprint };
}
