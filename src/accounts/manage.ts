import { deactivateAccount, fetchAccount, updateAccountContacts, validateContacts } from '../acme/account.js';
import type { AcmeClient } from '../acme/client.js';
import type { Account } from '../acme/types.js';
import { UsageError } from '../errors.js';
import type { ResolvedAccount } from './find-account.js';
import type { AccountKeeping } from './rekey.js';

/** `account show`: the account object, asked of the CA unless the look-up just brought it. */
export async function accountDetails(client: AcmeClient, account: ResolvedAccount): Promise<Account> {
  return account.account ?? fetchAccount(client, account);
}

/**
 * `account update CONTACT...`: mailto: URIs, or the one word `clear` for none.
 *
 * @throws UsageError for `clear` among contacts, or a contact that is not a mailto: URI.
 */
export function contactsToSet(words: readonly string[]): string[] {
  const isClear = words.length === 1 && words[0] === 'clear';
  if (!isClear && words.includes('clear')) throw new UsageError('`clear` must be given alone');
  return isClear ? [] : validateContacts(words);
}

/** The account's contacts replaced (RFC 8555 §7.3.2). */
export async function replaceContacts(client: AcmeClient, account: ResolvedAccount, contact: string[], keeping: Pick<AccountKeeping, 'step'>): Promise<Account> {
  return keeping.step('updating contacts', () => updateAccountContacts(client, account, contact));
}

/** The account deactivated for good (RFC 8555 §7.3.6), and its URL forgotten: the key has no usable account there any more. */
export async function deactivateForGood(directoryUrl: string, client: AcmeClient, account: ResolvedAccount, keeping: Pick<AccountKeeping, 'step' | 'forget'>): Promise<Account> {
  const updated = await keeping.step('deactivating the account', () => deactivateAccount(client, account));
  await keeping.forget(directoryUrl, account.thumbprint);
  return updated;
}
