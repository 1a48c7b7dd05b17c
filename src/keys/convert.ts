import type { KeyObject } from 'node:crypto';
import { KeyError } from '../errors.js';
import type { AccountKey } from './account-key.js';
import type { Kty } from './key-types.js';

/** The "traditional" (pre-PKCS#8) DER type for each key type; Ed25519 was born after them and has none. */
const TRADITIONAL_TYPE: Partial<Record<string, 'pkcs1' | 'sec1'>> = {
  rsa: 'pkcs1',
  ec: 'sec1',
};

/**
 * A private key (account or certificate) as PEM text: PKCS#8 (`BEGIN PRIVATE KEY`), or the
 * traditional form (`RSA PRIVATE KEY` PKCS#1, `EC PRIVATE KEY` SEC1) the Go client writes.
 *
 * @throws KeyError (code `KEY`) for a traditional Ed25519 key, which has no such form.
 */
export function privateKeyPem(key: KeyObject, form: 'pkcs8' | 'traditional', description = String(key.asymmetricKeyType)): string {
  return exportPrivateKey(key, form, 'pem', description).toString('utf8');
}

function exportPrivateKey(key: KeyObject, form: 'pkcs8' | 'traditional', encoding: 'pem' | 'der', description: string): Buffer {
  const type = form === 'pkcs8' ? 'pkcs8' : TRADITIONAL_TYPE[key.asymmetricKeyType ?? ''];
  if (type === undefined) throw new KeyError(`${description} keys have no PKCS#1 form; use pkcs8 or der8`);
  return encoding === 'pem' ? Buffer.from(key.export({ format: 'pem', type })) : key.export({ format: 'der', type });
}

/**
 * certbot's `private_key.json` member order, which is josepy's: `fields_to_partial_json`
 * builds the members in this order and `to_partial_json` appends `kty` last.
 * josepy writes OKP keys as crv, kty, d, x.
 */
const CERTBOT_JWK_MEMBERS: Record<Kty, readonly string[]> = {
  RSA: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'kty'],
  EC: ['d', 'x', 'y', 'crv', 'kty'],
  OKP: ['crv', 'kty', 'd', 'x'],
};

export interface ExportOptions {
  /** json only: certbot's `json_dumps_pretty` layout (sorted members, 4-space indent) instead of its one-line file layout. */
  pretty?: boolean;
}

interface KeyOutputFormat {
  summary: string;
  isBinary: boolean;
  encode: (key: AccountKey, options: ExportOptions) => Buffer;
}

/**
 * The formats `acmecli key convert --to` writes.
 *
 * `pem` is the default and is PKCS#8 PEM ("BEGIN PRIVATE KEY") because that is
 * what OpenSSL 3 writes (`genpkey`, `genrsa`, `pkey`) and what every ACME client
 * we interoperate with reads, for all three key families; the traditional forms
 * cannot hold Ed25519.
 */
export const KEY_OUTPUT_FORMATS = {
  pem: { summary: 'PKCS#8 PEM, as OpenSSL 3 writes it', isBinary: false, encode: (key) => pkcs8(key, 'pem') },
  pkcs1: { summary: 'traditional PEM: RSA PRIVATE KEY (PKCS#1) or EC PRIVATE KEY (SEC1)', isBinary: false, encode: (key) => traditional(key, 'pem') },
  pkcs8: { summary: 'PKCS#8 PEM (BEGIN PRIVATE KEY)', isBinary: false, encode: (key) => pkcs8(key, 'pem') },
  der1: { summary: 'binary PKCS#1 (RSA) or SEC1 (EC)', isBinary: true, encode: (key) => traditional(key, 'der') },
  der8: { summary: 'binary PKCS#8', isBinary: true, encode: (key) => pkcs8(key, 'der') },
  json: { summary: "private JWK JSON, laid out as certbot's private_key.json", isBinary: false, encode: certbotJson },
} as const satisfies Record<string, KeyOutputFormat>;

export type KeyOutputFormatName = keyof typeof KEY_OUTPUT_FORMATS;

export const KEY_OUTPUT_FORMAT_NAMES = Object.keys(KEY_OUTPUT_FORMATS) as KeyOutputFormatName[];

/**
 * Serialises the account's private key in `format`; see KEY_OUTPUT_FORMATS for
 * which are binary.
 *
 * @throws KeyError (code `KEY`) when the format cannot hold the key (Ed25519 as pkcs1/der1).
 */
export function exportAccountKey(key: AccountKey, format: KeyOutputFormatName, options: ExportOptions = {}): Buffer {
  const spec: KeyOutputFormat = KEY_OUTPUT_FORMATS[format];
  return spec.encode(key, options);
}

function pkcs8(key: AccountKey, encoding: 'pem' | 'der'): Buffer {
  return exportPrivateKey(key.privateKey, 'pkcs8', encoding, key.description);
}

function traditional(key: AccountKey, encoding: 'pem' | 'der'): Buffer {
  return exportPrivateKey(key.privateKey, 'traditional', encoding, key.description);
}

/**
 * certbot writes `account.key.json_dumps()`: Python's `json.dumps` defaults, so one
 * line with ", " and ": " separators, josepy's member order, and no final newline.
 * `json_dumps_pretty` is `sort_keys=True, indent=4, separators=(',', ': ')`.
 */
function certbotJson(key: AccountKey, options: ExportOptions): Buffer {
  const jwk = key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const members = CERTBOT_JWK_MEMBERS[ktyOf(key)].map((name) => [name, jwk[name]] as const);
  if (options.pretty) {
    const sorted = Object.fromEntries([...members].sort(([a], [b]) => (a < b ? -1 : 1)));
    return Buffer.from(JSON.stringify(sorted, null, 4), 'utf8');
  }
  return Buffer.from(`{${members.map(([name, value]) => `${JSON.stringify(name)}: ${JSON.stringify(value)}`).join(', ')}}`, 'utf8');
}

function ktyOf(key: AccountKey): Kty {
  return key.publicJwk.kty as Kty;
}
