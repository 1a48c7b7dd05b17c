import { BadResponseError } from '../errors.js';

// RFC 8555 §8.1: a token "MUST NOT contain any characters outside the base64url
// alphabet". Checking it keeps a token from naming another file (`..`, `/`) or
// injecting into a response, whatever the CA sends.
const TOKEN = /^[A-Za-z0-9_-]+$/;

export function isChallengeToken(token: string): boolean {
  return TOKEN.test(token);
}

/** The error for a token that fails isChallengeToken; the token itself is left out. */
export function badToken(): InstanceType<typeof BadResponseError> {
  return new BadResponseError('the CA sent a challenge token that is not base64url (RFC 8555 §8.1); refusing to use it');
}
