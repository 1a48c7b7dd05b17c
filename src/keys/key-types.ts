import type { JwsAlgorithm } from '../acme/jws.js';

/**
 * The account key types acmecli makes and accepts. Every other module in
 * `src/keys` (generation, parsing limits, descriptions, CLI choices) reads this
 * table, so adding a type is one line here.
 */
export type KeyTypeSpec =
  | { readonly kty: 'EC'; readonly curve: 'P-256' | 'P-384' | 'P-521'; readonly jwsAlg: Extract<JwsAlgorithm, 'ES256' | 'ES384' | 'ES512'> }
  | { readonly kty: 'OKP'; readonly curve: 'Ed25519'; readonly jwsAlg: Extract<JwsAlgorithm, 'EdDSA'> }
  | { readonly kty: 'RSA'; readonly bits: number; readonly jwsAlg: Extract<JwsAlgorithm, 'RS256'> };

export const KEY_TYPES = {
  ec256: { kty: 'EC', curve: 'P-256', jwsAlg: 'ES256' },
  ec384: { kty: 'EC', curve: 'P-384', jwsAlg: 'ES384' },
  ec521: { kty: 'EC', curve: 'P-521', jwsAlg: 'ES512' },
  ed25519: { kty: 'OKP', curve: 'Ed25519', jwsAlg: 'EdDSA' },
  rsa2048: { kty: 'RSA', bits: 2048, jwsAlg: 'RS256' },
  rsa3072: { kty: 'RSA', bits: 3072, jwsAlg: 'RS256' },
  rsa4096: { kty: 'RSA', bits: 4096, jwsAlg: 'RS256' },
} as const satisfies Record<string, KeyTypeSpec>;

/** A key type name: the `--key-type` choices, `--help` and the tests all come from here. */
export type KeyTypeName = keyof typeof KEY_TYPES;

/** JWK `kty` values acmecli accepts. */
export type Kty = (typeof KEY_TYPES)[KeyTypeName]['kty'];

/** Every key type name, in table order (the first is the default for new keys). */
export const KEY_TYPE_NAMES = Object.keys(KEY_TYPES) as KeyTypeName[];

/**
 * The members of a public JWK that RFC 7638 §3.2 hashes, already in its
 * lexicographic order: "the required members for an RSA public key are ... e, kty, n".
 * A public JWK that acmecli sends or stores has exactly these members.
 */
export const PUBLIC_JWK_MEMBERS = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
} as const satisfies Record<Kty, readonly string[]>;

/** RSA moduli outside this range are refused: under 2048 bits CAs refuse them, over 4096 is needless. */
export const RSA_BITS = (() => {
  const sizes = Object.values(KEY_TYPES).flatMap((spec) => ('bits' in spec ? [spec.bits as number] : []));
  return { min: Math.min(...sizes), max: Math.max(...sizes) };
})();

/** The table entry for a curve name (`P-256`, `Ed25519`), or undefined when acmecli does not support it. */
export function keyTypeForCurve(curve: string): KeyTypeName | undefined {
  return KEY_TYPE_NAMES.find((name) => {
    const spec: KeyTypeSpec = KEY_TYPES[name];
    return 'curve' in spec && spec.curve === curve;
  });
}

/** One line naming what acmecli supports, for refusals: "RSA 2048-4096 bits, EC P-256/P-384/P-521, Ed25519". */
export const SUPPORTED_KEYS_TEXT = [
  `RSA ${RSA_BITS.min}-${RSA_BITS.max} bits`,
  `EC ${curvesOf('EC').join('/')}`,
  ...curvesOf('OKP'),
].join(', ');

function curvesOf(kty: 'EC' | 'OKP'): string[] {
  const specs: readonly KeyTypeSpec[] = Object.values(KEY_TYPES);
  return specs.flatMap((spec) => (spec.kty === kty ? [spec.curve] : []));
}
