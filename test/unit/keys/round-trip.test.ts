import { beforeAll, test, expect } from 'vitest';
import { accountKeyFromKeyObject, parseAccountKey, type AccountKey } from '../../../src/keys/account-key.js';
import { KEY_OUTPUT_FORMAT_NAMES, KEY_OUTPUT_FORMATS, exportAccountKey } from '../../../src/keys/convert.js';
import { generatePrivateKey } from '../../../src/keys/generate.js';
import { KEY_TYPES, KEY_TYPE_NAMES, type KeyTypeName } from '../../../src/keys/key-types.js';

const keys = new Map<KeyTypeName, AccountKey>();

beforeAll(async () => {
  await Promise.all(
    KEY_TYPE_NAMES.map(async (type) => keys.set(type, accountKeyFromKeyObject(await generatePrivateKey(type), `new ${type}`, 'pkcs8'))),
  );
}, 120_000);

function keyOf(type: KeyTypeName): AccountKey {
  const key = keys.get(type);
  if (!key) throw new Error(`no ${type} key`);
  return key;
}

/** What parseAccountKey must report for each output format. */
const EXPECTED_SOURCE_FORMAT = {
  pem: () => 'pkcs8',
  pkcs8: () => 'pkcs8',
  pkcs1: (type: KeyTypeName) => (KEY_TYPES[type].kty === 'RSA' ? 'pkcs1' : 'sec1'),
  der1: () => 'der',
  der8: () => 'der',
  json: () => 'jwk',
} as const;

test('generated keys match the table: kty, curve or modulus size, jwsAlg', () => {
  for (const type of KEY_TYPE_NAMES) {
    const spec = KEY_TYPES[type];
    const key = keyOf(type);
    expect(key.publicJwk.kty).toBe(spec.kty);
    expect(key.jwsAlg).toBe(spec.jwsAlg);
    if ('bits' in spec) {
      expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(spec.bits);
      expect(key.description).toBe(`RSA ${spec.bits}`);
    } else {
      expect(key.publicJwk.crv).toBe(spec.curve);
      expect(key.description).toBe(spec.kty === 'EC' ? `EC ${spec.curve}` : 'Ed25519');
    }
  }
});

test('public JWK holds exactly the RFC 7638 members and no private ones', () => {
  const expected = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
  for (const type of KEY_TYPE_NAMES) {
    const jwk = keyOf(type).publicJwk;
    expect(Object.keys(jwk).sort()).toEqual(expected[KEY_TYPES[type].kty]);
  }
});

test('every key type, exported in every format and parsed back, has the same public JWK', () => {
  let checked = 0;
  for (const type of KEY_TYPE_NAMES) {
    const key = keyOf(type);
    for (const format of KEY_OUTPUT_FORMAT_NAMES) {
      if (type === 'ed25519' && (format === 'pkcs1' || format === 'der1')) continue; // refused, tested below
      const bytes = exportAccountKey(key, format);
      const parsed = parseAccountKey(bytes, `${type}.${format}`);
      expect(parsed.publicJwk, `${type} ${format}`).toEqual(key.publicJwk);
      expect(parsed.jwsAlg).toBe(key.jwsAlg);
      expect(parsed.description).toBe(key.description);
      expect(parsed.sourceFormat, `${type} ${format}`).toBe(EXPECTED_SOURCE_FORMAT[format](type));
      // the private halves agree too: re-exporting gives identical PKCS#8
      expect(exportAccountKey(parsed, 'der8').equals(exportAccountKey(key, 'der8'))).toBe(true);
      checked++;
    }
  }
  expect(checked).toBe(KEY_TYPE_NAMES.length * KEY_OUTPUT_FORMAT_NAMES.length - 2);
});

test('isBinary is set exactly for the DER formats, and text formats are ASCII', () => {
  for (const format of KEY_OUTPUT_FORMAT_NAMES) {
    const bytes = exportAccountKey(keyOf('ec256'), format);
    expect(KEY_OUTPUT_FORMATS[format].isBinary).toBe(format.startsWith('der'));
    if (!KEY_OUTPUT_FORMATS[format].isBinary) expect(/^[\x09\x0a\x0d\x20-\x7e]*$/.test(bytes.toString('latin1'))).toBe(true);
    else expect(bytes[0]).toBe(0x30);
  }
});

test('pem and pkcs8 write BEGIN PRIVATE KEY; pkcs1 writes RSA PRIVATE KEY or EC PRIVATE KEY', () => {
  expect(exportAccountKey(keyOf('rsa2048'), 'pem').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  expect(exportAccountKey(keyOf('ed25519'), 'pkcs8').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  expect(exportAccountKey(keyOf('rsa2048'), 'pkcs1').toString()).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  expect(exportAccountKey(keyOf('ec384'), 'pkcs1').toString()).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
});

test('Ed25519 has no PKCS#1 form: pkcs1 and der1 are refused with a KEY error', () => {
  for (const format of ['pkcs1', 'der1'] as const) {
    expect(() => exportAccountKey(keyOf('ed25519'), format)).toThrow(
      expect.objectContaining({ code: 'KEY', message: 'Ed25519 keys have no PKCS#1 form; use pkcs8 or der8' }),
    );
  }
});

test("json is certbot's private_key.json layout: one line, josepy member order, Python separators", () => {
  const rsa = exportAccountKey(keyOf('rsa2048'), 'json').toString();
  expect(rsa).toMatch(/^\{"n": "[\w-]+", "e": "AQAB", "d": "[\w-]+", "p": "[\w-]+", "q": "[\w-]+", "dp": "[\w-]+", "dq": "[\w-]+", "qi": "[\w-]+", "kty": "RSA"\}$/);
  const ec = exportAccountKey(keyOf('ec256'), 'json').toString();
  expect(ec).toMatch(/^\{"d": "[\w-]{43}", "x": "[\w-]{43}", "y": "[\w-]{43}", "crv": "P-256", "kty": "EC"\}$/);
  const ec521 = JSON.parse(exportAccountKey(keyOf('ec521'), 'json').toString());
  expect(ec521.d).toHaveLength(88); // 66 bytes, padded to the curve size as josepy does
});

test('json pretty is sorted with a 4-space indent and parses back', () => {
  const pretty = exportAccountKey(keyOf('ec256'), 'json', { pretty: true }).toString();
  const lines = pretty.split('\n');
  expect(lines[0]).toBe('{');
  expect(lines.slice(1, -1).map((line) => line.match(/^ {4}"(\w+)": /)?.[1])).toEqual(['crv', 'd', 'kty', 'x', 'y']);
  expect(parseAccountKey(pretty, 'pretty.json').publicJwk).toEqual(keyOf('ec256').publicJwk);
});
