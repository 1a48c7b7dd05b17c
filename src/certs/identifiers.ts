import { ipAddressVersion } from '../net/ip-address.js';
import { domainToASCII, domainToUnicode } from 'node:url';
import type { Identifier } from '../acme/types.js';
import { UsageError } from '../errors.js';
import { truncatedEcho } from '../printable.js';

export type { Identifier, IdentifierType } from '../acme/types.js';

/** RFC 1035 §2.3.4: 255 octets on the wire, which is 253 characters written without the trailing dot. */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** RFC 1123 §2.1 LDH label: letters, digits and hyphens, starting and ending with a letter or digit. */
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Reads the names given to `cert issue -d`, in order: lowercased DNS names and
 * IP addresses (IPv4, or IPv6 in its RFC 5952 §4 form, as RFC 8738 §3 asks).
 *
 * @throws UsageError (code `USAGE`) for an empty list, an invalid name, or the
 *   same name twice (after normalisation); each message is one line naming the value.
 */
export function parseIdentifiers(names: readonly string[]): Identifier[] {
  if (names.length === 0) throw new UsageError('no names given: pass at least one DNS name or IP address');
  const seen = new Map<string, string>();
  const identifiers: Identifier[] = [];
  for (const name of names) {
    const identifier = parseIdentifier(name);
    const key = identifierKey(identifier);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new UsageError(first === name ? `duplicate name ${name}` : `duplicate name ${name} (same as ${first})`);
    }
    seen.set(key, name);
    identifiers.push(identifier);
  }
  return identifiers;
}

/**
 * Reads one DNS name or IP address: lowercases, validates, and writes IPv6 in
 * its RFC 5952 §4 form. A DNS name needs at least two labels of letters, digits
 * and hyphens (≤ 63 characters each, ≤ 253 in all); a wildcard is a whole
 * leftmost `*.` label over a name that itself has two labels or more.
 *
 * @throws UsageError (code `USAGE`), naming the value.
 */
export function parseIdentifier(name: string): Identifier {
  const invalid = (reason: string) => new UsageError(`invalid name "${truncatedEcho(name)}": ${reason}`);
  if (name === '') throw invalid('it is empty');
  if (/\s/.test(name)) throw invalid('it contains white space');
  const lower = name.toLowerCase();
  if (lower.startsWith('*.') && ipAddressBytes(lower.slice(2)) !== undefined) throw invalid('an IP address cannot have a wildcard');

  if (lower.includes(':') || lower.startsWith('[')) {
    if (lower.startsWith('[') || lower.endsWith(']')) throw invalid('write an IPv6 address without brackets');
    if (lower.includes('%')) throw invalid('an IPv6 zone index (%...) cannot be in a certificate');
    const canonical = normaliseIpAddress(lower);
    if (canonical === undefined) throw invalid('it is not a valid IPv6 address');
    return { type: 'ip', value: canonical };
  }
  if (ipAddressVersion(lower) === 4) return { type: 'ip', value: lower };

  if (lower.endsWith('.')) throw invalid('drop the trailing dot');
  if (lower.includes('_')) throw invalid('underscores are not allowed in DNS names');
  if (lower.includes(',')) throw invalid('give one name per -d');
  // Tested before lowercasing too: 'K' (U+212A KELVIN SIGN) lowercases to an ASCII 'k', so a name that
  // is not ASCII would otherwise pass as one (a --csr's CN 'K.example' read as k.example).
  if (/[^\x00-\x7f]/.test(name)) {
    // domainToASCII maps the other full stops (。．｡) to '.', so a name ending in one suggests itself without the dot.
    const ascii = domainToASCII(lower).replace(/\.$/, '');
    throw invalid(ascii === '' ? 'it is not ASCII' : `internationalised names are written in their ASCII form: ${ascii}`);
  }
  if (lower.length > MAX_NAME_LENGTH) throw invalid(`it is longer than ${MAX_NAME_LENGTH} characters`);

  const labels = lower.split('.');
  const isWildcard = labels[0] === '*';
  const base = isWildcard ? labels.slice(1) : labels;
  if (base.some((label) => label.includes('*'))) {
    throw invalid('a wildcard must be the whole leftmost label, as in *.example.com');
  }
  for (const label of base) {
    if (label === '') throw invalid('it has an empty label (two dots in a row, or a leading dot)');
    if (label.length > MAX_LABEL_LENGTH) throw invalid(`the label "${label}" is longer than ${MAX_LABEL_LENGTH} characters`);
    if (!LDH_LABEL.test(label)) {
      throw invalid(`the label "${label}" may hold only letters, digits and hyphens, and cannot start or end with a hyphen`);
    }
    if (label.startsWith('xn--') && !isPunycodeLabel(label)) throw invalid(`the label "${label}" starts with xn-- but is not valid punycode (RFC 5891 §5.4)`);
  }
  if (base.length < 2) {
    throw invalid(isWildcard ? 'a wildcard needs a name of at least two labels under it' : 'a DNS name needs at least two labels, as in example.com');
  }
  // An all-numeric last label is a mistyped IPv4 address ("10.0.0.256"), never a top-level domain.
  if (/^[0-9]+$/.test(base[base.length - 1] ?? '')) throw invalid('it is neither a valid IPv4 address nor a DNS name');
  return { type: 'dns', value: lower };
}

/**
 * An A-label (RFC 5890 §2.3.2.1): `xn--` and punycode that decodes to a name with a non-ASCII
 * character and encodes back to the same label. `xn--a` does not decode; `xn--zz-` decodes to the
 * ASCII `zz`, whose own form is `zz`. A CA refuses both, after the challenges are paid for.
 */
function isPunycodeLabel(label: string): boolean {
  const unicode = domainToUnicode(label);
  return unicode !== '' && /[^\x00-\x7f]/.test(unicode) && domainToASCII(unicode) === label;
}

/**
 * The lineage name `cert issue` gives a certificate without --name: its first name, with `*.` written
 * `_wildcard.` and an IPv6 address's colons as hyphens. An address that starts with `::` starts with a
 * `0` group instead (`::ffff:7f00:1` → `0--ffff-7f00-1`, the same address), since a name cannot start
 * with a hyphen.
 */
export function defaultLineageName(identifier: Identifier): string {
  if (identifier.type === 'ip') return identifier.value.replace(/^:/, '0:').replace(/:/g, '-');
  return identifier.value.replace(/^\*\./, '_wildcard.');
}

/** Whether two identifier lists name the same set (order and repeats do not matter; case does not either). */
export function identifiersEqual(a: readonly Identifier[], b: readonly Identifier[]): boolean {
  const left = new Set(a.map(identifierKey));
  const right = new Set(b.map(identifierKey));
  return left.size === right.size && [...left].every((key) => right.has(key));
}

function identifierKey(identifier: Identifier): string {
  const value = identifier.type === 'ip' ? (normaliseIpAddress(identifier.value) ?? identifier.value) : identifier.value.toLowerCase();
  return `${identifier.type}:${value}`;
}

/**
 * An IP address in the text form RFC 8738 §3 asks for: dotted decimal for IPv4,
 * RFC 5952 §4 for IPv6 (lowercase, no leading zeros, the longest run of two or
 * more zero groups, the first on a tie, as `::`; no dotted IPv4 tail). Undefined
 * when the text is not an IP address.
 */
export function normaliseIpAddress(text: string): string | undefined {
  const bytes = ipAddressBytes(text);
  return bytes === undefined ? undefined : formatIpAddress(bytes);
}

/** The 4 or 16 bytes of an IP address, or undefined when the text is not one (zone indexes included). */
export function ipAddressBytes(text: string): Uint8Array | undefined {
  const version = text.includes('%') ? 0 : ipAddressVersion(text);
  if (version === 4) return Uint8Array.from(text.split('.').map(Number));
  if (version !== 6) return undefined;
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [Number.parseInt(group, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head = '', tail] = text.split('::');
  const headGroups = toGroups(head);
  const tailGroups = tail === undefined ? [] : toGroups(tail);
  const zeros: number[] = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  const groups = [...headGroups, ...zeros, ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** Writes 4 bytes as dotted decimal and 16 as RFC 5952 §4 text; undefined for any other length. */
export function formatIpAddress(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return undefined;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  // RFC 5952 §4.2.2/§4.2.3: "::" replaces the longest run of zero groups, never a single one; the first run on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
