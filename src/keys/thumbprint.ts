import { createHash, type JsonWebKey } from 'node:crypto';
import { KeyError } from '../errors.js';
import { PUBLIC_JWK_MEMBERS, type Kty } from './key-types.js';

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url): the account's identity in
 * key authorizations (RFC 8555 §8.1) and in `acmecli key thumbprint`.
 *
 * @throws KeyError (code `KEY`) when the JWK lacks a required member.
 */
export async function jwkThumbprint(publicJwk: JsonWebKey): Promise<string> {
  // The hash of the canonical input, by node:crypto: loading jose for this (its 46 modules) was most
  // of what `key thumbprint` and `dns records --offline` spent beyond start-up (bench/RESULTS.md).
  return createHash('sha256').update(jwkThumbprintInput(publicJwk)).digest('base64url');
}

/**
 * The exact string RFC 7638 §3 hashes: the required members only, in
 * lexicographic order, no whitespace. Shown in a key's details view so a person
 * can check a thumbprint by hand.
 *
 * @example
 *   jwkThumbprintInput({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'BB', kid: '1' })
 *   // '{"crv":"P-256","kty":"EC","x":"AA","y":"BB"}'
 *
 * @throws KeyError (code `KEY`) for an unsupported kty or a missing member.
 */
export function jwkThumbprintInput(publicJwk: JsonWebKey): string {
  const members = PUBLIC_JWK_MEMBERS[publicJwk.kty as Kty] as readonly string[] | undefined;
  if (members === undefined) throw new KeyError(`cannot compute a thumbprint for a JWK of type "${String(publicJwk.kty)}"`);
  const parts = members.map((name) => {
    const value = publicJwk[name];
    if (typeof value !== 'string' || value === '') throw new KeyError(`cannot compute a thumbprint: the JWK has no "${name}" member`);
    return `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  });
  return `{${parts.join(',')}}`;
}
