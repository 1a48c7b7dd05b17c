import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import {
  ariCertId,
  certificateMatchesKey,
  chainIssuerNames,
  describeCertificate,
  splitPemChain,
} from '../../../src/certs/certificate.js';
import { BadResponseError } from '../../../src/errors.js';
import { ecKey, makeCertificate, makeTempDir, openssl, rsa2048KeyArgs } from './support.js';
import { cachedRsaKey } from '../../support/key-fixtures.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());

// RFC 9773 §4.1's example: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
// serial 00:87:65:43:21 (the 0x00 is DER's sign byte), CertID aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE.
const RFC9773_AKI = '69885b6b87464041e1b37b847ba0ae2cde01c8d4';
const RFC9773_SERIAL = '0087654321';
const RFC9773_CERT_ID = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';

describe('RFC 9773 §4.1 ARI CertID', () => {
  test('ariCertId of the example AKI and serial bytes', () => {
    expect(ariCertId(Buffer.from(RFC9773_AKI, 'hex'), Buffer.from(RFC9773_SERIAL, 'hex'))).toBe(RFC9773_CERT_ID);
  });

  test('describeCertificate of a certificate carrying the example AKI and serial', async () => {
    const pem = await makeCertificate({ serialNumber: RFC9773_SERIAL, authorityKeyId: RFC9773_AKI, dnsNames: ['example.com'] });
    // The serial really is encoded with its 0x00 sign byte: openssl's DER dump shows the INTEGER's content octets.
    const file = temp.path('rfc9773.pem');
    writeFileSync(file, pem);
    expect(openssl(['asn1parse', '-in', file])).toMatch(/INTEGER\s+:87654321/);
    const info = describeCertificate(pem);
    expect(info.ariCertId).toBe(RFC9773_CERT_ID);
    expect(info.authorityKeyIdentifier).toBe(RFC9773_AKI);
    expect(info.serialHex).toBe('87654321');
  });

  test('a serial without its top bit set has no sign byte in the CertID', async () => {
    const info = describeCertificate(await makeCertificate({ serialNumber: '0a1b', authorityKeyId: RFC9773_AKI }));
    expect(info.ariCertId).toBe(`${Buffer.from(RFC9773_AKI, 'hex').toString('base64url')}.${Buffer.from('0a1b', 'hex').toString('base64url')}`);
    expect(info.serialHex).toBe('0a1b');
  });

  test('no AKI: no authorityKeyIdentifier and no CertID', async () => {
    const info = describeCertificate(await makeCertificate({ dnsNames: ['example.com'] }));
    expect(info.authorityKeyIdentifier).toBeUndefined();
    expect(info.ariCertId).toBeUndefined();
  });
});

/** DER content octets of a positive INTEGER, in hex: even length, with a 00 sign byte when the top bit is set. */
function derIntegerContent(serial: string): string {
  let hex = BigInt(serial).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

describe('describeCertificate against openssl x509', () => {
  const cases = [
    { name: 'EC P-256, serial with top bit set', keyArgs: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], serial: '0x87654321' },
    { name: 'RSA 2048, long random-looking serial', keyArgs: rsa2048KeyArgs(temp.dir), serial: '0x03a1f2c4d5e6f708192a3b4c5d6e7f8091a2b3c4' },
    { name: 'EC P-384, small serial', keyArgs: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], serial: '0x0b' },
  ];
  for (const { name, keyArgs, serial } of cases) {
    test(name, () => {
      const certFile = temp.path(`${serial}.crt`);
      const keyFile = temp.path(`${serial}.key`);
      openssl([
        'req', '-x509', ...keyArgs, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '90',
        '-subj', '/CN=www.example.com', '-set_serial', serial,
        '-addext', 'subjectAltName=DNS:www.example.com,DNS:Example.COM,IP:192.0.2.7,IP:2001:DB8:0:0:0:0:0:1,IP:::ffff:192.0.2.1',
      ]);
      const pem = openssl(['x509', '-in', certFile]);
      const info = describeCertificate(pem);
      const shown = openssl(['x509', '-in', certFile, '-noout', '-serial', '-fingerprint', '-sha256', '-dates', '-dateopt', 'iso_8601', '-ext', 'authorityKeyIdentifier']);
      const field = (label: string) => new RegExp(`${label}=(.+)`).exec(shown)?.[1]?.trim() ?? '';
      expect(info.serialHex).toBe(field('serial').toLowerCase());
      expect(info.sha256Fingerprint).toBe(field('sha256 Fingerprint').replace(/:/g, '').toLowerCase());
      expect(info.notBefore).toEqual(new Date(field('notBefore').replace(' ', 'T')));
      expect(info.notAfter).toEqual(new Date(field('notAfter').replace(' ', 'T')));
      expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(90 * 86_400_000);
      // openssl req -x509 adds an AKI equal to the SKI; it prints the keyIdentifier as colon-separated hex.
      const akiHex = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(shown)?.[1]?.replace(/:/g, '').toLowerCase();
      expect(akiHex).toMatch(/^[0-9a-f]{40}$/);
      expect(info.authorityKeyIdentifier).toBe(akiHex);
      expect(info.ariCertId?.split('.')).toEqual([
        Buffer.from(akiHex ?? '', 'hex').toString('base64url'),
        Buffer.from(derIntegerContent(serial), 'hex').toString('base64url'),
      ]);
      expect(info).toMatchObject({
        subject: 'CN=www.example.com',
        subjectCommonName: 'www.example.com',
        issuerCommonName: 'www.example.com',
        dnsNames: ['www.example.com', 'example.com'],
        ipAddresses: ['192.0.2.7', '2001:db8::1', '::ffff:c000:201'],
      });
      const spkiFile = temp.path(`${serial}.spki.der`);
      openssl(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER', '-out', spkiFile]);
      expect(openssl(['dgst', '-sha256', '-r', spkiFile]).split(' ')[0]).toBe(info.publicKeySha256);
    });
  }
});

describe('describeCertificate refuses what it cannot parse', () => {
  test('garbage in a CERTIFICATE block is a BadResponseError naming the source', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nTUlJQmFkQ2VydA==\n-----END CERTIFICATE-----\n';
    expect(() => describeCertificate(pem, 'the CA\'s certificate')).toThrow(BadResponseError);
    expect(() => describeCertificate(pem, 'the CA\'s certificate')).toThrow(/the CA's certificate cannot be parsed/);
  });
  test('text without a CERTIFICATE block', () => {
    expect(() => describeCertificate('hello', 'cert.pem')).toThrow(/cert.pem holds no PEM CERTIFICATE block/);
  });
  test('DER input works like PEM', async () => {
    const pem = await makeCertificate({ dnsNames: ['example.com'], serialNumber: '2a' });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(describeCertificate(new Uint8Array(der))).toEqual(describeCertificate(pem));
  });
});

describe('splitPemChain', () => {
  test('splits a chain, normalising CRLF, indentation and missing final newlines, and drops other blocks', async () => {
    const [leaf, intermediate] = [await makeCertificate({ serialNumber: '01' }), await makeCertificate({ serialNumber: '02' })];
    const messy = `junk before\r\n${leaf.replace(/\n/g, '\r\n')}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n  ${intermediate.trimEnd().replace(/\n/g, '\n  ')}`;
    const parts = splitPemChain(messy);
    expect(parts).toHaveLength(2);
    expect(parts.map((part) => describeCertificate(part).serialHex)).toEqual(['01', '02']);
    for (const part of parts) {
      expect(part).toMatch(/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/);
      expect(part.split('\n').slice(1, -3).every((line) => line.length === 64)).toBe(true);
    }
    expect(parts[0]).toBe(`${leaf.trimEnd()}\n`);
  });
  test('no certificate gives an empty list', () => {
    expect(splitPemChain('nothing here')).toEqual([]);
  });
  test('a damaged block is a BadResponseError', () => {
    expect(() => splitPemChain('-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----')).toThrow(BadResponseError);
  });
});

describe('certificateMatchesKey', () => {
  test('true for the certified key, false for another key of the same type', async () => {
    const key = ecKey();
    const pem = await makeCertificate({ subjectKey: key });
    expect(certificateMatchesKey(pem, key)).toBe(true);
    expect(certificateMatchesKey(pem, ecKey())).toBe(false);
  });
  test('an RSA key from openssl matches the certificate openssl made with it', () => {
    const keyFile = temp.path('match.key');
    const certFile = temp.path('match.crt');
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=a.example', '-days', '1']);
    const pem = openssl(['x509', '-in', certFile]);
    expect(certificateMatchesKey(pem, createPrivateKey(openssl(['pkey', '-in', keyFile])))).toBe(true);
    expect(certificateMatchesKey(pem, cachedRsaKey(2048))).toBe(false); // another RSA 2048 key
  });
});

describe('preferred chain: the issuer CN of the topmost certificate (certbot, lego)', () => {
  // Shaped like Let's Encrypt's 2021 chains: the default one reaches DST Root CA X3 through ISRG Root X1's
  // cross-sign; the alternate stops at ISRG Root X1. Both contain "ISRG Root X1" as an issuer.
  async function chain(...issuers: string[]): Promise<string> {
    const certs = await Promise.all(issuers.map((issuerCn, i) => makeCertificate({ issuerCn, serialNumber: (i + 1).toString(16).padStart(2, '0') })));
    return certs.join('');
  }
  const defaultChain = chain('R3', 'ISRG Root X1', 'DST Root CA X3');
  const alternate = chain('R3', 'ISRG Root X1');

  test('chainIssuerNames lists issuers leaf first and names the topmost', async () => {
    expect(chainIssuerNames(await defaultChain)).toEqual({
      issuerCommonNames: ['R3', 'ISRG Root X1', 'DST Root CA X3'],
      topIssuerCommonName: 'DST Root CA X3',
    });
    expect(chainIssuerNames(await alternate).topIssuerCommonName).toBe('ISRG Root X1');
  });

  test('an empty chain is a BadResponseError', () => {
    expect(() => chainIssuerNames('')).toThrow(BadResponseError);
  });
});
