import { UsageError } from '../errors.js';

/** A DNS name after {@link normalizeZoneName}: both spellings, lowercase ASCII. */
export interface DnsName {
  /** With the trailing dot, as a zone file wants it: `example.org.` */
  readonly fqdn: string;
  /** Without the trailing dot, as ACME identifiers and hash inputs want it: `example.org` */
  readonly bare: string;
}

// RFC 1035 §2.3.4: 255 octets on the wire, which is 253 characters of text
// once the length octets and the root label are gone.
const MAX_NAME_CHARS = 253;
const MAX_LABEL_CHARS = 63;
// Letters, digits, hyphen, and underscore for service labels such as
// `_validation-persist` (RFC 8552). Anything else would either be a typo or
// break the zone-file line it is pasted into (quotes, `;`, `(`, `$`).
const LABEL_CHARS = /^[a-z0-9_-]+$/;

/**
 * Check a domain name a user typed and return it lowercased, with and without
 * the trailing dot. IDNA is not done here: a Unicode name must be given in its
 * A-label (`xn--`) form.
 *
 * Throws UsageError (one line, naming the input) for: whitespace or control
 * characters, an empty name or empty label, more than 253 characters, a label
 * over 63 characters, a label starting or ending with `-`, any character other
 * than letters, digits, `-` and `_`, and a leading `*.` (wildcards are not zones;
 * RFC 8555 §7.1.3 puts a wildcard's authorization on the base domain).
 *
 * @param what how the message names the input, e.g. `zone` or `issuer domain`.
 */
export function normalizeZoneName(input: string, what = 'zone'): DnsName {
  const refuse = (why: string): never => {
    // JSON.stringify keeps the message on one line whatever the input holds.
    throw new UsageError(`${what} ${JSON.stringify(input)} is not a valid DNS name: ${why}`);
  };
  if (input === '' || input === '.') refuse('it is empty');
  if (/[\s\x00-\x1f\x7f]/.test(input)) refuse('it contains whitespace or control characters');
  if (input.startsWith('*.') || input === '*') {
    refuse(`wildcards are not allowed here; use the base domain ${JSON.stringify(input.slice(2))}`);
  }
  if (/[^\x20-\x7e]/.test(input)) refuse('use the A-label (xn--...) form of an internationalised name');
  const bare = (input.endsWith('.') ? input.slice(0, -1) : input).toLowerCase();
  if (bare.length > MAX_NAME_CHARS) refuse(`it is longer than ${MAX_NAME_CHARS} characters`);
  for (const label of bare.split('.')) {
    if (label === '') refuse('it has an empty label');
    if (label.length > MAX_LABEL_CHARS) refuse(`label "${label.slice(0, 20)}..." is longer than ${MAX_LABEL_CHARS} characters`);
    if (!LABEL_CHARS.test(label)) refuse(`label ${JSON.stringify(label)} may only hold letters, digits, "-" and "_"`);
    // RFC 1123 §2.1 (hostname syntax, which certificates carry).
    if (label.startsWith('-') || label.endsWith('-')) refuse(`label "${label}" starts or ends with "-"`);
  }
  return { fqdn: `${bare}.`, bare };
}
