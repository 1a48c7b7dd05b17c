import { UsageError } from '../errors.js';

// RFC 2181 §8: a TTL is an unsigned 31-bit number of seconds.
const MAX_TTL_SECONDS = 2 ** 31 - 1;
// RFC 1035 §3.3: a <character-string> is one length octet and at most 255 octets.
const MAX_CHARACTER_STRING_OCTETS = 255;

/**
 * One master-file line (RFC 1035 §5.1): `owner  [ttl  ]IN  TYPE rdata`. Without
 * a TTL the zone's `$TTL` applies, which is what most people want to keep.
 *
 * Throws UsageError when `ttl` is not an integer from 0 to 2^31-1 (RFC 2181 §8).
 */
export function formatZoneLine(owner: string, ttl: number | undefined, type: string, rdata: string): string {
  if (ttl === undefined) return `${owner}  IN  ${type} ${rdata}`;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS) {
    throw new UsageError(`TTL ${ttl} is not a whole number of seconds from 0 to ${MAX_TTL_SECONDS}`);
  }
  return `${owner}  ${ttl}  IN  ${type} ${rdata}`;
}

/**
 * Quote text as RFC 1035 §5.1 `<character-string>`s: `"` and `\` escaped, and
 * split into several quoted strings when longer than 255 octets, which a TXT
 * record holds as one concatenated value (RFC 7208 §3.3 relies on the same rule;
 * draft-ietf-acme-dns-persist-02 §9.1 asks clients to split this way).
 * The callers only pass printable ASCII, so characters are octets.
 */
export function quoteCharacterStrings(text: string): string {
  const chunks: string[] = [];
  for (let at = 0; at < text.length || at === 0; at += MAX_CHARACTER_STRING_OCTETS) {
    chunks.push(text.slice(at, at + MAX_CHARACTER_STRING_OCTETS));
  }
  return chunks.map((chunk) => `"${chunk.replace(/["\\]/g, '\\$&')}"`).join(' ');
}
