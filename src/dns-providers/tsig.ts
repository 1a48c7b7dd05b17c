/**
 * TSIG, RFC 8945: HMAC signatures over DNS messages with a shared key, as BIND's
 * `nsupdate -k` and lego's rfc2136 provider use them. Pure, apart from the clock
 * passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { DnsFormatError, RR_CLASS, RR_TYPE, WireReader, WireWriter, canonicalName, rcodeName, type DecodedMessage } from './wire.js';

/** RFC 8945 §6: the algorithms we sign with. hmac-md5 is not offered (it is obsolete, and node may lack it). */
export const TSIG_ALGORITHMS = {
  'hmac-sha1': 'sha1',
  'hmac-sha224': 'sha224',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
} as const;
export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

export interface TsigKey {
  /** The key's name, as the server knows it (`acme-key`, `tsig-key.example.org.`). */
  name: string;
  algorithm: TsigAlgorithm;
  secret: Uint8Array;
}

/** RFC 8945 §5.2.3: BIND's and nsupdate's default. */
const FUDGE_SECONDS = 300;

/**
 * An algorithm as users write it: `hmac-sha256`, `HMAC-SHA256.`, lego's `hmac-sha256.`.
 * Returns undefined for one we do not support.
 */
export function parseTsigAlgorithm(text: string): TsigAlgorithm | undefined {
  const name = canonicalName(text.trim());
  return name in TSIG_ALGORITHMS ? (name as TsigAlgorithm) : undefined;
}

/** The TSIG variables of RFC 8945 §4.3.3, in canonical form. */
function variables(w: WireWriter, key: TsigKey, timeSigned: number, fudge: number, error: number, other: Uint8Array): void {
  w.name(key.name, true).u16(RR_CLASS.ANY).u32(0).name(key.algorithm, true).u48(timeSigned).u16(fudge).u16(error).u16(other.length).bytes(other);
}

function hmac(key: TsigKey, data: Uint8Array): Uint8Array {
  return createHmac(TSIG_ALGORITHMS[key.algorithm], key.secret).update(data).digest();
}

export interface SignedRequest {
  bytes: Uint8Array;
  /** Needed to check the response's signature (RFC 8945 §5.3). */
  mac: Uint8Array;
  id: number;
}

/**
 * Appends a TSIG record to `message` (encoded, without one), signed at `nowSeconds`.
 * ARCOUNT is incremented.
 */
export function signRequest(message: Uint8Array, key: TsigKey, nowSeconds: number): SignedRequest {
  const timeSigned = Math.floor(nowSeconds);
  const digest = new WireWriter().bytes(message);
  variables(digest, key, timeSigned, FUDGE_SECONDS, 0, new Uint8Array());
  const mac = hmac(key, digest.toBytes());
  const id = (message[0]! << 8) | message[1]!;
  const out = new WireWriter().bytes(message);
  const rdata = new WireWriter().name(key.algorithm).u48(timeSigned).u16(FUDGE_SECONDS).u16(mac.length).bytes(mac).u16(id).u16(0).u16(0).toBytes();
  out.name(key.name).u16(RR_TYPE.TSIG).u16(RR_CLASS.ANY).u32(0).u16(rdata.length).bytes(rdata);
  const bytes = out.toBytes();
  const arcount = ((bytes[10]! << 8) | bytes[11]!) + 1;
  bytes[10] = arcount >> 8;
  bytes[11] = arcount & 0xff;
  return { bytes, mac, id };
}

export type TsigCheck =
  | { ok: true }
  /** The response carries no TSIG record. */
  | { ok: false; reason: 'unsigned' }
  /** The server's TSIG error (BADSIG, BADKEY, BADTIME…): it did not accept our signature. */
  | { ok: false; reason: 'server-error'; error: string; serverTime?: number }
  /** The response's own signature is wrong, or too old or new: not from whom we think. */
  | { ok: false; reason: 'bad-response-signature'; detail: string };

/**
 * Checks the response to a signed request (RFC 8945 §5.3): the last additional
 * record must be our key's TSIG, its MAC must cover the request's MAC and the
 * response, and its time must be within the fudge of ours.
 */
export function verifyResponse(response: DecodedMessage, request: SignedRequest, key: TsigKey, nowSeconds: number): TsigCheck {
  const last = response.additionals.length - 1;
  const tsig = response.additionals[last];
  if (tsig === undefined || tsig.type !== RR_TYPE.TSIG) return { ok: false, reason: 'unsigned' };
  const r = new WireReader(tsig.data);
  let algorithm: string, timeSigned: number, fudge: number, mac: Uint8Array, error: number, other: Uint8Array;
  try {
    algorithm = r.name();
    timeSigned = r.u48();
    fudge = r.u16();
    mac = r.bytes(r.u16());
    r.u16(); // original ID
    error = r.u16();
    other = r.bytes(r.u16());
  } catch (err) {
    return { ok: false, reason: 'bad-response-signature', detail: err instanceof DnsFormatError ? err.message : String(err) };
  }
  if (error !== 0) {
    const serverTime = error === 18 && other.length === 6 ? new WireReader(other).u48() : undefined;
    return { ok: false, reason: 'server-error', error: rcodeName(error), ...(serverTime !== undefined ? { serverTime } : {}) };
  }
  if (canonicalName(tsig.name) !== canonicalName(key.name)) return { ok: false, reason: 'bad-response-signature', detail: `signed with key ${tsig.name}, not ${key.name}` };
  if (canonicalName(algorithm) !== key.algorithm) return { ok: false, reason: 'bad-response-signature', detail: `signed with ${algorithm}, not ${key.algorithm}` };
  // The response as it was before the server added its TSIG: ARCOUNT one less, the original ID.
  const unsigned = response.raw.slice(0, response.additionalOffsets[last]);
  const arcount = response.additionals.length - 1;
  unsigned[10] = arcount >> 8;
  unsigned[11] = arcount & 0xff;
  unsigned[0] = request.id >> 8;
  unsigned[1] = request.id & 0xff;
  const digest = new WireWriter().u16(request.mac.length).bytes(request.mac).bytes(unsigned);
  variables(digest, key, timeSigned, fudge, error, other);
  const expected = hmac(key, digest.toBytes());
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return { ok: false, reason: 'bad-response-signature', detail: 'its TSIG MAC does not match' };
  if (Math.abs(nowSeconds - timeSigned) > fudge) return { ok: false, reason: 'bad-response-signature', detail: `its TSIG time is ${Math.round(timeSigned - nowSeconds)} s off ours` };
  return { ok: true };
}

/**
 * A BIND key file, as `nsupdate -k` and `tsig-keygen` write it:
 * `key "name" { algorithm hmac-sha256; secret "base64"; };` (comments allowed).
 * Exactly one key is expected. Throws Error with a one-line reason (never the secret).
 */
export function parseBindKeyFile(text: string): { name: string; algorithm: string; secret: Uint8Array } {
  // Comments out, quoted strings kept whole: a base64 secret may hold "//", which is no comment.
  const stripped = text.replace(/"[^"]*"|\/\*[\s\S]*?\*\/|(?:#|\/\/)[^\n]*/g, (part) => (part.startsWith('"') ? part : ' '));
  const keys = [...stripped.matchAll(/\bkey\s+("([^"]+)"|([^\s{]+))\s*\{([^}]*)\}\s*;/g)];
  if (keys.length === 0) throw new Error('no `key "NAME" { algorithm ...; secret "..."; };` clause found');
  if (keys.length > 1) throw new Error(`it holds ${keys.length} keys; give a file with exactly one`);
  const [, , quoted, bare, body] = keys[0]!;
  const name = (quoted ?? bare ?? '').trim();
  const algorithm = /\balgorithm\s+"?([A-Za-z0-9.-]+)"?\s*;/.exec(body ?? '')?.[1];
  const secret = /\bsecret\s+"([A-Za-z0-9+/=\s]+)"\s*;/.exec(body ?? '')?.[1];
  if (!algorithm) throw new Error(`key ${JSON.stringify(name)} has no algorithm`);
  if (!secret) throw new Error(`key ${JSON.stringify(name)} has no base64 secret`);
  return { name, algorithm, secret: decodeSecret(secret) };
}

/** Base64 as BIND and lego write TSIG secrets; refuses anything else rather than guessing. */
export function decodeSecret(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean) || clean.length % 4 === 1) throw new Error('the TSIG secret is not base64');
  return Buffer.from(clean, 'base64');
}
