import { findAccountByKey, type AccountRef } from '../acme/account.js';
import type { AcmeClient } from '../acme/client.js';
import type { Account } from '../acme/types.js';
import type { AccountKey } from '../keys/account-key.js';
import { jwkThumbprint } from '../keys/thumbprint.js';
import type { AccountCreationSteps } from './create-account.js';

export interface ResolvedAccount extends AccountRef {
  thumbprint: string;
  /** Where the URL came from: the local cache (no round trip) or the CA. */
  source: 'cache' | 'server';
  /** The account object, when the CA was asked this run. */
  account?: Account;
}

/** Where account URLs are kept between runs, and the CA's directory (fetched and kept), as the account flow uses them. */
export interface AccountMemory extends Pick<AccountCreationSteps, 'directory' | 'remember'> {
  /** The URL an earlier run kept for this key at this CA, if any. */
  recall(directoryUrl: string, thumbprint: string): Promise<string | undefined>;
}

/**
 * The key's account at a CA: the URL kept by an earlier run (no round trip), unless `preferServer`;
 * otherwise RFC 8555 §7.3.1 onlyReturnExisting, and the URL kept for next time. A key without an
 * account there rejects with the CA's accountDoesNotExist.
 */
export async function findAccount(directoryUrl: string, client: AcmeClient, key: AccountKey, memory: AccountMemory, options: { preferServer?: boolean } = {}): Promise<ResolvedAccount> {
  const thumbprint = await jwkThumbprint(key.publicJwk);
  if (!options.preferServer) {
    const kept = await memory.recall(directoryUrl, thumbprint);
    if (kept) return { url: kept, key, thumbprint, source: 'cache' };
  }
  await memory.directory(client);
  const found = await findAccountByKey(client, key);
  await memory.remember(directoryUrl, thumbprint, found.url);
  return { url: found.url, key, thumbprint, source: 'server', account: found.account };
}
