// What parseAccountKey refuses, and that each refusal is one line naming the file and no key material.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, test, expect } from 'vitest';
import { parseAccountKey } from '../../../src/keys/account-key.js';
import { makeTempDir, openssl } from './support.js';
import { cachedRsaKey } from '../../support/key-fixtures.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());

const SOURCE = '/keys/account.pem';
const GARBAGE = `${SOURCE} is not a private key in a format acmecli reads (PEM PKCS#1/SEC1/PKCS#8, DER, or JWK JSON)`;

/** Returns the KeyError thrown, checking the properties every refusal must have. */
function refusal(data: Buffer | string, secret?: string): Error {
  let caught: unknown;
  try {
    parseAccountKey(data, SOURCE);
  } catch (err) {
    caught = err;
  }
  expect(caught).toMatchObject({ code: 'KEY', name: 'KeyError' });
  const message = (caught as Error).message;
  expect(message).toContain(SOURCE);
  expect(message).not.toContain('\n');
  if (secret) expect(message).not.toContain(secret);
  return caught as Error;
}

test('PKCS#8 encrypted key is refused with the openssl command to decrypt it', () => {
  const pem = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes256', '-pass', 'pass:secret']);
  expect(pem.toString()).toContain('BEGIN ENCRYPTED PRIVATE KEY');
  expect(refusal(pem).message).toBe(`${SOURCE} is encrypted; decrypt it first: openssl pkey -in ${SOURCE} -out plain.pem`);
});

test('traditional encrypted key (Proc-Type: 4,ENCRYPTED) is refused as encrypted', () => {
  const plain = temp.path('plain-rsa.pem');
  // Any RSA key will do: the subject is openssl's traditional encryption of it.
  writeFileSync(plain, cachedRsaKey(2048).export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const pem = openssl(['rsa', '-in', plain, '-traditional', '-aes256', '-passout', 'pass:secret']);
  expect(pem.toString()).toContain('Proc-Type: 4,ENCRYPTED');
  expect(refusal(pem).message).toMatch(/is encrypted; decrypt it first/);
});

test('encrypted DER PKCS#8 is refused as encrypted', () => {
  const plain = temp.path('plain-ec.pem');
  writeFileSync(plain, openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']));
  const der = openssl(['pkcs8', '-topk8', '-in', plain, '-outform', 'DER', '-passout', 'pass:secret']);
  expect(refusal(der).message).toMatch(/is encrypted; decrypt it first/);
});

test('RSA 1024 is refused, naming the size', () => {
  const message = refusal(openssl(['genrsa', '1024'])).message;
  expect(message).toMatch(/RSA 1024-bit key; acmecli supports RSA 2048-4096 bits/);
});

test('RSA over 4096 bits is refused, naming the size', () => {
  const privateKey = cachedRsaKey(4160);
  expect(refusal(privateKey.export({ type: 'pkcs1', format: 'pem' })).message).toMatch(/RSA 4160-bit key/);
}, 60_000);

test('secp256k1 is refused, naming the curve, in SEC1 PEM and in JWK', () => {
  const pem = openssl(['ecparam', '-name', 'secp256k1', '-genkey', '-noout']);
  expect(refusal(pem).message).toMatch(/EC secp256k1 key; acmecli supports .*EC P-256\/P-384\/P-521/);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const jwk = privateKey.export({ format: 'jwk' });
  expect(refusal(JSON.stringify(jwk), jwk.d).message).toMatch(/secp256k1/);
});

test('brainpool, DSA, X25519 and Ed448 keys are refused as unsupported types', () => {
  const cases: [Buffer, RegExp][] = [
    [openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:brainpoolP256r1']), /EC brainpoolP256r1 key/],
    [openssl(['genpkey', '-algorithm', 'x25519']), /an X25519 key; acmecli supports/],
    [openssl(['genpkey', '-algorithm', 'ed448']), /an Ed448 key; acmecli supports/],
  ];
  const dsaParams = temp.path('dsa-params.pem');
  writeFileSync(dsaParams, openssl(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024']));
  const dsa = openssl(['genpkey', '-paramfile', dsaParams]);
  cases.push([dsa, /a DSA key; acmecli supports/]);
  const dsaFile = temp.path('dsa.pem');
  writeFileSync(dsaFile, dsa);
  const traditionalDsa = openssl(['pkey', '-in', dsaFile, '-traditional']);
  expect(traditionalDsa.toString()).toContain('BEGIN DSA PRIVATE KEY');
  cases.push([traditionalDsa, /a DSA key; acmecli supports/]);
  for (const [pem, pattern] of cases) expect(refusal(pem).message).toMatch(pattern);
});

test('a public key, a certificate and a CSR are refused for what they are', () => {
  const keyFile = temp.path('for-cert.pem');
  writeFileSync(keyFile, openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']));
  const publicPem = openssl(['pkey', '-in', keyFile, '-pubout']);
  expect(refusal(publicPem).message).toMatch(/holds a public key, not a private key/);
  const publicDer = openssl(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER']);
  expect(refusal(publicDer).message).toMatch(/holds a public key, not a private key/);
  const cert = openssl(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=example.test', '-days', '1']);
  expect(refusal(cert).message).toMatch(/holds a certificate, not a private key/);
  const certFile = temp.path('cert.pem');
  writeFileSync(certFile, cert);
  expect(refusal(openssl(['x509', '-in', certFile, '-outform', 'DER'])).message).toMatch(/holds a certificate/);
  const csr = openssl(['req', '-new', '-key', keyFile, '-subj', '/CN=example.test']);
  expect(refusal(csr).message).toMatch(/holds a certificate request/);
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  expect(refusal(JSON.stringify(publicKey.export({ format: 'jwk' }))).message).toMatch(/holds a public key/);
});

test('a certificate followed by its private key (a combined PEM) yields the key', () => {
  const keyPem = openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
  const keyFile = temp.path('combined-key.pem');
  writeFileSync(keyFile, keyPem);
  const cert = openssl(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=example.test', '-days', '1']);
  expect(parseAccountKey(Buffer.concat([cert, keyPem]), 'combined.pem').description).toBe('EC P-256');
  expect(refusal(Buffer.concat([keyPem, keyPem])).message).toMatch(/holds 2 private keys/);
});

test('garbage is refused with the formats acmecli reads', () => {
  expect(refusal('{"kty":"oct","k":"c2VjcmV0"}', 'c2VjcmV0').message).toMatch(/JWK of type "oct"; acmecli supports/);
  for (const data of ['', 'hello world\n', Buffer.from([0x00, 0xff, 0x10]), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]), '[1,2,3]', '{"hello":"world"}', 'null']) {
    expect(refusal(data).message).toBe(GARBAGE);
  }
});

test('broken JSON and broken PEM do not echo key material', () => {
  const secret = 'c2VjcmV0LXByaXZhdGUtdmFsdWUtdGhhdC1tdXN0LW5vdC1sZWFr';
  expect(refusal(`{"kty":"EC","crv":"P-256","d":"${secret}"`, secret).message).toBe(GARBAGE);
  expect(refusal(`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","d":"${secret}"}`, secret).message).toMatch(/not form a valid private key/);
  expect(refusal(`-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`, secret).message).toMatch(/cannot be read/);
  expect(refusal(`-----BEGIN PRIVATE KEY-----\n${secret}!!\n-----END PRIVATE KEY-----\n`, secret).message).toMatch(/damaged/);
  expect(refusal(`-----BEGIN PRIVATE KEY-----\n${secret}\n`, secret).message).toMatch(/no matching END line/);
});

test('an RSA JWK without its CRT members is refused, naming the first missing member', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { kty, n, e, d } = privateKey.export({ format: 'jwk' });
  expect(refusal(JSON.stringify({ kty, n, e, d }), d).message).toBe(`${SOURCE}: the RSA JWK has no "p" member, which acmecli needs`);
});
