import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { CERT_KEY_TYPES, CERT_KEY_TYPE_NAMES, DEFAULT_CERT_KEY_TYPE, certKeyTypeOf, newCertificateKey, parseCertKeyType, parseCertificateKey } from '../../../src/certs/cert-key-types.js';
import { KeyError, UsageError } from '../../../src/errors.js';
import { KEY_TYPES } from '../../../src/keys/key-types.js';

test('the certificate key types are ec256, ec384 and RSA 2048/3072/4096, read from the account key table; ec256 first and default', () => {
  expect(CERT_KEY_TYPE_NAMES).toEqual(['ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096']);
  expect(DEFAULT_CERT_KEY_TYPE).toBe('ec256');
  for (const name of CERT_KEY_TYPE_NAMES) expect(CERT_KEY_TYPES[name]).toMatchObject(KEY_TYPES[name]);
  expect(CERT_KEY_TYPES.ec384.csrHash).toBe('SHA-384');
  expect(CERT_KEY_TYPES.ec256.csrHash).toBe('SHA-256');
});

test('parseCertKeyType takes the names and refuses account-only and unknown types', () => {
  for (const name of CERT_KEY_TYPE_NAMES) expect(parseCertKeyType(name)).toBe(name);
  expect(() => parseCertKeyType('ed25519')).toThrow(UsageError);
  expect(() => parseCertKeyType('ed25519')).toThrow(/account key type only/);
  expect(() => parseCertKeyType('ec521')).toThrow(/choose one of ec256, ec384, rsa2048, rsa3072, rsa4096/);
  expect(() => parseCertKeyType('EC256')).toThrow(UsageError);
  expect(() => parseCertKeyType('toString')).toThrow(UsageError);
});

test('certKeyTypeOf names a key, and refuses P-521, Ed25519 and odd RSA sizes', () => {
  expect(certKeyTypeOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'k')).toBe('ec256');
  expect(certKeyTypeOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'k')).toBe('ec384');
  expect(certKeyTypeOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'k')).toBe('rsa2048');
  expect(() => certKeyTypeOf(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'key.pem')).toThrow(
    new KeyError('key.pem is an EC secp521r1 key; a certificate key must be one of ec256, ec384, rsa2048, rsa3072, rsa4096'),
  );
  expect(() => certKeyTypeOf(generateKeyPairSync('ed25519').privateKey, 'key.pem')).toThrow(/key.pem is an ed25519 key; a certificate key must be one of/);
  expect(() => certKeyTypeOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'key.pem')).toThrow(/an RSA 1024-bit key/);
});

test.each([
  ['ec256', 'traditional', 'EC PRIVATE KEY'],
  ['ec384', 'pkcs8', 'PRIVATE KEY'],
  ['rsa2048', 'traditional', 'RSA PRIVATE KEY'],
] as const)('newCertificateKey(%s, %s): a PEM %s that holds the very key returned as an object', async (type, form, label) => {
  const key = await newCertificateKey(type, form);
  expect(key.pem.startsWith(`-----BEGIN ${label}-----\n`)).toBe(true);
  expect(certKeyTypeOf(key.object, 'new key')).toBe(type);
  expect(createPrivateKey(key.pem).export({ format: 'jwk' })).toEqual(key.object.export({ format: 'jwk' }));
  expect(parseCertificateKey(key.pem, 'x.key').export({ format: 'jwk' })).toEqual(key.object.export({ format: 'jwk' }));
});

test('parseCertificateKey: a damaged key file is a KeyError naming it', () => {
  expect(() => parseCertificateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', '/l/v1.key')).toThrow(new KeyError('/l/v1.key is not a private key that can be read; the file is damaged'));
});
