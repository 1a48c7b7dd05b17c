/**
 * Certificates a hostile CA or manager could hand out: a small CA of our own that
 * signs whatever it is told (any key, any names, any dates). Used by the unit
 * tests of the issued-certificate check and by the manager stand-in's
 * `setMisissue` knob. Real X.509, signed and verifiable; never trusted anywhere.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject, type webcrypto } from 'node:crypto';
import { nodeCrypto, x509 } from './x509.js';

export interface TestCa {
  name: string;
  certPem: string;
  key: KeyObject;
}

const DAY_MS = 86_400_000;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array((key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' }));
}

function signingKey(key: KeyObject): webcrypto.CryptoKey {
  return key.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']) as webcrypto.CryptoKey;
}

function serial(): string {
  const bytes = randomBytes(12);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** A self-signed CA (P-256) named `CN=<name>`. */
export async function makeTestCa(name: string, now = new Date()): Promise<TestCa> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [name] }],
    issuer: [{ CN: [name] }],
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    signingAlgorithm: SIGNING,
    publicKey: spkiOf(privateKey),
    signingKey: signingKey(privateKey),
  }, nodeCrypto);
  return { name, certPem: cert.toString('pem') + '\n', key: privateKey };
}

export interface LeafOptions {
  /** The certified key (private or public). */
  key: KeyObject;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Other subjectAltName entries: `{ type: 'email', value: 'a@b.example' }`, `{ type: 'url', … }`. */
  otherNames?: Array<{ type: 'email' | 'url'; value: string }>;
  /** The subject CN; none when undefined. */
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** A leaf signed by `ca`, as PEM ending in a newline. Valid from a day ago for 90 days unless told otherwise. */
export async function issueLeaf(ca: TestCa, options: LeafOptions): Promise<string> {
  const now = Date.now();
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(options.otherNames ?? []),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: options.commonName === undefined ? [] : [{ CN: [options.commonName] }],
    issuer: [{ CN: [ca.name] }],
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + 90 * DAY_MS),
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, options.commonName === undefined)] : [],
    signingAlgorithm: SIGNING,
    publicKey: spkiOf(options.key),
    signingKey: signingKey(ca.key),
  }, nodeCrypto);
  return cert.toString('pem') + '\n';
}
