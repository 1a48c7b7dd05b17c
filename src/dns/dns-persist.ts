import { createHash } from 'node:crypto';

import { UsageError } from '../errors.js';
import { checkAccountUri, checkThumbprint } from './account-inputs.js';
import { formatZoneLine, quoteCharacterStrings } from './zone-line.js';
import { normalizeZoneName } from './zone-name.js';

/**
 * The wire forms of the dns-persist-01 record, by the draft that introduced them.
 * `01` is the form of draft-ietf-acme-dns-persist-00 and -01 (§4 / §4.1 item 3):
 * `accounturi` is the account URL itself. `02` is draft-02 §4.1 item 3: `accounturi`
 * is a hashed URI under the CA's `meta.accountHashPrefix`, and -01 records are
 * "no longer accepted" (draft-02 Change Log).
 */
export const PERSIST_DRAFTS = {
  '01': { document: 'draft-ietf-acme-dns-persist-01', accountUri: 'account URL', sameWireFormAs: ['00'] },
  '02': { document: 'draft-ietf-acme-dns-persist-02', accountUri: 'hashed URI', sameWireFormAs: [] },
} as const satisfies Record<string, { document: string; accountUri: string; sameWireFormAs: readonly string[] }>;

export type PersistDraft = keyof typeof PERSIST_DRAFTS;

/** draft-02 §4.1: `<hash-alg>` is the RFC 6920 §9.4 Hash Name String; sha-256 is mandatory to implement. */
export const PERSIST_HASH_ALG = 'sha-256';

// draft-02 §4: the Validation Domain Name is this label prepended to the FQDN.
const PERSIST_LABEL = '_validation-persist';

export interface DnsPersistRecordsOptions {
  /** The FQDN being validated, e.g. `example.org` (the record goes on `_validation-persist.example.org.`). */
  zone: string;
  /** One of the CA's Issuer Domain Names (draft-02 §3.1, §3.2: directory `meta.issuerDomainNames`). */
  issuerDomain: string;
  /** The ACME account URL (RFC 8555 §7.3). */
  accountUri: string;
  draft: PersistDraft;
  /** draft 02 only, required there: the directory's `meta.accountHashPrefix` (draft-02 §4.1). */
  accountHashPrefix?: string;
  /** draft 02 only, required there: the account key's RFC 7638 thumbprint, 43 base64url characters. */
  thumbprint?: string;
  /**
   * draft 02 only. `domain` (default) hashes the zone into the URI so records for
   * different domains cannot be correlated; `any` hashes `*` instead, giving one URI
   * reusable on every domain (draft-02 §4.1 item 3.2, §7.2.3).
   */
  hashScope?: 'domain' | 'any';
  /** Add `policy=wildcard`: the record then also covers `*.zone` and every subdomain (draft-02 §5.1). */
  wildcard?: boolean;
  /** Add `persistUntil=<UNIX seconds>`: CAs ignore the record after this instant (draft-02 §4.1 item 5). */
  persistUntil?: Date;
  /** Seconds; omitted uses the zone's `$TTL`. */
  ttl?: number;
}

/**
 * Zone-file lines for a dns-persist-01 record: a `;` comment naming the draft,
 * then the TXT record, e.g. for draft 01
 * `_validation-persist.example.org.  IN  TXT "letsencrypt.org; accounturi=https://...; policy=wildcard"`.
 *
 * Throws UsageError for an invalid zone or issuer domain, an account URL that is
 * not https, draft 02 without `accountHashPrefix` or `thumbprint` (or with bad ones),
 * draft-02-only options given for draft 01, or an invalid `persistUntil`/TTL.
 */
export function dnsPersistRecords(options: DnsPersistRecordsOptions): string[] {
  const record = dnsPersistRecordValue(options);
  return [record.comment, formatZoneLine(record.owner, options.ttl, 'TXT', quoteCharacterStrings(record.value))];
}

/**
 * The record {@link dnsPersistRecords} prints, as owner name (`_validation-persist.example.org.`),
 * TXT value, and the comment line (what `dns publish` writes). Same checks, same UsageErrors.
 */
export function dnsPersistRecordValue(options: DnsPersistRecordsOptions): { owner: string; value: string; issuer: string; comment: string } {
  const zone = normalizeZoneName(options.zone);
  // draft-02 §3.1: issuer domain names are lowercase A-labels without a trailing dot.
  const issuer = normalizeZoneName(options.issuerDomain, 'issuer domain').bare;
  const accountUri = checkAccountUri(options.accountUri);
  const spec = PERSIST_DRAFTS[options.draft];
  if (spec === undefined) throw new UsageError(`unknown dns-persist draft ${JSON.stringify(options.draft)}`);

  let accountUriValue: string;
  if (options.draft === '02') {
    if (options.accountHashPrefix === undefined) {
      throw new UsageError(`${spec.document} needs the CA directory's meta.accountHashPrefix to build the accounturi`);
    }
    if (options.thumbprint === undefined) {
      throw new UsageError(`${spec.document} needs the account key thumbprint to build the accounturi`);
    }
    const domain = options.hashScope === 'any' ? '*' : zone.bare;
    accountUriValue = persistHashedAccountUri(options.accountHashPrefix, domain, options.thumbprint, accountUri);
  } else {
    if (options.accountHashPrefix !== undefined || options.thumbprint !== undefined || options.hashScope !== undefined) {
      throw new UsageError(`${spec.document} puts the plain account URL in the record: accountHashPrefix, thumbprint and hashScope apply to draft 02`);
    }
    accountUriValue = accountUri;
  }

  // Parameter order follows the drafts' examples (draft-02 §10.6): accounturi, policy, persistUntil.
  const parts = [issuer, `accounturi=${accountUriValue}`];
  if (options.wildcard === true) parts.push('policy=wildcard');
  let until = '';
  if (options.persistUntil !== undefined) {
    const seconds = unixSeconds(options.persistUntil);
    parts.push(`persistUntil=${seconds}`);
    until = `, ignored by CAs after ${new Date(seconds * 1000).toISOString()}`;
  }
  const scope = options.wildcard === true ? `${zone.bare}, *.${zone.bare} and subdomains` : `${zone.bare} only`;
  return {
    owner: `${PERSIST_LABEL}.${zone.fqdn}`,
    value: parts.join('; '),
    issuer,
    comment: `; dns-persist-01 (${spec.document}) for ${scope}${until}`,
  };
}

/**
 * The draft-02 hashed account URI (§4.1 item 3):
 * `<accountHashPrefix>sha-256/<base64url(SHA-256(len(domain) || domain || thumbprint || accountUrl))>`,
 * where `len` is one octet, `domain` is the lowercase FQDN without trailing dot
 * (or `*` for the cross-domain form), and `thumbprint` is the 43 ASCII characters
 * of the base64url JWK thumbprint. Test vector: draft-02 §10.2.
 *
 * Throws UsageError for a bad prefix, domain or thumbprint.
 */
export function persistHashedAccountUri(accountHashPrefix: string, domain: string, thumbprint: string, accountUri: string): string {
  const bareDomain = domain === '*' ? '*' : normalizeZoneName(domain).bare;
  checkThumbprint(thumbprint);
  checkAccountUri(accountUri);
  // draft-02 §4.1: "The CA MUST choose a prefix such that appending the remaining
  // components yields a valid URI"; what we append is base64url, so the prefix
  // itself must already be a URL that fits in a record.
  checkAccountUri(accountHashPrefix, 'accountHashPrefix');
  const input = Buffer.concat([
    Buffer.of(bareDomain.length), // ≤ 253 after normalizeZoneName, so one octet holds it
    Buffer.from(bareDomain, 'ascii'),
    Buffer.from(thumbprint, 'ascii'),
    Buffer.from(accountUri, 'ascii'),
  ]);
  return `${accountHashPrefix}${PERSIST_HASH_ALG}/${createHash('sha256').update(input).digest('base64url')}`;
}

/**
 * Pick the record form a CA expects from its directory `meta` object:
 * `accountHashPrefix` is required of a dns-persist-01 CA by draft-02 §4.1 and
 * registered by §8.3, and did not exist before, so its presence means draft 02.
 * `override` (from the command line) wins.
 */
export function choosePersistDraft(directoryMeta: Readonly<Record<string, unknown>> | undefined, override?: PersistDraft): PersistDraft {
  if (override !== undefined) return parsePersistDraft(override);
  return typeof directoryMeta?.['accountHashPrefix'] === 'string' ? '02' : '01';
}

/**
 * The directory's Issuer Domain Names (draft-02 §3.2), or undefined when the
 * array is missing or nonconforming (empty, more than 10, not lowercase
 * A-labels without trailing dot), which §3.2 says to treat as unavailable.
 */
export function persistIssuerDomainNames(directoryMeta: Readonly<Record<string, unknown>> | undefined): string[] | undefined {
  const names = directoryMeta?.['issuerDomainNames'];
  if (!Array.isArray(names) || names.length === 0 || names.length > 10) return undefined;
  const conforming = names.every((name) => {
    if (typeof name !== 'string') return false;
    try {
      return normalizeZoneName(name).bare === name;
    } catch {
      return false;
    }
  });
  return conforming ? (names as string[]) : undefined;
}

/**
 * Read a draft name as typed on the command line: `00`, `01`, `02`, or the full
 * `draft-ietf-acme-dns-persist-0N`. `00` maps to `01`, whose wire form it shares.
 *
 * Throws UsageError for anything else.
 */
export function parsePersistDraft(text: string): PersistDraft {
  const short = text.replace(/^draft-ietf-acme-dns-persist-/, '');
  for (const [draft, spec] of Object.entries(PERSIST_DRAFTS) as [PersistDraft, (typeof PERSIST_DRAFTS)[PersistDraft]][]) {
    if (short === draft || (spec.sameWireFormAs as readonly string[]).includes(short)) return draft;
  }
  throw new UsageError(`unknown dns-persist draft ${JSON.stringify(text)}: use 00, 01 or 02`);
}

function unixSeconds(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError('persistUntil is not a valid date after 1970-01-01');
  // draft-02 §4.1 item 5: "a base-10 encoded integer representing a UNIX timestamp";
  // round down so the record never outlives the instant the user asked for.
  return Math.floor(ms / 1000);
}

/** What a dns-persist-01 record must say for this account and this CA (draft-01 and draft-02 forms). */
export interface PersistExpectation {
  /** The FQDN validated (the identifier; for `*.example.org` it is `example.org`). */
  domain: string;
  /** The challenge's `issuer-domain-names` (draft-02 §3.2); empty: the CA named none, any issuer is taken. */
  issuerDomainNames: readonly string[];
  /** The ACME account URL: draft 01's `accounturi`, and an input of draft 02's hash. */
  accountUrl: string;
  /** The account key's RFC 7638 thumbprint (draft 02's hash input). */
  thumbprint: string;
  /** The directory's `meta.accountHashPrefix`; without it only the draft-01 form can match. */
  accountHashPrefix?: string | undefined;
  /** The authorization is for a wildcard: the record must carry `policy=wildcard` (draft-02 §5.1). */
  wildcard: boolean;
  /** Unix seconds now: a record past its `persistUntil` is ignored by CAs (draft-02 §4.1 item 5). */
  nowSeconds: number;
}

/**
 * Checks one dns-persist-01 record (`issuer; accounturi=…; policy=…; persistUntil=…`)
 * against what the CA will check: the issuer domain is one the CA named, the
 * accounturi is this account's, in the draft-01 form (the URL) or the draft-02 form
 * (hashed for this domain or for `*`), `policy=wildcard` for a wildcard, and a
 * `persistUntil` still in the future. Returns why it does not match, or undefined.
 */
export function persistRecordMismatch(record: string, expected: PersistExpectation): string | undefined {
  const [issuerPart = '', ...parameterParts] = record.split(';').map((part) => part.trim());
  const issuer = issuerPart.toLowerCase().replace(/\.$/, '');
  const params = new Map<string, string>();
  for (const part of parameterParts) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return `parameter ${JSON.stringify(part)} is not key=value`;
    params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (expected.issuerDomainNames.length > 0 && !expected.issuerDomainNames.map((n) => n.toLowerCase()).includes(issuer)) {
    return `issuer ${JSON.stringify(issuer)} is not one the CA named (${expected.issuerDomainNames.join(', ')})`;
  }
  const accountUri = params.get('accounturi');
  if (accountUri === undefined) return 'it has no accounturi=';
  const accepted = [expected.accountUrl];
  if (expected.accountHashPrefix !== undefined) {
    for (const scope of [expected.domain, '*']) {
      try {
        accepted.push(persistHashedAccountUri(expected.accountHashPrefix, scope, expected.thumbprint, expected.accountUrl));
      } catch {
        // a prefix or thumbprint we cannot hash with leaves only the draft-01 form
      }
    }
  }
  if (!accepted.includes(accountUri)) return `accounturi ${JSON.stringify(accountUri.length > 100 ? `${accountUri.slice(0, 100)}…` : accountUri)} is not this account's`;
  if (expected.wildcard && params.get('policy')?.toLowerCase() !== 'wildcard') return 'a wildcard needs policy=wildcard';
  const until = params.get('persistuntil');
  if (until !== undefined) {
    if (!/^\d+$/.test(until)) return `persistUntil ${JSON.stringify(until)} is not a UNIX time`;
    if (Number(until) <= expected.nowSeconds) return `persistUntil ${new Date(Number(until) * 1000).toISOString()} has passed`;
  }
  return undefined;
}

/**
 * The names whose dns-persist-01 records a key rollover makes stale: draft-02 records hash the
 * key thumbprint into accounturi (CAA and dns-account-01 use the account URL, which stays), and
 * a CA that advertises meta.accountHashPrefix expects that form. Names come from the lineages
 * that prove them with --dns-persist; a wildcard's record is on its base name.
 */
export function persistNamesToRepublish(
  configs: ReadonlyArray<{ solvers: ReadonlyArray<{ kind: string }>; identifiers: ReadonlyArray<{ type: string; value: string }> }>,
  directoryMeta: Readonly<Record<string, unknown>> | undefined,
): string[] {
  if (typeof directoryMeta?.['accountHashPrefix'] !== 'string') return [];
  const names = new Set<string>();
  for (const config of configs) {
    if (!config.solvers.some((s) => s.kind === 'dns-persist')) continue;
    for (const id of config.identifiers) if (id.type === 'dns') names.add(id.value.replace(/^\*\./, ''));
  }
  return [...names].sort();
}
