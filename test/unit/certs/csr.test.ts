import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { createCsr, parseCsr } from '../../../src/certs/csr.js';
import { concatBytes, encodeConstructed, encodeOid, encodeTlv, TAG } from '../../../src/certs/der.js';
import { readCsrFields } from '../../../src/certs/x509-der.js';
import { parseIdentifiers } from '../../../src/certs/identifiers.js';
import { KeyError, UsageError } from '../../../src/errors.js';
import { ecKey, makeCertificate, makeTempDir, openssl, opensslAll, rsa2048KeyArgs } from './support.js';
import { cachedRsaKey } from '../../support/key-fixtures.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());
let fileCount = 0;

function writeTemp(data: string | Uint8Array, name = `f${++fileCount}`): string {
  const path = temp.path(name);
  writeFileSync(path, data);
  return path;
}

/** openssl's reading of a CSR: whether its self-signature verifies, and its text dump. */
function opensslReadsCsr(pem: string): { isVerified: boolean; text: string } {
  const { output, status } = opensslAll(['req', '-in', writeTemp(pem), '-noout', '-verify', '-text']);
  return { isVerified: status === 0 && /verify OK/i.test(output), text: output };
}

const rsa2048 = cachedRsaKey(2048);

describe('createCsr, read back by openssl req -verify', () => {
  const cases: Array<{ name: string; key: KeyObject; signature: RegExp; publicKey: RegExp }> = [
    { name: 'ec256', key: ecKey('P-256'), signature: /Signature Algorithm: ecdsa-with-SHA256/, publicKey: /NIST CURVE: P-256/ },
    { name: 'ec384', key: ecKey('P-384'), signature: /Signature Algorithm: ecdsa-with-SHA384/, publicKey: /NIST CURVE: P-384/ },
    { name: 'rsa2048', key: rsa2048, signature: /Signature Algorithm: sha256WithRSAEncryption/, publicKey: /Public-Key: \(2048 bit\)/ },
  ];
  for (const { name, key, signature, publicKey } of cases) {
    test(`${name}: CN is the first DNS name, every identifier in subjectAltName, signature verifies`, async () => {
      const identifiers = parseIdentifiers(['www.example.com', '192.0.2.7', '*.example.com', '2001:db8::1']);
      const csr = await createCsr(key, identifiers);
      expect(csr.pem).toBe(`-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(csr.der).toString('base64').match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`);
      const { isVerified, text } = opensslReadsCsr(csr.pem);
      expect(isVerified).toBe(true);
      expect(text).toMatch(/Subject: CN\s*=\s*www\.example\.com\n/);
      expect(text).toMatch(signature);
      expect(text).toMatch(publicKey);
      expect(text).toMatch(/X509v3 Subject Alternative Name: \n\s*DNS:www\.example\.com, IP Address:192\.0\.2\.7, DNS:\*\.example\.com, IP Address:2001:DB8:0:0:0:0:0:1\n/);
      // With a CN, subjectAltName need not be critical.
      expect(text).not.toMatch(/Subject Alternative Name: critical/);
      // The request's key is the key we signed with.
      expect(openssl(['req', '-in', writeTemp(csr.pem), '-noout', '-pubkey'])).toBe(createPublicKey(key).export({ type: 'spki', format: 'pem' }));
    });
  }

  test('an IP address first: CN is the first DNS name after it', async () => {
    const csr = await createCsr(ecKey(), parseIdentifiers(['10.0.0.1', 'b.example.com']));
    expect(opensslReadsCsr(csr.pem).text).toMatch(/Subject: CN\s*=\s*b\.example\.com\n/);
  });

  test('no DNS name, or a first DNS name over 64 characters: empty subject and a critical subjectAltName (RFC 5280 §4.2.1.6)', async () => {
    const long = `${'a'.repeat(60)}.example.com`;
    for (const names of [['192.0.2.1', '::1'], [long, 'short.example.com']]) {
      const { isVerified, text } = opensslReadsCsr((await createCsr(ecKey(), parseIdentifiers(names))).pem);
      expect(isVerified).toBe(true);
      expect(text).toMatch(/Subject:\s*\n/);
      expect(text).toMatch(/X509v3 Subject Alternative Name: critical/);
    }
  });

  test('a 64-character first DNS name is still the CN', async () => {
    const name = `${'a'.repeat(52)}.example.com`;
    expect(name).toHaveLength(64);
    expect(opensslReadsCsr((await createCsr(ecKey(), parseIdentifiers([name]))).pem).text).toContain(`CN = ${name}`);
  });

  test('round trip through parseCsr', async () => {
    const identifiers = parseIdentifiers(['a.example.com', '2001:db8::2', 'b.example.com']);
    const key = ecKey('P-384');
    const csr = await createCsr(key, identifiers);
    const parsed = await parseCsr(csr.pem, 'new.csr');
    expect(parsed.identifiers).toEqual(identifiers);
    expect(parsed.der).toEqual(csr.der);
    expect(parsed.keyType).toBe('ec384');
    expect(parsed.keyDescription).toBe('EC P-384');
    expect(parsed.publicKey.equals(createPublicKey(key))).toBe(true);
  });

  test('refuses keys CAs do not certify, a public key, no identifiers, and a mistyped identifier', async () => {
    await expect(createCsr(ecKey('P-384'), [])).rejects.toThrow(UsageError);
    await expect(createCsr(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, parseIdentifiers(['a.example']))).rejects.toThrow(KeyError);
    await expect(createCsr(generateKeyPairSync('ed25519').privateKey, parseIdentifiers(['a.example']))).rejects.toThrow(KeyError);
    await expect(createCsr(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, parseIdentifiers(['a.example']))).rejects.toThrow(KeyError);
    await expect(createCsr(ecKey(), [{ type: 'ip', value: 'a.example' }])).rejects.toThrow(UsageError);
  });
});

describe('parseCsr reads requests made by openssl', () => {
  function opensslCsr(args: string[], keyType = 'ec:P-256'): { pem: string; keyFile: string } {
    const keyFile = temp.path(`k${++fileCount}.pem`);
    const keyArgs = keyType.startsWith('ec:') ? ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${keyType.slice(3)}`] : keyType === 'rsa:2048' ? rsa2048KeyArgs(temp.dir) : ['-newkey', keyType];
    return { pem: openssl(['req', '-new', ...keyArgs, '-nodes', '-keyout', keyFile, ...args]), keyFile };
  }

  test('identifiers from subjectAltName, then a CN not among them; lowercased, IPv6 normalised, no repeats', async () => {
    const { pem } = opensslCsr(['-subj', '/CN=Www.Example.COM', '-addext', 'subjectAltName=DNS:API.example.com,IP:2001:DB8:0:0:0:0:0:1,DNS:api.example.com,IP:192.0.2.9']);
    const parsed = await parseCsr(pem, 'openssl.csr');
    expect(parsed.identifiers).toEqual([
      { type: 'dns', value: 'api.example.com' },
      { type: 'ip', value: '2001:db8::1' },
      { type: 'ip', value: '192.0.2.9' },
      { type: 'dns', value: 'www.example.com' },
    ]);
    expect(parsed).toMatchObject({ keyType: 'ec256', keyDescription: 'EC P-256' });
  });

  test('a CN already in subjectAltName is not repeated; a CN-only request is its CN', async () => {
    const both = opensslCsr(['-subj', '/CN=a.example.com', '-addext', 'subjectAltName=DNS:b.example.com,DNS:a.example.com']);
    expect((await parseCsr(both.pem, 'x')).identifiers.map((i) => i.value)).toEqual(['b.example.com', 'a.example.com']);
    const cnOnly = opensslCsr(['-subj', '/CN=only.example.com'], 'rsa:2048');
    expect(await parseCsr(cnOnly.pem, 'x')).toMatchObject({ identifiers: [{ type: 'dns', value: 'only.example.com' }], keyType: 'rsa2048', keyDescription: 'RSA 2048' });
  });

  test('DER, as bytes, and the older NEW CERTIFICATE REQUEST label', async () => {
    const { pem } = opensslCsr(['-subj', '/CN=der.example.com']);
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect((await parseCsr(new Uint8Array(der), 'der.csr')).der).toEqual(new Uint8Array(der));
    const old = pem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST');
    expect((await parseCsr(Buffer.from(old), 'old.csr')).identifiers).toEqual([{ type: 'dns', value: 'der.example.com' }]);
  });

  test('a P-521 key is read, with no key type (the caller may refuse it)', async () => {
    const { pem } = opensslCsr(['-subj', '/CN=p521.example.com'], 'ec:P-521');
    expect(await parseCsr(pem, 'x')).toMatchObject({ keyType: undefined, keyDescription: 'EC P-521' });
  });
});

describe('parseCsr refuses, naming the source', () => {
  async function refusal(input: string | Uint8Array): Promise<string> {
    try {
      await parseCsr(input, 'my.csr');
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      const message = (err as Error).message;
      expect(message).toContain('my.csr');
      expect(message).not.toContain('\n');
      return message;
    }
    throw new Error('parseCsr accepted it');
  }

  test('garbage, text and empty input', async () => {
    expect(await refusal('hello')).toMatch(/not a certificate request/);
    expect(await refusal(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))).toMatch(/not a certificate request/);
    expect(await refusal(new Uint8Array([1, 2, 3]))).toMatch(/not a certificate request/);
    expect(await refusal('')).toMatch(/not a certificate request/);
    expect(await refusal('-----BEGIN CERTIFICATE REQUEST-----\nTUlJ\n-----END CERTIFICATE REQUEST-----\n')).toMatch(/not a certificate request/);
    expect(await refusal('-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n-----END CERTIFICATE REQUEST-----\n')).toMatch(/damaged/);
    expect(await refusal('-----BEGIN CERTIFICATE REQUEST-----\nMIIB')).toMatch(/truncated/);
  });

  test('a request whose content was altered after signing', async () => {
    for (const key of [ecKey(), rsa2048]) {
      const csr = await createCsr(key, parseIdentifiers(['a.example.com']));
      const der = Buffer.from(csr.der);
      const at = der.indexOf('a.example.com');
      expect(at).toBeGreaterThan(0);
      der.write('b', at); // in the CN: still well-formed DER, no longer what was signed
      expect(await refusal(new Uint8Array(der))).toMatch(/signature does not verify/);
      // openssl agrees, which also shows opensslReadsCsr above can say no.
      const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      expect(opensslReadsCsr(tampered).isVerified).toBe(false);
    }
  });

  test('a request signed with SHA-1, which CAs refuse, gets the way out', async () => {
    for (const newkey of [['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], rsa2048KeyArgs(temp.dir)]) {
      const pem = openssl(['req', '-new', ...newkey, '-nodes', '-keyout', temp.path('sha1.key'), '-sha1', '-subj', '/CN=a.example.com']);
      expect(opensslReadsCsr(pem).text).toMatch(/Signature Algorithm: (ecdsa-with-SHA1|sha1WithRSAEncryption)/);
      expect(await refusal(pem)).toMatch(/signed with SHA-1, which CAs refuse; make it again with SHA-256/);
    }
  });

  test('a signature whose label names another key family than the request\'s key', async () => {
    // A good RSA signature, labelled ecdsa-with-SHA256: node's verify() with an RSA key would accept it.
    const csr = await createCsr(rsa2048, parseIdentifiers(['a.example.com']));
    const fields = readCsrFields(csr.der);
    const relabelled = encodeConstructed(TAG.sequence, [
      fields.info,
      encodeConstructed(TAG.sequence, [encodeOid('1.2.840.10045.4.3.2')]),
      encodeTlv(TAG.bitString, concatBytes([new Uint8Array([0]), fields.signature])),
    ]);
    expect(await refusal(relabelled)).toMatch(/signature cannot be checked \(unsupported key or signature algorithm\)/);
  });

  test('a request whose version is not 0 (v1, RFC 2986 §4.1)', async () => {
    const der = Buffer.from((await createCsr(ecKey(), parseIdentifiers(['a.example.com']))).der);
    const info = readCsrFields(der).info;
    const at = der.indexOf(Buffer.from(info));
    // info = SEQUENCE { INTEGER 0, … }: the version's one content byte follows its tag, length and the INTEGER's 02 01.
    const versionByte = at + Buffer.from(info).indexOf(Buffer.from([0x02, 0x01, 0x00])) + 2;
    der[versionByte] = 1;
    expect(await refusal(new Uint8Array(der))).toMatch(/not a certificate request/);
  });

  test('a certificate or a private key instead of a request', async () => {
    expect(await refusal(await makeCertificate({ dnsNames: ['a.example'] }))).toMatch(/holds a "CERTIFICATE" block, not a certificate request/);
    expect(await refusal(ecKey().export({ type: 'pkcs8', format: 'pem' }).toString())).toMatch(/holds a "PRIVATE KEY" block/);
  });

  test('two requests in one file', async () => {
    const one = (await createCsr(ecKey(), parseIdentifiers(['a.example.com']))).pem;
    expect(await refusal(one + one)).toMatch(/holds 2 certificate requests/);
  });

  test('names ACME cannot certify: an e-mail address, an invalid DNS name, nothing at all', async () => {
    const keyFile = temp.path('refuse.key');
    const make = (...args: string[]) => openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, ...args]);
    expect(await refusal(make('-subj', '/CN=a.example.com', '-addext', 'subjectAltName=email:me@example.com'))).toMatch(/email name me@example.com/);
    expect(await refusal(make('-subj', '/CN=a.example.com', '-addext', 'subjectAltName=DNS:bad_name.example.com'))).toMatch(/my.csr: invalid name "bad_name.example.com": underscores/);
    expect(await refusal(make('-subj', '/O=Example'))).toMatch(/names no DNS name or IP address/);
  });
});
