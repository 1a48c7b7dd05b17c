// Cross-checks against the openssl binary: keys it makes parse here, and keys we write it reads.
import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, test, expect } from 'vitest';
import { accountKeyFromKeyObject, parseAccountKey, type AccountKey } from '../../../src/keys/account-key.js';
import { exportAccountKey, type KeyOutputFormatName } from '../../../src/keys/convert.js';
import { generatePrivateKey } from '../../../src/keys/generate.js';
import { KEY_TYPE_NAMES, type KeyTypeName } from '../../../src/keys/key-types.js';
import { makeTempDir, openssl } from './support.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());

function spkiPem(key: AccountKey): string {
  return createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/** Runs openssl on a file and returns the public key it prints. */
function opensslPublic(command: 'pkey' | 'rsa' | 'ec', file: string, inform: 'PEM' | 'DER'): string {
  return openssl([command, '-inform', inform, '-in', file, '-pubout']).toString();
}

function writeTemp(name: string, data: Buffer | string): string {
  const path = temp.path(name);
  writeFileSync(path, data);
  return path;
}

test('parses an RSA key from openssl genrsa, both PKCS#8 (its default) and -traditional PKCS#1', () => {
  const pkcs8 = openssl(['genrsa', '2048']);
  expect(pkcs8.toString()).toContain('BEGIN PRIVATE KEY');
  const key = parseAccountKey(pkcs8, 'genrsa.pem');
  expect(key).toMatchObject({ description: 'RSA 2048', jwsAlg: 'RS256', sourceFormat: 'pkcs8' });
  const file = writeTemp('genrsa.pem', pkcs8);
  expect(spkiPem(key)).toBe(opensslPublic('pkey', file, 'PEM'));

  const pkcs1 = openssl(['rsa', '-in', file, '-traditional']);
  expect(pkcs1.toString()).toContain('BEGIN RSA PRIVATE KEY');
  const traditional = parseAccountKey(pkcs1, 'genrsa-traditional.pem');
  expect(traditional.sourceFormat).toBe('pkcs1');
  expect(traditional.publicJwk).toEqual(key.publicJwk);
});

test('parses openssl ecparam -genkey output with -noout and with its EC PARAMETERS block first', () => {
  const withParams = openssl(['ecparam', '-name', 'prime256v1', '-genkey']);
  expect(withParams.toString()).toMatch(/BEGIN EC PARAMETERS[\s\S]*BEGIN EC PRIVATE KEY/);
  const noout = openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
  expect(noout.toString()).not.toContain('EC PARAMETERS');
  for (const [name, pem] of [['params.pem', withParams], ['noout.pem', noout]] as const) {
    const key = parseAccountKey(pem, name);
    expect(key).toMatchObject({ description: 'EC P-256', jwsAlg: 'ES256', sourceFormat: 'sec1' });
    expect(spkiPem(key)).toBe(opensslPublic('pkey', writeTemp(name, pem), 'PEM'));
  }
});

test('parses P-384 and P-521 keys from openssl genpkey', () => {
  for (const [curve, description, jwsAlg] of [['P-384', 'EC P-384', 'ES384'], ['P-521', 'EC P-521', 'ES512']] as const) {
    const pem = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`]);
    const key = parseAccountKey(pem, `${curve}.pem`);
    expect(key).toMatchObject({ description, jwsAlg, sourceFormat: 'pkcs8' });
    expect(spkiPem(key)).toBe(opensslPublic('pkey', writeTemp(`${curve}.pem`, pem), 'PEM'));
  }
});

test('parses an Ed25519 key from openssl genpkey -algorithm ed25519', () => {
  const pem = openssl(['genpkey', '-algorithm', 'ed25519']);
  const key = parseAccountKey(pem, 'ed.pem');
  expect(key).toMatchObject({ description: 'Ed25519', jwsAlg: 'EdDSA', sourceFormat: 'pkcs8' });
  expect(key.publicJwk.crv).toBe('Ed25519');
  expect(spkiPem(key)).toBe(opensslPublic('pkey', writeTemp('ed.pem', pem), 'PEM'));
});

test('parses binary DER written by openssl: PKCS#8, PKCS#1 and SEC1', () => {
  const rsaPem = writeTemp('der-src-rsa.pem', openssl(['genrsa', '2048']));
  const ecPem = writeTemp('der-src-ec.pem', openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout']));
  const cases = [
    [openssl(['pkey', '-in', rsaPem, '-outform', 'DER']), rsaPem],
    [openssl(['rsa', '-in', rsaPem, '-outform', 'DER', '-traditional']), rsaPem],
    [openssl(['ec', '-in', ecPem, '-outform', 'DER']), ecPem],
    [openssl(['pkey', '-in', ecPem, '-outform', 'DER']), ecPem],
  ] as const;
  for (const [der, pemFile] of cases) {
    const key = parseAccountKey(der, 'key.der');
    expect(key.sourceFormat).toBe('der');
    expect(spkiPem(key)).toBe(opensslPublic('pkey', pemFile, 'PEM'));
  }
});

const ours = new Map<KeyTypeName, AccountKey>();
beforeAll(async () => {
  for (const type of ['rsa2048', 'ec256', 'ec521', 'ed25519'] as const) {
    ours.set(type, accountKeyFromKeyObject(await generatePrivateKey(type), type, 'pkcs8'));
  }
}, 60_000);

test('openssl reads our pem, pkcs1, pkcs8, der1 and der8 output and derives the same public key', () => {
  /** Which openssl commands must accept each output format, and how to tell them the encoding. */
  const readers: Record<Exclude<KeyOutputFormatName, 'json'>, { inform: 'PEM' | 'DER'; typed: boolean }> = {
    pem: { inform: 'PEM', typed: false },
    pkcs8: { inform: 'PEM', typed: false },
    pkcs1: { inform: 'PEM', typed: true },
    der1: { inform: 'DER', typed: true },
    der8: { inform: 'DER', typed: false },
  };
  let checked = 0;
  for (const [type, key] of ours) {
    for (const [format, reader] of Object.entries(readers) as [keyof typeof readers, (typeof readers)[keyof typeof readers]][]) {
      if (type === 'ed25519' && reader.typed) continue;
      const file = writeTemp(`ours-${type}.${format}`, exportAccountKey(key, format));
      expect(opensslPublic('pkey', file, reader.inform), `${type} ${format}`).toBe(spkiPem(key));
      // the traditional forms must also be what the type-specific commands expect
      const specific = key.publicJwk.kty === 'RSA' ? 'rsa' : key.publicJwk.kty === 'EC' ? 'ec' : undefined;
      if (specific) expect(opensslPublic(specific, file, reader.inform), `${type} ${format} via openssl ${specific}`).toBe(spkiPem(key));
      checked++;
    }
  }
  expect(checked).toBe(4 * 5 - 2);
});

test('our pkcs1 output for EC is SEC1 with the named curve, as openssl ec writes it', () => {
  const key = ours.get('ec256');
  if (!key) throw new Error('missing key');
  const file = writeTemp('sec1.pem', exportAccountKey(key, 'pkcs1'));
  const text = openssl(['ec', '-in', file, '-noout', '-text']).toString();
  expect(text).toContain('ASN1 OID: prime256v1');
  expect(exportAccountKey(key, 'pkcs1').toString()).toBe(openssl(['ec', '-in', file]).toString());
});

test('keys generated for every type are accepted by openssl pkey -check', () => {
  // rsa3072/4096 differ from rsa2048 only in size; one RSA is enough here
  for (const type of KEY_TYPE_NAMES.filter((t) => ours.has(t))) {
    const key = ours.get(type);
    if (!key) continue;
    const file = writeTemp(`check-${type}.pem`, exportAccountKey(key, 'pem'));
    if (type === 'ed25519') {
      expect(openssl(['pkey', '-in', file, '-noout', '-text']).toString()).toContain('ED25519 Private-Key');
    } else {
      expect(openssl(['pkey', '-in', file, '-check', '-noout']).toString()).toMatch(/valid/i);
    }
  }
  expect(readFileSync(temp.path('check-ec256.pem'), 'utf8')).toContain('BEGIN PRIVATE KEY');
});
