import { createPrivateKey, type KeyObject } from 'node:crypto';
import { KeyError, UsageError } from '../errors.js';
import { privateKeyPem } from '../keys/convert.js';
import { generatePrivateKey } from '../keys/generate.js';
import { KEY_TYPES, type KeyTypeName } from '../keys/key-types.js';

/**
 * The certificate key types, `--key-type` for `cert issue`: a subset of the
 * account key table. P-521 and Ed25519 are left out because public CAs refuse
 * them in certificates (Mozilla's root store policy allows only P-256, P-384 and
 * RSA; Let's Encrypt rejects the rest at finalize). Each entry adds the hash its
 * CSR is signed with: SHA-384 for P-384, as RFC 5480 §4 pairs them, SHA-256 otherwise.
 */
export const CERT_KEY_TYPES = {
  ec256: { ...KEY_TYPES.ec256, csrHash: 'SHA-256' },
  ec384: { ...KEY_TYPES.ec384, csrHash: 'SHA-384' },
  rsa2048: { ...KEY_TYPES.rsa2048, csrHash: 'SHA-256' },
  rsa3072: { ...KEY_TYPES.rsa3072, csrHash: 'SHA-256' },
  rsa4096: { ...KEY_TYPES.rsa4096, csrHash: 'SHA-256' },
} as const satisfies Partial<Record<KeyTypeName, (typeof KEY_TYPES)[KeyTypeName] & { csrHash: 'SHA-256' | 'SHA-384' }>>;

export type CertKeyTypeName = keyof typeof CERT_KEY_TYPES;
export type CertKeyTypeSpec = (typeof CERT_KEY_TYPES)[CertKeyTypeName];

/** In table order; the CLI's `--key-type` choices and `--help` come from here. */
export const CERT_KEY_TYPE_NAMES = Object.keys(CERT_KEY_TYPES) as CertKeyTypeName[];

export const DEFAULT_CERT_KEY_TYPE: CertKeyTypeName = 'ec256';

/**
 * A new certificate private key: the object (for the CSR) and its PEM, PKCS#8 for
 * lineages, or `traditional` (PKCS#1 RSA / SEC1 EC) where the Go client's files are
 * mirrored (the agent, `manager request`).
 */
export async function newCertificateKey(type: CertKeyTypeName, form: 'pkcs8' | 'traditional'): Promise<{ object: KeyObject; pem: string }> {
  const object = await generatePrivateKey(type);
  return { object, pem: privateKeyPem(object, form) };
}

/**
 * A certificate private key from its PEM file text (a lineage's key kept for reuse).
 *
 * @throws KeyError (code `KEY`) naming `source` when it is not a private key node can read.
 */
export function parseCertificateKey(pem: string, source: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new KeyError(`${source} is not a private key that can be read; the file is damaged`);
  }
}

/**
 * Reads a `--key-type` value for a certificate key.
 *
 * @throws UsageError (code `USAGE`) naming the value and the choices.
 */
export function parseCertKeyType(text: string): CertKeyTypeName {
  if (Object.hasOwn(CERT_KEY_TYPES, text)) return text as CertKeyTypeName;
  const hint = Object.hasOwn(KEY_TYPES, text) ? ' (it is an account key type only: CAs do not issue certificates for it)' : '';
  throw new UsageError(`unknown certificate key type "${text}"${hint}; choose one of ${CERT_KEY_TYPE_NAMES.join(', ')}`);
}

/** node reports curves by their OpenSSL names. */
const NODE_CURVE_NAMES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' };

/**
 * The table entry for a private (or public) key, so a key brought with `--key`
 * is held to the same list as one acmecli generates.
 *
 * @throws KeyError (code `KEY`) for a key type or size CAs do not issue for.
 */
export function certKeyTypeOf(key: KeyObject, source: string): CertKeyTypeName {
  const details = key.asymmetricKeyDetails;
  const name = CERT_KEY_TYPE_NAMES.find((candidate) => {
    const spec: CertKeyTypeSpec = CERT_KEY_TYPES[candidate];
    if (spec.kty === 'RSA') return key.asymmetricKeyType === 'rsa' && details?.modulusLength === spec.bits;
    return key.asymmetricKeyType === 'ec' && details?.namedCurve === NODE_CURVE_NAMES[spec.curve];
  });
  if (name !== undefined) return name;
  const what =
    key.asymmetricKeyType === 'rsa'
      ? `an RSA ${details?.modulusLength ?? '?'}-bit key`
      : key.asymmetricKeyType === 'ec'
        ? `an EC ${details?.namedCurve ?? 'explicit-parameters'} key`
        : `${/^[aeiou]/.test(key.asymmetricKeyType ?? '') ? 'an' : 'a'} ${key.asymmetricKeyType ?? 'secret'} key`;
  throw new KeyError(`${source} is ${what}; a certificate key must be one of ${CERT_KEY_TYPE_NAMES.join(', ')}`);
}
