import { createHash } from 'node:crypto';

import { UsageError } from '../errors.js';
import { checkAccountUri } from './account-inputs.js';
import { formatZoneLine, quoteCharacterStrings } from './zone-line.js';
import { normalizeZoneName } from './zone-name.js';

/** The draft whose construction this module follows. */
export const DNS_ACCOUNT_DRAFT = 'draft-ietf-acme-dns-account-label-02';

// RFC 4648 §6 alphabet, lowercased: DNS names compare case-insensitively and the
// draft's own example label (`_ujmmovf2vn55tgye`) is lowercase.
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
// draft-ietf-acme-dns-account-label-02: `base32(SHA-256(<ACCOUNT_URL>)[0:10])`;
// ten octets because 80 bits is exactly 16 base32 characters, with no padding.
const LABEL_HASH_OCTETS = 10;
// RFC 8555 §8.1 key authorization: token "." base64url(thumbprint).
const KEY_AUTHORIZATION = /^[-_A-Za-z0-9]+\.[-_A-Za-z0-9]{43}$/;

/**
 * The account label of dns-account-01:
 * `base32(SHA-256(accountUrl)[0:10])`, lowercase, no padding (16 characters).
 * The label depends on the account URL only, so it survives key rollover.
 * Vector: `https://example.com/acme/acct/ExampleAccount` → `ujmmovf2vn55tgye`.
 *
 * Throws UsageError unless `accountUri` is an https URL.
 */
export function dnsAccountLabel(accountUri: string): string {
  checkAccountUri(accountUri);
  const digest = createHash('sha256').update(accountUri, 'ascii').digest().subarray(0, LABEL_HASH_OCTETS);
  return base32(digest);
}

/**
 * The validation domain name `_<label>._acme-challenge.<zone>.` where the TXT
 * record goes. For a wildcard certificate pass the base domain: the authorization
 * identifier never carries `*.` (RFC 8555 §7.1.3), and the draft builds the name
 * from "the domain name being validated".
 *
 * Throws UsageError for an invalid zone (a leading `*.` included) or account URL.
 */
export function dnsAccountRecordName(zone: string, accountUri: string): string {
  const name = normalizeZoneName(zone);
  return `_${dnsAccountLabel(accountUri)}._acme-challenge.${name.fqdn}`;
}

export interface DnsAccountRecordsOptions {
  /** The domain being validated (the authorization's identifier), e.g. `example.org`. */
  zone: string;
  /** The ACME account URL (RFC 8555 §7.3). */
  accountUri: string;
  /**
   * Delegate the name with a CNAME to a zone your ACME client can update; that
   * CNAME is the one record that stays put, which is the point of dns-account-01.
   */
  cnameTarget?: string;
  /** One challenge's key authorization (RFC 8555 §8.1): the TXT line then carries its real value. */
  keyAuthorization?: string;
  /** Seconds; omitted uses the zone's `$TTL`. */
  ttl?: number;
}

/**
 * Zone-file lines for dns-account-01. The TXT value is
 * `base64url(SHA-256(keyAuthorization))` as for dns-01 (RFC 8555 §8.4), so it
 * changes with every challenge: without `keyAuthorization` the TXT line is
 * printed as a comment with a placeholder, after a comment saying why.
 * With `cnameTarget` a CNAME line delegating the name comes first.
 *
 * Throws UsageError for an invalid zone, account URL, CNAME target, key
 * authorization or TTL, or when both `cnameTarget` and `keyAuthorization` are
 * given (a name holding a CNAME can hold no TXT: RFC 1034 §3.6.2).
 */
export function dnsAccountRecords(options: DnsAccountRecordsOptions): string[] {
  const owner = dnsAccountRecordName(options.zone, options.accountUri);
  const lines = [
    `; dns-account-01 (${DNS_ACCOUNT_DRAFT}) for ${normalizeZoneName(options.zone).bare}: the name is fixed for this account,`,
    '; the TXT value is base64url(SHA-256(key authorization)) of each challenge, so it changes every time',
  ];
  if (options.cnameTarget !== undefined) {
    if (options.keyAuthorization !== undefined) {
      throw new UsageError(`${owner} cannot hold both a CNAME and a TXT record: give a CNAME target or a key authorization`);
    }
    const target = normalizeZoneName(options.cnameTarget, 'CNAME target').fqdn;
    lines.push(formatZoneLine(owner, options.ttl, 'CNAME', target));
    lines.push(`; then, in the zone of ${target} and for each challenge:`);
    lines.push(`; ${formatZoneLine(target, options.ttl, 'TXT', '"<base64url(SHA-256(key authorization))>"')}`);
    return lines;
  }
  if (options.keyAuthorization === undefined) {
    lines.push(`; ${formatZoneLine(owner, options.ttl, 'TXT', '"<base64url(SHA-256(key authorization))>"')}`);
    return lines;
  }
  if (!KEY_AUTHORIZATION.test(options.keyAuthorization)) {
    throw new UsageError('key authorization is not <token>.<43-character thumbprint> in base64url (RFC 8555 §8.1)');
  }
  const value = createHash('sha256').update(options.keyAuthorization, 'ascii').digest('base64url');
  lines.push(formatZoneLine(owner, options.ttl, 'TXT', quoteCharacterStrings(value)));
  return lines;
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff; // at most 12 pending bits matter
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >>> bits) & 31];
    }
  }
  // Ten octets are 80 bits, a multiple of 5, so nothing is left over and no "=" is needed.
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
