import { createPublicKey } from 'node:crypto';
import { test, expect } from 'vitest';
import { accountKeyFromKeyObject } from '../../../src/keys/account-key.js';
import { generatePrivateKey } from '../../../src/keys/generate.js';
import { KEY_TYPE_NAMES } from '../../../src/keys/key-types.js';
import { jwkThumbprint, jwkThumbprintInput } from '../../../src/keys/thumbprint.js';
import { base64url, openssl } from './support.js';

// RFC 7638 §3.1: the RSA key from RFC 7517 Appendix A.1, with its optional members.
const RFC_7638_JWK = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

test('RFC 7638 §3.1 example thumbprint', async () => {
  expect(await jwkThumbprint(RFC_7638_JWK)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
});

test('RFC 7638 §3.1 canonical input keeps only e, kty, n in order without whitespace', () => {
  expect(jwkThumbprintInput(RFC_7638_JWK)).toBe(`{"e":"AQAB","kty":"RSA","n":"${RFC_7638_JWK.n}"}`);
});

test('thumbprint of every key type equals openssl dgst -sha256 over a hand-built RFC 7638 JSON', async () => {
  for (const type of KEY_TYPE_NAMES.filter((name) => name !== 'rsa4096' && name !== 'rsa3072')) {
    const privateKey = await generatePrivateKey(type);
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const byHand =
      jwk.kty === 'RSA'
        ? `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`
        : jwk.kty === 'EC'
          ? `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`
          : `{"crv":"${jwk.crv}","kty":"OKP","x":"${jwk.x}"}`;
    const expected = base64url(openssl(['dgst', '-sha256', '-binary'], byHand));
    const key = accountKeyFromKeyObject(privateKey, type, 'pkcs8');
    expect(jwkThumbprintInput(key.publicJwk)).toBe(byHand);
    expect(await jwkThumbprint(key.publicJwk)).toBe(expected);
  }
}, 60_000);

test('thumbprint refuses a JWK missing a required member, naming it', async () => {
  await expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AAAA' })).rejects.toMatchObject({ code: 'KEY', message: expect.stringContaining('"y"') });
  expect(() => jwkThumbprintInput({ kty: 'oct', k: 'AAAA' })).toThrow(/"oct"/);
});
