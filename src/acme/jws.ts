import type { KeyObject } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { PublicJwk } from './types.js';

export type JwsAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/** What the protocol layer needs of an account (or certificate) key. */
export interface SigningKey {
  privateKey: KeyObject;
  publicJwk: PublicJwk;
  jwsAlg: JwsAlgorithm;
}

export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

/** RFC 8555 §6.2: `jwk` for newAccount, revocation by certificate key and the inner key-change JWS; `kid` otherwise. */
export type SignerIdentity = { kid: string } | { jwk: PublicJwk };

/**
 * Signs an ACME request body (RFC 8555 §6.2). `payload` undefined means POST-as-GET
 * (§6.3), whose payload is the empty string.
 */
export async function signRequest(key: SigningKey, identity: SignerIdentity, url: string, nonce: string | undefined, payload: unknown): Promise<FlattenedJws> {
  const header: Record<string, unknown> = { alg: key.jwsAlg, url };
  if (nonce !== undefined) header.nonce = nonce;
  if ('kid' in identity) header.kid = identity.kid;
  else header.jwk = publicMembers(identity.jwk);
  const bytes = payload === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(payload));
  const { FlattenedSign } = await loadJose();
  const jws = await new FlattenedSign(bytes).setProtectedHeader(header as never).sign(key.privateKey);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

export type EabAlgorithm = 'HS256' | 'HS384' | 'HS512';
export const EAB_ALGORITHMS: readonly EabAlgorithm[] = ['HS256', 'HS384', 'HS512'];

export interface ExternalAccountBinding {
  kid: string;
  /** The MAC key as the CA gave it: base64url, with or without padding. */
  hmacKey: string;
  alg: EabAlgorithm;
}

/**
 * RFC 8555 §7.3.4: a JWS over the account's public JWK, MACed with the CA's key,
 * with `alg`, `kid` and `url` (the newAccount URL) and no nonce.
 */
export async function signExternalAccountBinding(eab: ExternalAccountBinding, accountJwk: PublicJwk, newAccountUrl: string): Promise<FlattenedJws> {
  const macKey = decodeEabKey(eab.hmacKey);
  const payload = new TextEncoder().encode(JSON.stringify(publicMembers(accountJwk)));
  const { FlattenedSign } = await loadJose();
  const jws = await new FlattenedSign(payload).setProtectedHeader({ alg: eab.alg, kid: eab.kid, url: newAccountUrl } as never).sign(macKey);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

/** Decodes an EAB MAC key; CAs hand them out with and without `=` padding, some in standard base64. */
export function decodeEabKey(text: string): Uint8Array {
  const trimmed = text.trim().replace(/=+$/, '');
  if (trimmed.length === 0 || !/^[A-Za-z0-9_\-+/]+$/.test(trimmed) || trimmed.length % 4 === 1) {
    throw new UsageError('the EAB HMAC key is not base64url (as the CA gave it, e.g. from its EAB page)');
  }
  const bytes = new Uint8Array(Buffer.from(trimmed.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url'));
  if (bytes.length < 16) throw new UsageError(`the EAB HMAC key is too short (${bytes.length} bytes); check you copied all of it`);
  return bytes;
}

/** The JWK members a thumbprint and a `jwk` header carry: never private members, whatever the caller passed. */
export function publicMembers(jwk: PublicJwk): PublicJwk {
  switch (jwk.kty) {
    case 'RSA': return { kty: 'RSA', n: jwk.n, e: jwk.e } as PublicJwk;
    case 'EC': return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } as PublicJwk;
    default: return { kty: jwk.kty, crv: jwk.crv, x: jwk.x } as PublicJwk;
  }
}

/** jose is loaded on the first signature, so commands that sign nothing start without it. */
function loadJose(): Promise<typeof import('jose')> {
  return import('jose');
}
