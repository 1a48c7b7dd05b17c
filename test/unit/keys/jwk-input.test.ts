import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test, expect } from 'vitest';
import { parseAccountKey } from '../../../src/keys/account-key.js';

/** Lays members out the way Python's json.dumps does by default, as certbot writes private_key.json. */
function pythonJsonDumps(members: [string, unknown][]): string {
  return `{${members.map(([name, value]) => `${JSON.stringify(name)}: ${JSON.stringify(value)}`).join(', ')}}`;
}

test("a certbot RSA private_key.json (n,e,d,p,q,dp,dq,qi,kty) parses to the same key", () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const file = pythonJsonDumps((['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'kty'] as const).map((m) => [m, jwk[m]]));
  const key = parseAccountKey(file, '/etc/letsencrypt/accounts/x/private_key.json');
  expect(key).toMatchObject({ sourceFormat: 'jwk', jwsAlg: 'RS256', description: 'RSA 2048' });
  expect(key.publicJwk).toEqual({ e: jwk.e, kty: 'RSA', n: jwk.n });
  expect(key.privateKey.export({ format: 'jwk' })).toEqual(jwk);
});

test('a certbot EC private_key.json with extra kid, alg and use members parses to the same key', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwk = privateKey.export({ format: 'jwk' });
  const file = `${JSON.stringify({ d: jwk.d, x: jwk.x, y: jwk.y, crv: jwk.crv, kty: 'EC', kid: 'k1', alg: 'ES384', use: 'sig' }, null, 2)}\n`;
  const key = parseAccountKey(Buffer.from(`\uFEFF${file}`, 'utf8'), 'private_key.json');
  expect(key).toMatchObject({ sourceFormat: 'jwk', jwsAlg: 'ES384', description: 'EC P-384' });
  expect(key.publicJwk).toEqual({ crv: 'P-384', kty: 'EC', x: jwk.x, y: jwk.y });
  expect(createPublicKey(key.privateKey).export({ format: 'jwk' })).toEqual({ crv: 'P-384', kty: 'EC', x: jwk.x, y: jwk.y });
});

test('an Ed25519 JWK (RFC 8037) parses', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const key = parseAccountKey(JSON.stringify(jwk), 'ed.json');
  expect(key).toMatchObject({ jwsAlg: 'EdDSA', description: 'Ed25519', publicJwk: { crv: 'Ed25519', kty: 'OKP', x: jwk.x } });
});
