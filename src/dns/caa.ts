import { UsageError } from '../errors.js';
import { checkAccountUri } from './account-inputs.js';
import { formatZoneLine, quoteCharacterStrings } from './zone-line.js';
import { normalizeZoneName } from './zone-name.js';

/**
 * ACME validation method labels (IANA "ACME Validation Methods" registry, plus the
 * two drafts acmecli writes records for) that a CAA `validationmethods` parameter
 * may name (RFC 8657 §4). `--help` and typo messages read this table.
 */
export const CAA_VALIDATION_METHODS = {
  'http-01': { reference: 'RFC 8555 §8.3' },
  'dns-01': { reference: 'RFC 8555 §8.4' },
  'tls-alpn-01': { reference: 'RFC 8737' },
  'dns-account-01': { reference: 'draft-ietf-acme-dns-account-label' },
  'dns-persist-01': { reference: 'draft-ietf-acme-dns-persist' },
  'email-reply-00': { reference: 'RFC 8823' },
  'tkauth-01': { reference: 'RFC 9447' },
  'onion-csr-01': { reference: 'RFC 9799' },
} as const satisfies Record<string, { reference: string }>;

export interface CaaRecordsOptions {
  /** The name the records go on, e.g. `example.org`; covers its subdomains too (RFC 8659 §3). */
  zone: string;
  /** Issuer domain names, usually the directory's `meta.caaIdentities` (RFC 8555 §7.1.1). */
  caaIdentities: readonly string[];
  /** Restrict issuance to this ACME account (RFC 8657 §3). */
  accountUri?: string;
  /** Restrict issuance to these validation methods (RFC 8657 §4). */
  validationMethods?: readonly string[];
  /**
   * Wildcard policy (RFC 8659 §4.3). `true`: add `issuewild` records with the same
   * values. `false`: add `issuewild ";"`, which forbids wildcard certificates.
   * Omitted: no `issuewild`, so the `issue` records govern wildcards as well.
   */
  issueWild?: boolean;
  /** Seconds; omitted uses the zone's `$TTL`. */
  ttl?: number;
}

// RFC 8657 §4: a method label is `1*(ALPHA / DIGIT / "-")`; CA-specific methods
// not in the IANA registry "MUST use identifiers beginning with the string ca-".
const CA_SPECIFIC_METHOD = /^ca-[a-z0-9-]+$/;

/**
 * Zone-file lines for CAA records (RFC 8659 §4.1.1 presentation form) that
 * allow the given CA identities to issue for `zone`, optionally bound to one
 * account and to some validation methods (RFC 8657), e.g.
 * `example.org.  IN  CAA 0 issue "letsencrypt.org; accounturi=https://...; validationmethods=dns-01"`.
 *
 * Throws UsageError for an invalid zone or issuer domain name, no identities,
 * an account URI that is not an https URL, an unknown validation method, or a bad TTL.
 */
export function caaRecords(options: CaaRecordsOptions): string[] {
  const zone = normalizeZoneName(options.zone);
  return caaRecordValues(options).map((r) => formatZoneLine(zone.fqdn, options.ttl, 'CAA', `0 ${r.tag} ${quoteCharacterStrings(r.value)}`));
}

/** One CAA record as it goes on the wire: flags 0, the tag, the value (RFC 8659 §4.1). */
export interface CaaValue {
  tag: 'issue' | 'issuewild';
  value: string;
}

/**
 * The CAA records {@link caaRecords} prints, as tag and value (what `dns publish`
 * writes). Same checks, same UsageErrors.
 */
export function caaRecordValues(options: CaaRecordsOptions): CaaValue[] {
  const zone = normalizeZoneName(options.zone);
  if (options.caaIdentities.length === 0) {
    throw new UsageError(`no CA identity to allow for zone ${zone.bare}: give at least one issuer domain name`);
  }
  // RFC 8659 §4.2: issuer-domain-name has no trailing dot; matching is case-insensitive.
  const identities = [...new Set(options.caaIdentities.map((id) => normalizeZoneName(id, 'CA identity').bare))];

  const parameters: string[] = [];
  if (options.accountUri !== undefined) parameters.push(`accounturi=${checkAccountUri(options.accountUri)}`);
  if (options.validationMethods !== undefined) {
    parameters.push(`validationmethods=${checkValidationMethods(options.validationMethods).join(',')}`);
  }
  const value = (identity: string) => [identity, ...parameters].join('; ');

  const records: CaaValue[] = identities.map((id) => ({ tag: 'issue', value: value(id) }));
  if (options.issueWild === true) {
    for (const id of identities) records.push({ tag: 'issuewild', value: value(id) });
  } else if (options.issueWild === false) {
    // RFC 8659 §4.3: an issuewild with no issuer-domain-name forbids wildcard issuance.
    records.push({ tag: 'issuewild', value: ';' });
  }
  return records;
}

function checkValidationMethods(methods: readonly string[]): string[] {
  // RFC 8657 §4: an empty list would be `validationmethods=`, which matches no method.
  if (methods.length === 0) throw new UsageError('validation methods list is empty: omit it to allow every method');
  const known = Object.keys(CAA_VALIDATION_METHODS);
  const checked = methods.map((raw) => {
    const method = raw.toLowerCase();
    if (!known.includes(method) && !CA_SPECIFIC_METHOD.test(method)) {
      throw new UsageError(`unknown validation method ${JSON.stringify(raw)}: use one of ${known.join(', ')} or a "ca-" name`);
    }
    return method;
  });
  return [...new Set(checked)];
}
