import { AcmeProblemError } from '../acme/problem.js';
import { AcmecliError } from '../errors.js';

/**
 * Problems that say the CA could not do it this time, not that the request was
 * wrong: its own failures and limits, and validation that failed there (another
 * CA validates from other places, and CAA may allow it).
 */
const CA_SIDE_PROBLEMS = ['rateLimited', 'serverInternal', 'badNonce', 'connection', 'dns', 'incorrectResponse', 'unauthorized', 'tls', 'caa'] as const;
/** Our codes for a CA that could not be reached, or answered what the protocol does not allow (a bad certificate included). */
const CA_SIDE_CODES = new Set(['NETWORK', 'TIMEOUT', 'TLS', 'BAD_RESPONSE']);

/**
 * Whether a failure at one CA is a reason to try the lineage's next CA
 * (`--fallback-acme-url`): one that is not the user's. A bad option, key,
 * hook, solver or account setting would fail at every CA, so it does not.
 */
export function isCaSideFailure(err: unknown): boolean {
  if (err instanceof AcmeProblemError) return (err.httpStatus ?? 0) >= 500 || CA_SIDE_PROBLEMS.some((type) => err.is(type));
  if (err instanceof AcmecliError) return CA_SIDE_CODES.has(err.code) || (err.code === 'HTTP' && ((err.httpStatus ?? 0) >= 500 || err.httpStatus === 429));
  return false;
}
