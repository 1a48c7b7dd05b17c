/**
 * What the CA says about the names being proved is checked against what was
 * asked for before any solver (hook, webroot, standalone, DNS) sees it: a hook
 * must never be called with a token like `../../tmp/x`, a name holding a
 * newline, or a name that was never requested (issue 8).
 */
import type { Authorization, Identifier, Order } from '../acme/types.js';
import { isKnownChallengeType } from './challenge-tasks.js';
import { identifiersEqual, parseIdentifier } from '../certs/identifiers.js';
import { BadResponseError } from '../errors.js';

/**
 * RFC 8555 §8.1: a token "MUST NOT contain any characters outside the base64url
 * alphabet" and holds "at least 128 bits of entropy": 16 bytes are 22 base64url
 * characters. The upper bound is ours: no CA needs more, and the token travels
 * in hook arguments and environment.
 */
const TOKEN = /^[A-Za-z0-9_-]{22,256}$/;

/** Up to 100 characters of a value from the CA, quoted as JSON, so newlines and escapes are visible and bounded. */
function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}

function key(identifier: Identifier): string {
  return `${identifier.type}:${identifier.value}`;
}

/**
 * The identifier an authorization is for, as one of `requested` (our own
 * canonical value, never the CA's spelling), or a BAD_RESPONSE naming it.
 * RFC 8555 §7.1.4: a wildcard authorization carries the name without `*.` and
 * `wildcard: true`, and stands for the requested `*.name`.
 */
export function requestedIdentifierOf(authorization: Authorization, requested: readonly Identifier[], url: string): { identifier: Identifier; wildcard: boolean } {
  const { identifier, wildcard } = authorization;
  const refuse = (why: string) => new BadResponseError(`the CA's authorization ${url} is for ${quoted(identifier?.value)}, ${why}; refusing it`);
  if (wildcard !== undefined && typeof wildcard !== 'boolean') throw refuse('with a "wildcard" that is not true or false');
  if (identifier?.type !== 'dns' && identifier?.type !== 'ip') throw refuse(`of type ${quoted(identifier?.type)}, not dns or ip`);
  if (typeof identifier.value !== 'string' || identifier.value.startsWith('*')) throw refuse('which is not a name an authorization can be for');
  let canonical: Identifier;
  try {
    canonical = parseIdentifier(identifier.value);
  } catch {
    throw refuse('which is not a valid DNS name or IP address');
  }
  if (canonical.type !== identifier.type) throw refuse(`which is not of type ${identifier.type}`);
  if (wildcard === true && canonical.type !== 'dns') throw refuse('an IP address marked as a wildcard');
  const wanted: Identifier = wildcard === true ? { type: 'dns', value: `*.${canonical.value}` } : canonical;
  const ours = requested.find((r) => key(r) === key(wanted));
  if (!ours) throw refuse(`which was never requested (requested: ${requested.map((r) => r.value).join(', ')})`);
  return { identifier: { type: ours.type, value: wildcard === true ? canonical.value : ours.value }, wildcard: wildcard === true };
}

/**
 * Every token of a challenge acmecli could answer is base64url of at least 128
 * bits. dns-persist-01 has no token and is not checked.
 */
export function checkChallengeTokens(authorization: Authorization, name: string, url: string): void {
  for (const challenge of authorization.challenges) {
    if (!challenge || typeof challenge !== 'object' || !isKnownChallengeType(challenge.type) || challenge.type === 'dns-persist-01') continue;
    if (typeof challenge.token !== 'string' || !TOKEN.test(challenge.token)) {
      throw new BadResponseError(
        `the CA's ${challenge.type} challenge for ${name} (${url}) has the token ${quoted(challenge.token)}, which is not base64url of at least 128 bits (RFC 8555 §8.1); refusing it`,
      );
    }
  }
}

/**
 * RFC 8555 §7.4: the order the CA created is for exactly the names requested, no
 * more and no fewer, with at most one distinct authorization per name (§7.1.3),
 * so a CA cannot make us fetch thousands of authorizations for one certificate.
 */
export function checkOrderIdentifiers(order: Order, requested: readonly Identifier[], url: string): void {
  const authorizations: unknown = order.authorizations;
  if (!Array.isArray(authorizations) || authorizations.some((a) => typeof a !== 'string') || new Set(authorizations).size !== authorizations.length || authorizations.length > requested.length) {
    const count = Array.isArray(authorizations) ? `${authorizations.length} authorizations` : 'no list of authorizations';
    throw new BadResponseError(`the CA's order ${url} has ${count} for ${requested.length} name${requested.length === 1 ? '' : 's'}; expected one distinct authorization URL per name (RFC 8555 §7.1.3); refusing it`);
  }
  const ids = order.identifiers;
  const valid = Array.isArray(ids) && ids.every((i) => i && typeof i === 'object' && typeof i.type === 'string' && typeof i.value === 'string');
  if (!valid || !identifiersEqual(ids, requested)) {
    const got = Array.isArray(ids) ? ids.map((i) => quoted(i?.value)).join(', ') : quoted(ids);
    throw new BadResponseError(`the CA's order ${url} is for ${got}, not the names requested (${requested.map((r) => r.value).join(', ')}); refusing it`);
  }
}
