import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { KEY_TYPES, type KeyTypeName, type KeyTypeSpec } from './key-types.js';

// Promisified when a key is made, not at import: promisify reads the function's properties, and in the
// single executable that loads node:crypto (scripts/build-sea.mjs), which `cert list` does not need.
const generateKeyPairAsync = () => promisify(generateKeyPair);

/**
 * Makes a new private key of the given type, for an account or (through
 * certs/cert-key-types.ts newCertificateKey) a certificate. Asynchronous because
 * RSA 4096 takes seconds and must not freeze a spinner.
 *
 * @example
 *   const key = accountKeyFromKeyObject(await generatePrivateKey('ec256'), 'new key', 'pkcs8');
 */
export async function generatePrivateKey(type: KeyTypeName): Promise<KeyObject> {
  const spec: KeyTypeSpec = KEY_TYPES[type];
  switch (spec.kty) {
    case 'RSA':
      return (await generateKeyPairAsync()('rsa', { modulusLength: spec.bits, publicExponent: 65537 })).privateKey;
    case 'EC':
      // node takes the JOSE/NIST curve names ('P-256') as well as OpenSSL's.
      return (await generateKeyPairAsync()('ec', { namedCurve: spec.curve })).privateKey;
    case 'OKP':
      return (await generateKeyPairAsync()('ed25519')).privateKey;
  }
}
