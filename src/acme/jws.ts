import { createHmac, sign, type KeyObject } from 'node:crypto';
import { KeyError, UsageError } from '../errors.js';
import type { PublicJwk } from './types.js';

/** The JWS `alg` values an ACME key signs with (RFC 8555 §6.2: no `none`, no MAC); keys/key-types.ts gives each key type one. */
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
  const encodedPayload = payload === undefined ? '' : base64url(JSON.stringify(payload));
  const encodedHeader = base64url(JSON.stringify(header));
  const signature = signWithKey(key, Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii'));
  return { protected: encodedHeader, payload: encodedPayload, signature: signature.toString('base64url') };
}

/** RFC 7518 §3.1: the hash each JWS algorithm signs with (EdDSA hashes inside the algorithm). */
const JWS_HASH: Record<JwsAlgorithm, string | null> = { RS256: 'sha256', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', EdDSA: null };
/** RFC 7518 §3.4: each ECDSA algorithm is for one curve (OpenSSL's names). */
const JWS_CURVE: Partial<Record<JwsAlgorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/**
 * The JWS signature over `input`, by node:crypto, synchronously: one signature per
 * request, where jose's WebCrypto path cost a promise round trip each and 46 modules
 * to load first. ECDSA signatures are R || S (RFC 7518 §3.4), not DER.
 */
function signWithKey(key: SigningKey, input: Buffer): Buffer {
  const curve = JWS_CURVE[key.jwsAlg];
  if (curve !== undefined && key.privateKey.asymmetricKeyDetails?.namedCurve !== curve) {
    throw new KeyError(`${key.jwsAlg} needs a key on ${curve}, not ${key.privateKey.asymmetricKeyDetails?.namedCurve ?? key.privateKey.asymmetricKeyType}`);
  }
  if (!(key.jwsAlg in JWS_HASH)) throw new KeyError(`no JWS signing for algorithm ${String(key.jwsAlg)}`);
  return sign(JWS_HASH[key.jwsAlg], input, curve !== undefined ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
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
  const encodedPayload = base64url(JSON.stringify(publicMembers(accountJwk)));
  const encodedHeader = base64url(JSON.stringify({ alg: eab.alg, kid: eab.kid, url: newAccountUrl }));
  const mac = createHmac(`sha${eab.alg.slice(2)}`, macKey).update(`${encodedHeader}.${encodedPayload}`, 'ascii').digest('base64url');
  return { protected: encodedHeader, payload: encodedPayload, signature: mac };
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

