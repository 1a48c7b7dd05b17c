// Certificates and requests written byte by byte, as a hostile CA, manager or --csr file could: each
// one is something the strict DER reader (x509-der.ts) must refuse rather than read one way while a
// CA or a TLS client reads it another.
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseCsr } from '../../../src/certs/csr.js';
import { TAG, children, encodeConstructed, encodeOid, encodeTlv, readWhole } from '../../../src/certs/der.js';
import { parseIdentifier } from '../../../src/certs/identifiers.js';
import { CertificateRefusedError, checkIssuedCertificate } from '../../../src/certs/issued-certificate-check.js';
import { encodeAlgorithmIdentifier, encodeExtension, encodeSigned, encodeTbsCertificate, type Extension } from '../../../src/certs/x509-der.js';
import { UsageError } from '../../../src/errors.js';
import { encodePem, findPemBlocks } from '../../../src/keys/pem.js';
import { makeTestCa, type TestCa } from '../../support/forged-certificates.js';

const DAY = 86_400_000;
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const SUBJECT_ALT_NAME = '2.5.29.17';
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const key: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
const emptyName = new Uint8Array([TAG.sequence, 0]);

const dnsName = (name: string) => encodeTlv(0x82, Buffer.from(name, 'latin1'));
const subjectAltName = (...names: string[]): Extension => ({ oid: SUBJECT_ALT_NAME, critical: false, value: encodeConstructed(TAG.sequence, names.map(dnsName)) });
const commonNameOf = (tag: number, value: Uint8Array) =>
  encodeConstructed(TAG.sequence, [encodeConstructed(TAG.set, [encodeConstructed(TAG.sequence, [encodeOid('2.5.4.3'), encodeTlv(tag, value)])])]);
/** UniversalString (UCS-4) whose code units lie `offset` above the characters of `text`. */
const universalString = (text: string, offset = 0) => {
  const bytes = Buffer.alloc(text.length * 4);
  [...text].forEach((char, i) => bytes.writeUInt32BE(char.codePointAt(0)! + offset, i * 4));
  return bytes;
};

let ca: TestCa;
let caSubject: Uint8Array;

beforeAll(async () => {
  ca = await makeTestCa('Hostile DER CA');
  const der = findPemBlocks(ca.certPem)[0]!.der!;
  const tbsFields = children(der, children(der, readWhole(der, TAG.sequence))[0]!);
  const subject = tbsFields[5]!; // version, serial, signature, issuer, validity, subject
  caSubject = der.subarray(subject.start, subject.end);
});

/** A leaf for `key`, issued and signed by `ca`, with exactly these extensions. */
function leafWith(extensions: Extension[], subject: Uint8Array = emptyName): string {
  const algorithm = encodeAlgorithmIdentifier(ECDSA_WITH_SHA256, false);
  const now = Date.now();
  const tbs = encodeTbsCertificate({
    serial: new Uint8Array([0x01, 0x02, 0x03]), algorithm, issuer: caSubject, notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY), subject, spki, extensions,
  });
  return encodePem('CERTIFICATE', encodeSigned(tbs, algorithm, sign('sha256', tbs, ca.key)));
}

function checkLeaf(pem: string): unknown {
  return checkIssuedCertificate(
    { certificate: pem + ca.certPem },
    { key, identifiers: [parseIdentifier('a.example')], now: new Date(), from: 'the CA', askedIn: 'the order' },
  );
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(CertificateRefusedError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('the certificate was accepted');
}

/** A PKCS#10 request for `key` with these attributes, signed correctly. */
function csrWith(attributes: Uint8Array[], subject: Uint8Array = emptyName): Uint8Array {
  const info = encodeConstructed(TAG.sequence, [new Uint8Array([TAG.integer, 1, 0]), subject, spki, encodeConstructed(0xa0, attributes)]);
  return encodeSigned(info, encodeAlgorithmIdentifier(ECDSA_WITH_SHA256, false), sign('sha256', info, key));
}

const extensionRequest = (...extensions: Extension[]) =>
  encodeConstructed(TAG.sequence, [encodeOid(EXTENSION_REQUEST), encodeConstructed(TAG.set, [encodeConstructed(TAG.sequence, extensions.map(encodeExtension))])]);

async function csrRefusal(der: Uint8Array): Promise<string> {
  const error = await parseCsr(der, 'hostile.csr').then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('the forging helpers make what the check accepts', () => {
  test('a leaf with one subjectAltName for the name asked is accepted', () => {
    expect(() => checkLeaf(leafWith([subjectAltName('a.example')]))).not.toThrow();
  });

  test('a request with one extensionRequest naming a.example is read as a.example', async () => {
    expect((await parseCsr(csrWith([extensionRequest(subjectAltName('a.example'))]), 'good.csr')).identifiers).toEqual([{ type: 'dns', value: 'a.example' }]);
  });
});

describe('RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension"', () => {
  test('a leaf with one SAN for the name asked and another for a name not asked is refused', () => {
    expect(refusal(() => checkLeaf(leafWith([subjectAltName('a.example'), subjectAltName('evil.example')])))).toMatch(/^refused the certificate from the CA: /);
  });

  test('a leaf with any other extension twice is refused: readers disagree on which instance counts', () => {
    const twice: Extension = { oid: '1.3.6.1.4.1.99999.1', critical: false, value: new Uint8Array([TAG.null, 0]) };
    expect(refusal(() => checkLeaf(leafWith([subjectAltName('a.example'), twice, twice]))))
      .toBe('refused the certificate from the CA: it cannot be parsed as an X.509 certificate');
  });

  test('a request with two subjectAltName extensions is refused (a CA may read the second, we read the first)', async () => {
    expect(await csrRefusal(csrWith([extensionRequest(subjectAltName('a.example'), subjectAltName('evil.example'))])))
      .toBe('hostile.csr is not a certificate request (PKCS#10 in PEM or DER); the file is damaged or of another kind');
  });

  test('a request with two extensionRequest attributes is refused (a CA may merge them, we read one)', async () => {
    expect(await csrRefusal(csrWith([extensionRequest(subjectAltName('a.example')), extensionRequest(subjectAltName('evil.example'))])))
      .toBe('hostile.csr is not a certificate request (PKCS#10 in PEM or DER); the file is damaged or of another kind');
  });
});

describe('UniversalString holds Unicode code points only (X.680 §41: UCS-4 within U+10FFFF, no surrogates)', () => {
  test('a CN of UniversalString a.example reads as a.example', async () => {
    expect((await parseCsr(csrWith([], commonNameOf(0x1c, universalString('a.example'))), 'good.csr')).identifiers).toEqual([{ type: 'dns', value: 'a.example' }]);
  });

  test('a CN whose code units lie 0x110000 above a.example is refused, not read modulo 0x110000 as a.example', async () => {
    expect(await csrRefusal(csrWith([], commonNameOf(0x1c, universalString('a.example', 0x110000)))))
      .toBe('hostile.csr is not a certificate request (PKCS#10 in PEM or DER); the file is damaged or of another kind');
  });

  test('a CN holding a surrogate code unit is refused', async () => {
    expect(await csrRefusal(csrWith([], commonNameOf(0x1c, Buffer.concat([universalString('a.example'), Buffer.from([0, 0, 0xd8, 0])])))))
      .toBe('hostile.csr is not a certificate request (PKCS#10 in PEM or DER); the file is damaged or of another kind');
  });
});

describe('RFC 5280 §4.2: a client "MUST reject the certificate if it encounters a critical extension it does not recognize"', () => {
  const keyUsage: Extension = { oid: '2.5.29.15', critical: true, value: new Uint8Array([TAG.bitString, 2, 5, 0xa0]) };
  const basicConstraints: Extension = { oid: '2.5.29.19', critical: true, value: new Uint8Array([TAG.sequence, 0]) };

  test('critical keyUsage, basicConstraints and subjectAltName (a leaf as Pebble and Let\'s Encrypt write it) are accepted', () => {
    expect(() => checkLeaf(leafWith([keyUsage, basicConstraints, { ...subjectAltName('a.example'), critical: true }]))).not.toThrow();
  });

  test('the same extension not marked critical is accepted: only critical ones make clients refuse', () => {
    expect(() => checkLeaf(leafWith([subjectAltName('a.example'), { oid: '1.3.6.1.4.1.11129.2.4.3', critical: false, value: new Uint8Array([TAG.null, 0]) }]))).not.toThrow();
  });

  test('a CT precertificate (its critical poison extension, RFC 6962 §3.1) is refused', () => {
    const poison: Extension = { oid: '1.3.6.1.4.1.11129.2.4.3', critical: true, value: new Uint8Array([TAG.null, 0]) };
    expect(refusal(() => checkLeaf(leafWith([keyUsage, subjectAltName('a.example'), poison]))))
      .toBe('refused the certificate from the CA: it has a critical extension 1.3.6.1.4.1.11129.2.4.3 that TLS clients do not know, so they would refuse it');
  });

  test('a critical flag that is not DER TRUE (0x01) is refused: OpenSSL reads it as true, Go as malformed', () => {
    const algorithm = encodeAlgorithmIdentifier(ECDSA_WITH_SHA256, false);
    const now = Date.now();
    const tbs = encodeTbsCertificate({
      serial: new Uint8Array([0x01, 0x02, 0x04]), algorithm, issuer: caSubject, notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY), subject: emptyName, spki,
      extensions: [{ ...subjectAltName('a.example'), critical: true }],
    });
    const flag = Buffer.from(tbs).indexOf(Buffer.from([TAG.boolean, 1, 0xff]));
    expect(flag).toBeGreaterThan(0);
    const patched = new Uint8Array(tbs);
    patched[flag + 2] = 0x01;
    const pem = encodePem('CERTIFICATE', encodeSigned(patched, algorithm, sign('sha256', patched, ca.key)));
    expect(refusal(() => checkLeaf(pem))).toBe('refused the certificate from the CA: it cannot be parsed as an X.509 certificate');
    // The same certificate with 0xff is accepted: the refusal is the flag's.
    expect(() => checkLeaf(leafWith([{ ...subjectAltName('a.example'), critical: true }]))).not.toThrow();
  });

  test('any other unknown critical extension is refused', () => {
    const unknown: Extension = { oid: '1.3.6.1.4.1.99999.7', critical: true, value: new Uint8Array([TAG.null, 0]) };
    expect(refusal(() => checkLeaf(leafWith([subjectAltName('a.example'), unknown]))))
      .toBe('refused the certificate from the CA: it has a critical extension 1.3.6.1.4.1.99999.7 that TLS clients do not know, so they would refuse it');
  });
});

describe('case is folded for ASCII only: U+212A KELVIN SIGN lowercases to k, but K.example is not k.example', () => {
  const kelvin = '\u212a.example';

  test('a leaf whose CN is K.example (Kelvin sign) is refused for an order of k.example', () => {
    const pem = leafWith([subjectAltName('k.example')], commonNameOf(TAG.utf8String, Buffer.from(kelvin, 'utf8')));
    const message = refusal(() => checkIssuedCertificate(
      { certificate: pem + ca.certPem },
      { key, identifiers: [parseIdentifier('k.example')], now: new Date(), from: 'the CA', askedIn: 'the order' },
    ));
    expect(message).toMatch(/^refused the certificate from the CA: its subject CN .* is not one of the names the order was for \(k\.example\)$/);
  });

  test('the same leaf with CN K.EXAMPLE in ASCII capitals is accepted', () => {
    const pem = leafWith([subjectAltName('k.example')], commonNameOf(TAG.utf8String, Buffer.from('K.EXAMPLE', 'utf8')));
    expect(() => checkIssuedCertificate(
      { certificate: pem + ca.certPem },
      { key, identifiers: [parseIdentifier('k.example')], now: new Date(), from: 'the CA', askedIn: 'the order' },
    )).not.toThrow();
  });

  test('a --csr whose CN is K.example (Kelvin sign) is refused, not read as k.example', async () => {
    expect(await csrRefusal(csrWith([], commonNameOf(TAG.utf8String, Buffer.from(kelvin, 'utf8')))))
      .toBe('hostile.csr: invalid name "\u212a.example": internationalised names are written in their ASCII form: k.example');
  });
});
