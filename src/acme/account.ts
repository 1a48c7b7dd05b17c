import { BadResponseError, UsageError } from '../errors.js';
import type { AcmeClient, RequestSigner } from './client.js';
import { publicMembers, signExternalAccountBinding, signRequest, type ExternalAccountBinding, type SigningKey } from './jws.js';
import type { Account } from './types.js';

/** An account as the protocol needs it: its URL (the `kid`) and its key. */
export interface AccountRef {
  url: string;
  key: SigningKey;
}

export function accountSigner(ref: AccountRef): RequestSigner {
  return { key: ref.key, identity: { kid: ref.url } };
}

export interface NewAccountOptions {
  contact?: string[];
  termsOfServiceAgreed?: boolean;
  externalAccountBinding?: ExternalAccountBinding;
}

export interface AccountResult {
  url: string;
  account: Account;
  /** False when the key already had an account: RFC 8555 §7.3.1, 200 with its Location. */
  created: boolean;
}

/**
 * RFC 8555 §7.3 newAccount, with §7.3.4 External Account Binding when given.
 * Throws ACME_PROBLEM as the CA answers (e.g. externalAccountRequired, invalidContact).
 */
export async function createAccount(client: AcmeClient, key: SigningKey, options: NewAccountOptions): Promise<AccountResult> {
  const directory = await client.directory();
  const payload: Record<string, unknown> = {};
  if (options.contact) payload.contact = options.contact;
  if (options.termsOfServiceAgreed) payload.termsOfServiceAgreed = true;
  if (options.externalAccountBinding) {
    payload.externalAccountBinding = await signExternalAccountBinding(options.externalAccountBinding, key.publicJwk, directory.newAccount);
  }
  const res = await client.post<Account>(directory.newAccount, payload, { key, identity: { jwk: key.publicJwk } });
  return { url: requireLocation(res.location, directory.newAccount), account: res.body, created: res.status === 201 };
}

/**
 * RFC 8555 §7.3.1 `onlyReturnExisting`: the account URL of a key, creating nothing.
 * Throws ACME_PROBLEM `accountDoesNotExist` when the key has no account here.
 */
export async function findAccountByKey(client: AcmeClient, key: SigningKey): Promise<{ url: string; account: Account }> {
  const directory = await client.directory();
  const res = await client.post<Account>(directory.newAccount, { onlyReturnExisting: true }, { key, identity: { jwk: key.publicJwk } });
  return { url: requireLocation(res.location, directory.newAccount), account: res.body };
}

/** RFC 8555 §7.3.3: POST-as-GET of the account URL. */
export async function fetchAccount(client: AcmeClient, ref: AccountRef): Promise<Account> {
  return (await client.postAsGet<Account>(ref.url, accountSigner(ref))).body;
}

/** RFC 8555 §7.3.2: replaces the contact list; an empty list removes every contact. */
export async function updateAccountContacts(client: AcmeClient, ref: AccountRef, contact: string[]): Promise<Account> {
  return (await client.post<Account>(ref.url, { contact }, accountSigner(ref))).body;
}

/**
 * RFC 8555 §7.3.5 key rollover: an inner JWS signed by the new key (with `jwk`,
 * no nonce) naming the account and the old key, inside an outer JWS signed by
 * the old key. The account URL stays; the thumbprint changes.
 */
export async function rolloverAccountKey(client: AcmeClient, ref: AccountRef, newKey: SigningKey): Promise<void> {
  const directory = await client.directory();
  if (typeof directory.keyChange !== 'string') throw new BadResponseError('the CA\'s directory has no keyChange URL: it does not offer key rollover (RFC 8555 §7.3.5)');
  const inner = await signRequest(newKey, { jwk: newKey.publicJwk }, directory.keyChange, undefined, {
    account: ref.url,
    oldKey: publicMembers(ref.key.publicJwk),
  });
  await client.postIgnoringBody(directory.keyChange, inner, accountSigner(ref));
}

/** RFC 8555 §7.3.6: irreversible; the CA refuses every later request from this account. */
export async function deactivateAccount(client: AcmeClient, ref: AccountRef): Promise<Account> {
  return (await client.post<Account>(ref.url, { status: 'deactivated' }, accountSigner(ref))).body;
}

/**
 * RFC 8555 §7.3: contacts are URLs; acmecli takes `mailto:` only, as Let's Encrypt
 * and most CAs accept nothing else. Throws USAGE naming the first bad one.
 */
export function validateContacts(contacts: readonly string[]): string[] {
  return contacts.map((contact) => {
    const match = /^mailto:([^@\s,]+@[^@\s,]+\.[^@\s,]+)$/i.exec(contact.trim());
    if (!match) {
      const hint = contact.includes('@') && !contact.startsWith('mailto:') ? ` (write mailto:${contact})` : '';
      throw new UsageError(`contact ${JSON.stringify(contact)} is not a mailto: URI${hint}`);
    }
    return `mailto:${match[1]}`;
  });
}

function requireLocation(location: string | undefined, url: string): string {
  if (!location) throw new BadResponseError(`${url} gave no Location header for the account`);
  return location;
}
