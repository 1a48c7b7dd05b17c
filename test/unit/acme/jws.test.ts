import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { base64url, flattenedVerify } from 'jose';
import { expect, test } from 'vitest';
import { decodeEabKey, signExternalAccountBinding, signRequest, type SigningKey } from '../../../src/acme/jws.js';
import { accountKeyFromKeyObject } from '../../../src/keys/account-key.js';

function keyOf(type: 'ec' | 'rsa' | 'ed25519', options: Record<string, unknown> = {}): SigningKey {
  const { privateKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
  return accountKeyFromKeyObject(privateKey, 'test', 'pkcs8') as SigningKey;
}

function decodeHeader(jws: { protected: string }): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(jws.protected)));
}

test.each([
  ['P-256', keyOf('ec', { namedCurve: 'P-256' }), 'ES256'],
  ['P-384', keyOf('ec', { namedCurve: 'P-384' }), 'ES384'],
  ['P-521', keyOf('ec', { namedCurve: 'P-521' }), 'ES512'],
  ['RSA 2048', keyOf('rsa', { modulusLength: 2048 }), 'RS256'],
  ['Ed25519', keyOf('ed25519'), 'EdDSA'],
] as const)('RFC 8555 §6.2: a %s key signs with its alg and the signature verifies', async (_name, key, alg) => {
  const jws = await signRequest(key, { kid: 'https://ca/acct/1' }, 'https://ca/new-order', 'nonce123', { identifiers: [] });
  const header = decodeHeader(jws);
  expect(header).toEqual({ alg, url: 'https://ca/new-order', nonce: 'nonce123', kid: 'https://ca/acct/1' });
  const verified = await flattenedVerify(jws, createPublicKey(key.privateKey));
  expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual({ identifiers: [] });
});

test('RFC 7518 §3.4: an ECDSA algorithm refuses a key on another curve (the CA would reject the signature)', async () => {
  const p384 = keyOf('ec', { namedCurve: 'P-384' });
  await expect(signRequest({ ...p384, jwsAlg: 'ES256' }, { kid: 'k' }, 'https://ca/order/1', 'n', undefined)).rejects.toMatchObject({ code: 'KEY', message: expect.stringContaining('prime256v1') });
});

test('RFC 8555 §6.2: jwk header carries only public members, never kid', async () => {
  const key = keyOf('ec', { namedCurve: 'P-256' });
  const leaky = { ...key, publicJwk: { ...key.publicJwk, d: 'SECRET' } as never };
  const header = decodeHeader(await signRequest(leaky, { jwk: leaky.publicJwk }, 'https://ca/new-acct', 'n', {}));
  expect(header.kid).toBeUndefined();
  expect(Object.keys(header.jwk as object).sort()).toEqual(['crv', 'kty', 'x', 'y']);
});

test('RFC 8555 §6.3: POST-as-GET has an empty payload', async () => {
  const jws = await signRequest(keyOf('ec', { namedCurve: 'P-256' }), { kid: 'k' }, 'https://ca/order/1', 'n', undefined);
  expect(jws.payload).toBe('');
});

test('RFC 8555 §7.3.4: EAB is an HMAC over the account JWK with alg, kid and url and no nonce', async () => {
  const macKey = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W'; // Pebble's example kid-1
  const account = keyOf('ec', { namedCurve: 'P-256' });
  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    const jws = await signExternalAccountBinding({ kid: 'kid-1', hmacKey: macKey, alg }, account.publicJwk, 'https://ca/new-acct');
    expect(decodeHeader(jws)).toEqual({ alg, kid: 'kid-1', url: 'https://ca/new-acct' });
    const verified = await flattenedVerify(jws, base64url.decode(macKey));
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual(account.publicJwk);
    await expect(flattenedVerify(jws, base64url.decode('b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH'))).rejects.toThrow();
  }
});

test('EAB keys are read with or without padding, and in standard base64', () => {
  const bytes = new Uint8Array(32).map((_, i) => i * 7 + 250);
  const unpadded = base64url.encode(bytes);
  expect(decodeEabKey(unpadded)).toEqual(bytes);
  expect(decodeEabKey(`${unpadded}=`)).toEqual(bytes);
  expect(decodeEabKey(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
});

test.each([['empty', ''], ['not base64', 'héllo wörld!'], ['too short', 'c2hvcnQ']])('a malformed EAB key is a usage error: %s', (_name, text) => {
  expect(() => decodeEabKey(text)).toThrow(expect.objectContaining({ code: 'USAGE' }));
});
