import { UsageError } from '../errors.js';

// RFC 8659 §4.2: a CAA parameter value is `*(%x21-3A / %x3C-7E)`, so no space
// and no `;`. We also refuse `"` and `\`, which would need escaping in the
// zone-file string and never occur in an account URL a CA hands out.
const PARAMETER_VALUE = /^[\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]+$/;

// RFC 8555 §8.1: the thumbprint in a key authorization is the unpadded
// base64url SHA-256 JWK thumbprint, always 43 characters.
const THUMBPRINT = /^[-_A-Za-z0-9]{43}$/;

/**
 * Check an ACME account URL (RFC 8555 §7.3, the Location of newAccount) that is
 * about to be published in DNS or hashed, and return it unchanged: the drafts
 * and RFC 8657 §3 compare it octet for octet, so it is never normalised.
 *
 * Throws UsageError unless it is an absolute https URL made only of characters
 * a CAA/TXT parameter value may hold.
 */
export function checkAccountUri(uri: string, what = 'account URI'): string {
  if (!PARAMETER_VALUE.test(uri)) {
    throw new UsageError(`${what} ${JSON.stringify(uri)} may not contain spaces, quotes, backslashes or ";"`);
  }
  // RFC 8555 §6.1: ACME is served over HTTPS, so every account URL is https.
  if (!URL.canParse(uri) || new URL(uri).protocol !== 'https:') {
    throw new UsageError(`${what} ${JSON.stringify(uri)} is not an https URL`);
  }
  return uri;
}

/**
 * Check an RFC 7638 account key thumbprint as RFC 8555 §8.1 encodes it
 * (43 base64url characters) and return it.
 *
 * Throws UsageError otherwise; the message shows at most the first 60 characters.
 */
export function checkThumbprint(thumbprint: string): string {
  if (!THUMBPRINT.test(thumbprint)) {
    throw new UsageError(
      `thumbprint ${JSON.stringify(thumbprint.slice(0, 60))} is not 43 base64url characters (see: acmecli key thumbprint)`,
    );
  }
  return thumbprint;
}
