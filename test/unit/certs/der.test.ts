import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { DerError, TAG, children, decodeOid, encodeOid, encodeTlv, readTlv, readWhole } from '../../../src/certs/der.js';
import { readAuthorityKeyIdentifier, readCertificateFields, readCsrFields, readGeneralNames } from '../../../src/certs/x509-der.js';
import { createCsr } from '../../../src/certs/csr.js';
import { parseIdentifiers } from '../../../src/certs/identifiers.js';
import { makeCertificate } from './support.js';
import { findPemBlocks } from '../../../src/keys/pem.js';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('readTlv: strict DER (X.690 §10.1)', () => {
  test('short and long-form lengths', () => {
    expect(readTlv(bytes(0x04, 0x02, 0xaa, 0xbb), 0)).toEqual({ tag: 0x04, start: 0, contentStart: 2, end: 4 });
    const long = new Uint8Array(3 + 0x80);
    long.set([0x04, 0x81, 0x80]);
    expect(readTlv(long, 0)).toEqual({ tag: 0x04, start: 0, contentStart: 3, end: 3 + 0x80 });
    const longer = new Uint8Array(4 + 0x0100);
    longer.set([0x04, 0x82, 0x01, 0x00]);
    expect(readTlv(longer, 0).end).toBe(longer.length);
  });

  test.each([
    ['no bytes', bytes(), /truncated/],
    ['a tag without a length', bytes(0x30), /truncated/],
    ['content shorter than its length', bytes(0x04, 0x03, 0x00, 0x00), /truncated/],
    ['long-form length bytes cut off', bytes(0x04, 0x82, 0x01), /truncated DER length/],
    ['long-form length beyond the input', bytes(0x04, 0x81, 0x90, 0x00), /truncated/],
    ['indefinite length (BER only)', bytes(0x30, 0x80, 0x00, 0x00), /indefinite/],
    ['long form for a short length', bytes(0x04, 0x81, 0x01, 0x00), /non-minimal/],
    ['a leading zero length byte', bytes(0x04, 0x82, 0x00, 0x81, ...new Array<number>(0x81).fill(0)), /non-minimal/],
    ['five length bytes', bytes(0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00), /too large/],
    ['a multi-byte tag', bytes(0x1f, 0x81, 0x01, 0x00), /multi-byte/],
  ])('refuses %s', (_, input, message) => {
    expect(() => readTlv(input, 0)).toThrow(DerError);
    expect(() => readTlv(input, 0)).toThrow(message);
  });

  test('a child may not run past its parent, even when the input goes on', () => {
    const input = bytes(0x30, 0x03, 0x04, 0x02, 0xaa, 0xbb);
    expect(() => children(input, readTlv(input, 0))).toThrow(/truncated/);
  });

  test('readWhole refuses trailing bytes and a wrong tag', () => {
    expect(readWhole(bytes(0x30, 0x00), TAG.sequence).end).toBe(2);
    expect(() => readWhole(bytes(0x30, 0x00, 0x00), TAG.sequence)).toThrow(/bytes after/);
    expect(() => readWhole(bytes(0x31, 0x00), TAG.sequence)).toThrow(/tag 0x31 where 0x30/);
  });

  test('lengths written are minimal and read back', () => {
    for (const length of [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x10000]) {
      const encoded = encodeTlv(TAG.octetString, new Uint8Array(length));
      const tlv = readWhole(encoded, TAG.octetString);
      expect(tlv.end - tlv.contentStart).toBe(length);
    }
  });
});

describe('OBJECT IDENTIFIER', () => {
  test.each(['2.5.29.17', '1.2.840.113549.1.9.14', '1.3.6.1.5.5.7.1.31', '2.999.3', '0.9.2342.19200300.100.1.25'])('%s round-trips', (oid) => {
    const encoded = encodeOid(oid);
    expect(decodeOid(encoded.subarray(2))).toBe(oid);
  });
  test('refuses an empty, truncated or non-minimal one', () => {
    expect(() => decodeOid(bytes())).toThrow(DerError);
    expect(() => decodeOid(bytes(0x55, 0x1d, 0x81))).toThrow(/truncated/);
    expect(() => decodeOid(bytes(0x55, 0x80, 0x11))).toThrow(/non-minimal/);
  });
});

describe('X.509 and PKCS#10 structures', () => {
  const der = (pem: string) => findPemBlocks(pem)[0]!.der!;

  test('a certificate: serial, names, subjectAltName entries and AKI, as another implementation wrote them', async () => {
    const certificate = der(await makeCertificate({ dnsNames: ['a.example'], ipAddresses: ['192.0.2.1'], subjectCn: 'a.example', authorityKeyId: '0102ff', serialNumber: '00ff' }));
    const fields = readCertificateFields(certificate);
    expect(Buffer.from(fields.serial).toString('hex')).toBe('00ff');
    expect(fields.subject.flat().map((attribute) => [attribute.oid, attribute.text])).toEqual([['2.5.4.3', 'a.example']]);
    const san = fields.extensions.find((extension) => extension.oid === '2.5.29.17')!;
    expect(readGeneralNames(san.value).map((name) => [name.tag, Buffer.from(name.content).toString('hex')])).toEqual([[0x82, Buffer.from('a.example').toString('hex')], [0x87, 'c0000201']]);
    const aki = fields.extensions.find((extension) => extension.oid === '2.5.29.35')!;
    expect(Buffer.from(readAuthorityKeyIdentifier(aki.value)!).toString('hex')).toBe('0102ff');
  });

  test('a certificate cut short or with a byte after it is refused', async () => {
    const certificate = der(await makeCertificate({ dnsNames: ['a.example'] }));
    expect(() => readCertificateFields(certificate.subarray(0, certificate.length - 1))).toThrow(DerError);
    expect(() => readCertificateFields(new Uint8Array([...certificate, 0]))).toThrow(/bytes after/);
  });

  test('GeneralNames must be one SEQUENCE with nothing after it', () => {
    expect(() => readGeneralNames(bytes(0x30, 0x03, 0x82, 0x01, 0x61, 0x00))).toThrow(/bytes after/);
    expect(() => readGeneralNames(bytes(0x31, 0x03, 0x82, 0x01, 0x61))).toThrow(DerError);
    expect(() => readGeneralNames(bytes(0x30, 0x03, 0x82, 0x02, 0x61))).toThrow(/truncated/);
  });

  test('our own CSR reads back: the extensionRequest attribute and the signed info', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const csr = await createCsr(privateKey, parseIdentifiers(['a.example', '192.0.2.1']));
    const fields = readCsrFields(csr.der);
    expect(fields.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
    expect(fields.extensions.map((extension) => [extension.oid, extension.critical])).toEqual([['2.5.29.17', false]]);
    expect(() => readCsrFields(new Uint8Array([...csr.der, 0]))).toThrow(/bytes after/);
  });
});
