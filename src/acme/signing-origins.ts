/**
 * Where a signed request may go. A JWS with `kid` (or `jwk`) is the account
 * speaking: a CA that points an order's finalize, an authorization or a
 * certificate URL at another host would have that host receive, and could
 * replay within the nonce's life, requests signed by our account. The policy
 * (SECURITY.md, "Signed requests stay with the CA"): signed requests go only to
 * the origin of the directory URL or to an origin the directory's own URLs
 * already use (a CA may serve its API from another host than its directory).
 * An origin is scheme, host and port, so an https CA cannot point us at plain
 * http, nor at another port of the same host.
 */
import type { Directory } from './types.js';

const DIRECTORY_URL_FIELDS = ['newNonce', 'newAccount', 'newOrder', 'newAuthz', 'revokeCert', 'keyChange', 'renewalInfo'] as const;

function originOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The origins signed requests may go to, for a CA with this directory URL and directory. */
export function signingOrigins(directoryUrl: string, directory: Directory): Set<string> {
  const origins = new Set<string>();
  for (const url of [directoryUrl, ...DIRECTORY_URL_FIELDS.map((field) => directory[field])]) {
    const origin = originOf(url);
    if (origin) origins.add(origin);
  }
  return origins;
}

/** Undefined when `url` may receive a signed request, else the one-line reason it may not. */
export function refuseSignedRequest(url: string, origins: ReadonlySet<string>): string | undefined {
  // A directory that lacks a resource (no keyChange, no revokeCert) hands us undefined, not a URL.
  if (typeof url !== 'string') return 'the CA\'s directory does not offer this resource (its URL is missing)';
  const origin = originOf(url);
  const shown = JSON.stringify(url.length > 200 ? `${url.slice(0, 200)}…` : url);
  if (!origin) return `the CA pointed a signed request at ${shown}, which is not an http(s) URL; refusing it`;
  if (origins.has(origin)) return undefined;
  return `refusing to send a signed request to ${shown}: ${origin} is not the CA's (${[...origins].join(', ')}); signed requests go only to the directory's host or hosts its own URLs use`;
}
