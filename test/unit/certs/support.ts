// Shared by the certs tests: the openssl binary, temporary folders, and certificates made with @peculiar/x509.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto, x509 } from '../../support/x509.js';
import { cachedRsaKey } from '../../support/key-fixtures.js';

/** Runs openssl and returns stdout; throws with stderr when it fails. */
export function openssl(args: string[], input?: Buffer | string): string {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

/** Runs openssl and returns stdout and stderr together (some results, such as "verify OK", go to stderr). */
export function opensslAll(args: string[]): { output: string; status: number } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return { output: `${result.stdout}${result.stderr}`, status: result.status ?? 1 };
}

export function makeTempDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'acmecli-certs-'));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * openssl arguments for a request or certificate with the fixtures' RSA 2048 key (`-key FILE`, written into `dir`)
 * instead of `-newkey rsa:2048`, which makes a key in each openssl process (~0.1 s of CPU): for tests about what openssl
 * writes around the key, not about making it. openssl's -keyout still writes the key.
 */
export function rsa2048KeyArgs(dir: string): string[] {
  const file = join(dir, 'fixture-rsa-2048.pem');
  writeFileSync(file, cachedRsaKey(2048).export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return ['-key', file];
}

export function ecKey(curve: 'P-256' | 'P-384' = 'P-256'): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
}

export interface TestCertificateOptions {
  subjectCn?: string;
  issuerCn?: string;
  /** Hex of the serial's DER content octets, e.g. '0087654321'. */
  serialNumber?: string;
  /** Hex keyIdentifier for the AKI extension; none when undefined. */
  authorityKeyId?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** The certified key; a fresh P-256 key when absent. */
  subjectKey?: KeyObject;
}

const signer = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;

/** A certificate signed by a throwaway issuer key: enough for parsing tests, not for chain validation. */
export async function makeCertificate(options: TestCertificateOptions = {}): Promise<string> {
  const subjectKey = options.subjectKey ?? ecKey();
  const spki = createPublicKey(subjectKey).export({ type: 'spki', format: 'der' });
  const extensions: InstanceType<typeof x509.Extension>[] = [];
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  if (options.authorityKeyId !== undefined) extensions.push(new x509.AuthorityKeyIdentifierExtension(options.authorityKeyId));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: options.serialNumber ?? '01',
      subject: options.subjectCn === undefined ? [] : [{ CN: [options.subjectCn] }],
      issuer: [{ CN: [options.issuerCn ?? 'Test Issuer'] }],
      notBefore: options.notBefore ?? new Date('2025-01-01T00:00:00Z'),
      notAfter: options.notAfter ?? new Date('2025-04-01T00:00:00Z'),
      extensions,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: new Uint8Array(spki),
      signingKey: signer.privateKey,
    },
    nodeCrypto,
  );
  return cert.toString('pem');
}
