import { UsageError } from '../errors.js';

export interface BearerToken {
  /** The trimmed token, as sent in `Authorization: Bearer`. */
  token: string;
  /** The token id (a UUID): safe to log, unlike the token. */
  id: string;
}

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// 32 random bytes in unpadded base64url.
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/**
 * Checks an ACME Manager bearer token before any request: standard base64 (with padding) of
 * `<uuid>:<secret>` (manager-contract.md §2). Surrounding whitespace is trimmed, since the manager
 * answers 401 to a token with spaces. Throws UsageError (`USAGE`) whose message never contains the token.
 */
export function parseBearerToken(text: string): BearerToken {
  const token = text.trim();
  const fail = () => new UsageError('ACME_MANAGER_TOKEN is not an ACME Manager token (base64 of id:secret)');
  if (!STANDARD_BASE64.test(token)) throw fail();
  const decoded = Buffer.from(token, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw fail();
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (!UUID.test(id) || !SECRET.test(secret)) throw fail();
  return { token, id };
}
