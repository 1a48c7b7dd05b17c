import { createPrivateKey, createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from '../acme/jws.js';
import { KeyError } from '../errors.js';
import { findPemBlocks, type FoundPemBlock } from './pem.js';
import {
  KEY_TYPES,
  PUBLIC_JWK_MEMBERS,
  RSA_BITS,
  SUPPORTED_KEYS_TEXT,
  keyTypeForCurve,
  type KeyTypeSpec,
  type Kty,
} from './key-types.js';

/** The encoding an account key was read from. `der` covers binary PKCS#8, PKCS#1 and SEC1. */
export type KeySourceFormat = 'pkcs1' | 'sec1' | 'pkcs8' | 'jwk' | 'der';

/** An account key, checked to be one acmecli can sign with. */
export interface AccountKey {
  privateKey: KeyObject;
  /** Public members only, exactly the RFC 7638 set: RSA {e,kty,n}, EC {crv,kty,x,y}, OKP {crv,kty,x}. */
  publicJwk: JsonWebKey;
  jwsAlg: JwsAlgorithm;
  /** For people: 'EC P-256', 'RSA 3072', 'Ed25519'. */
  description: string;
  sourceFormat: KeySourceFormat;
}

const FORMATS_TEXT = 'PEM PKCS#1/SEC1/PKCS#8, DER, or JWK JSON';

/** Why a file is not a private key we can use; each message is one line and names the file. */
const REFUSALS = {
  encrypted: (source: string) => `${source} is encrypted; decrypt it first: openssl pkey -in ${source} -out plain.pem`,
  public: (source: string) => `${source} holds a public key, not a private key; acmecli needs the account's private key`,
  certificate: (source: string) => `${source} holds a certificate, not a private key; acmecli needs the account's private key`,
  csr: (source: string) => `${source} holds a certificate request, not a private key; acmecli needs the account's private key`,
  openssh: (source: string) => `${source} is an OpenSSH key; convert a copy first: ssh-keygen -p -m PKCS8 -f COPY`,
  dsa: (source: string) => unsupported(source, 'a DSA'),
  garbage: (source: string) => `${source} is not a private key in a format acmecli reads (${FORMATS_TEXT})`,
} as const;
type Refusal = keyof typeof REFUSALS;

function unsupported(source: string, what: string): string {
  return `${source} is ${what} key; acmecli supports ${SUPPORTED_KEYS_TEXT}`;
}

type PemLabel =
  | { kind: 'private'; derType: 'pkcs1' | 'sec1' | 'pkcs8' }
  | { kind: 'refuse'; refusal: Refusal }
  | { kind: 'ignore' };

/** PEM labels (RFC 7468 and OpenSSL's traditional ones) and what each means here. */
const PEM_LABELS: Record<string, PemLabel> = {
  'RSA PRIVATE KEY': { kind: 'private', derType: 'pkcs1' },
  'EC PRIVATE KEY': { kind: 'private', derType: 'sec1' },
  'PRIVATE KEY': { kind: 'private', derType: 'pkcs8' },
  // `openssl ecparam -genkey` without -noout writes the curve before the key.
  'EC PARAMETERS': { kind: 'ignore' },
  'ENCRYPTED PRIVATE KEY': { kind: 'refuse', refusal: 'encrypted' },
  'DSA PRIVATE KEY': { kind: 'refuse', refusal: 'dsa' },
  'OPENSSH PRIVATE KEY': { kind: 'refuse', refusal: 'openssh' },
  'PUBLIC KEY': { kind: 'refuse', refusal: 'public' },
  'RSA PUBLIC KEY': { kind: 'refuse', refusal: 'public' },
  CERTIFICATE: { kind: 'refuse', refusal: 'certificate' },
  'TRUSTED CERTIFICATE': { kind: 'refuse', refusal: 'certificate' },
  'X509 CERTIFICATE': { kind: 'refuse', refusal: 'certificate' },
  'CERTIFICATE REQUEST': { kind: 'refuse', refusal: 'csr' },
  'NEW CERTIFICATE REQUEST': { kind: 'refuse', refusal: 'csr' },
};

/** When a file holds no usable key, the refusal that best explains why (an encrypted key beats a certificate). */
const REFUSAL_PRIORITY: readonly Refusal[] = ['encrypted', 'dsa', 'openssh', 'public', 'certificate', 'csr'];

/** Private members each JWK type needs; anything else ("kid", "alg", "use") is dropped before import. */
const PRIVATE_JWK_MEMBERS: Record<Kty, readonly string[]> = {
  RSA: ['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'],
  EC: ['kty', 'crv', 'x', 'y', 'd'],
  OKP: ['kty', 'crv', 'x', 'd'],
};

/** Names for node's asymmetricKeyType values that acmecli refuses. */
const UNSUPPORTED_KEY_NAMES: Record<string, string> = {
  dsa: 'a DSA',
  dh: 'a Diffie-Hellman',
  'rsa-pss': 'an RSA-PSS',
  x25519: 'an X25519',
  x448: 'an X448',
  ed448: 'an Ed448',
};

/**
 * Reads an account private key from PEM (PKCS#1, SEC1, PKCS#8), binary DER, or
 * JWK JSON as certbot stores it (`private_key.json`), and checks that acmecli can
 * sign with it. `source` names the input in messages (usually the file path).
 *
 * @throws KeyError (code `KEY`) for encrypted keys, public keys, certificates,
 *   unsupported types or sizes, and anything unreadable. Messages never include
 *   key material.
 */
export function parseAccountKey(data: Uint8Array | string, source: string): AccountKey {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // latin1 maps every byte to one character, so binary DER cannot make this throw or shift offsets.
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) return parsePem(text, source);
  const json = bytes.toString('utf8').replace(/^\uFEFF/, '').trim();
  if (json.startsWith('{')) return parseJwk(json, source);
  if (bytes[0] === 0x30) return parseDer(bytes, source); // an ASN.1 SEQUENCE
  throw new KeyError(REFUSALS.garbage(source));
}

/**
 * Builds an AccountKey from a KeyObject already in memory (a generated key, or
 * one parsed elsewhere), refusing types and sizes acmecli cannot sign with.
 *
 * @throws KeyError (code `KEY`)
 */
export function accountKeyFromKeyObject(privateKey: KeyObject, source: string, sourceFormat: KeySourceFormat): AccountKey {
  if (privateKey.type !== 'private') throw new KeyError(REFUSALS.public(source));
  const keyType = privateKey.asymmetricKeyType ?? 'unknown';
  if (keyType === 'rsa') {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < RSA_BITS.min || bits > RSA_BITS.max) throw new KeyError(unsupported(source, `an RSA ${bits}-bit`));
    return build(privateKey, 'RSA', `RSA ${bits}`, 'RS256', sourceFormat);
  }
  if (keyType === 'ec' || keyType === 'ed25519') {
    const curveName = privateKey.asymmetricKeyDetails?.namedCurve;
    let crv: string | undefined;
    try {
      crv = createPublicKey(privateKey).export({ format: 'jwk' }).crv;
    } catch {
      // node has no JWK name for this curve (brainpool, unnamed explicit parameters): it is not one of ours.
    }
    const name = crv === undefined ? undefined : keyTypeForCurve(crv);
    if (crv === undefined || name === undefined) {
      throw new KeyError(unsupported(source, `an EC ${curveName ?? crv ?? 'explicit-parameters'}`));
    }
    const spec: KeyTypeSpec = KEY_TYPES[name];
    if (spec.kty === 'RSA') throw new KeyError(REFUSALS.garbage(source)); // keyTypeForCurve never names an RSA type
    return build(privateKey, spec.kty, spec.kty === 'EC' ? `EC ${spec.curve}` : spec.curve, spec.jwsAlg, sourceFormat);
  }
  throw new KeyError(unsupported(source, UNSUPPORTED_KEY_NAMES[keyType] ?? `a ${keyType}`));
}

function build(privateKey: KeyObject, kty: Kty, description: string, jwsAlg: JwsAlgorithm, sourceFormat: KeySourceFormat): AccountKey {
  const full = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicJwk: JsonWebKey = {};
  for (const member of PUBLIC_JWK_MEMBERS[kty]) publicJwk[member] = full[member];
  return { privateKey, publicJwk, jwsAlg, description, sourceFormat };
}

function parsePem(text: string, source: string): AccountKey {
  const blocks = readPemBlocks(text, source);
  const privateBlocks = blocks.filter((block) => PEM_LABELS[block.label]?.kind === 'private');
  // RFC 1421 headers: `openssl genrsa -aes256` (traditional format) writes "Proc-Type: 4,ENCRYPTED".
  if (privateBlocks.some((block) => block.headers.some((header) => /^Proc-Type:\s*4,\s*ENCRYPTED/i.test(header)))) throw new KeyError(REFUSALS.encrypted(source));
  if (privateBlocks.length > 1) throw new KeyError(`${source} holds ${privateBlocks.length} private keys; keep only the account key in it`);
  const [block] = privateBlocks;
  if (block === undefined) {
    const found = new Set(blocks.flatMap((b) => {
      const label = PEM_LABELS[b.label];
      return label?.kind === 'refuse' ? [label.refusal] : [];
    }));
    const refusal = REFUSAL_PRIORITY.find((r) => found.has(r)) ?? 'garbage';
    throw new KeyError(REFUSALS[refusal](source));
  }
  const label = PEM_LABELS[block.label];
  if (label?.kind !== 'private') throw new KeyError(REFUSALS.garbage(source));
  // Undefined der: a body that is not base64 (a secret must not be echoed: only the label is named).
  if (block.der === undefined) throw new KeyError(`${source} has a damaged "${block.label}" block (characters that are not base64)`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(block.der), format: 'der', type: label.derType });
  } catch {
    throw new KeyError(`${source} has a "${block.label}" block that cannot be read; the file is damaged or mislabelled`);
  }
  return accountKeyFromKeyObject(privateKey, source, label.derType);
}

function readPemBlocks(text: string, source: string): FoundPemBlock[] {
  const blocks = findPemBlocks(text);
  if (blocks.length === 0) throw new KeyError(`${source} has a PEM BEGIN line with no matching END line; is it truncated?`);
  return blocks;
}

function parseDer(der: Buffer, source: string): AccountKey {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return accountKeyFromKeyObject(createPrivateKey({ key: der, format: 'der', type }), source, 'der');
    } catch (err) {
      if (err instanceof KeyError) throw err;
      // node reports a DER EncryptedPrivateKeyInfo as needing a passphrase.
      if ((err as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') throw new KeyError(REFUSALS.encrypted(source));
    }
  }
  throw new KeyError(REFUSALS[describeNonPrivateDer(der)](source));
}

/** Says what a DER blob that is not a private key is, so the refusal can be specific. */
function describeNonPrivateDer(der: Buffer): Refusal {
  try {
    new X509Certificate(der);
    return 'certificate';
  } catch {
    // not a certificate
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      createPublicKey({ key: der, format: 'der', type });
      return 'public';
    } catch {
      // try the next
    }
  }
  return 'garbage';
}

function parseJwk(json: string, source: string): AccountKey {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // JSON.parse's message quotes the input, which may be key material.
    throw new KeyError(REFUSALS.garbage(source));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KeyError(REFUSALS.garbage(source));
  const jwk = value as Record<string, unknown>;
  if (typeof jwk.kty !== 'string') throw new KeyError(REFUSALS.garbage(source));
  const members = PRIVATE_JWK_MEMBERS[jwk.kty as Kty] as readonly string[] | undefined;
  if (members === undefined) throw new KeyError(`${source} holds a JWK of type "${jwk.kty}"; acmecli supports ${SUPPORTED_KEYS_TEXT}`);
  if (jwk.d === undefined) throw new KeyError(REFUSALS.public(source));
  const picked: JsonWebKey = {};
  for (const member of members) {
    if (typeof jwk[member] !== 'string') {
      throw new KeyError(`${source}: the ${jwk.kty} JWK has no "${member}" member, which acmecli needs`);
    }
    picked[member] = jwk[member];
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: picked, format: 'jwk' });
  } catch {
    throw new KeyError(`${source}: the ${jwk.kty} JWK's values do not form a valid private key`);
  }
  return accountKeyFromKeyObject(privateKey, source, 'jwk');
}
