import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { splitPemChain } from '../../src/certs/certificate.js';
import { createCsr, parseCsr } from '../../src/certs/csr.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startHostileAcmeProxy, type HostileAcmeProxy } from '../support/hostile-acme-proxy.js';
import { issueLeaf, makeTestCa, type TestCa } from '../support/forged-certificates.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

// A CA that answers the certificate download with something other than what was ordered: `cert issue`
// and `cert renew` must write nothing of it, keep the current version, and say in one line why.
let pebble: PebbleInstance;
let proxy: HostileAcmeProxy;
let forger: TestCa;
let work: string;
let accountKey: string;
/** The public key of the last CSR sent to finalize: what a hostile CA knows of the client's key. */
let orderedKey: KeyObject | undefined;

beforeAll(async () => {
  pebble = await sharedPebble();
  proxy = await startHostileAcmeProxy(pebble);
  forger = await makeTestCa('Hostile Test CA');
  work = tempDir('issued-check');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
});
afterEach(() => {
  proxy.clearRules();
  orderedKey = undefined;
});

const home = () => path.join(work, 'home');
const run = (args: string[]) => runMain(['-a', proxy.directoryUrl, '--ca-file', proxy.caFile, '-k', accountKey, ...args], { env: { ACMECLI_HOME: home() } });
const issue = (name: string, extra: string[] = []) =>
  run(['cert', 'issue', '--agree-tos', '-d', name, '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out'), ...extra]);

/** Remembers the CSR's key at finalize, then answers the download with `forge(chainPemFromPebble)`. */
function swapCertificate(forge: (pebbleChain: string) => Promise<string>): void {
  proxy.rewrite('finalize', async (ex) => {
    const csr = (ex.payload as { csr?: string } | undefined)?.csr;
    if (csr) orderedKey = (await parseCsr(Buffer.from(csr, 'base64url'), 'the finalize CSR')).publicKey;
  });
  proxy.rewrite((ex) => ex.kind === 'certificate' && ex.status === 200, async (ex) => {
    ex.body = await forge(ex.body);
  });
}

function expectRefused(r: Awaited<ReturnType<typeof run>>, why: string | RegExp): void {
  expect(r.code, r.stderr).not.toBe(0);
  const lines = r.stderr.trim().split('\n').filter((line) => /refused/.test(line));
  expect(lines.length, r.stderr).toBeGreaterThan(0);
  expect(lines[0]).toMatch(typeof why === 'string' ? new RegExp(`refused the certificate from the CA: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : why);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

function outputsOf(name: string): string[] {
  const out = path.join(work, 'out');
  return existsSync(out) ? readdirSync(out).filter((file) => file.startsWith(`${name}.`)) : [];
}

describe('cert issue refuses what a hostile CA hands out, and writes nothing', () => {
  test('a certificate for another public key', async () => {
    swapCertificate(async () => (await issueLeaf(forger, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, dnsNames: ['key.example.com'] })) + forger.certPem);
    const r = await issue('key.example.com');
    expectRefused(r, 'it is for another public key than the one the order was made with');
    expect(orderedKey).toBeDefined();
    expect(outputsOf('key.example.com')).toEqual([]);
  });

  test('a certificate for the ordered key with one name more', async () => {
    swapCertificate(async () => (await issueLeaf(forger, { key: orderedKey!, dnsNames: ['names.example.com', 'evil.example.com'] })) + forger.certPem);
    const r = await issue('names.example.com');
    expectRefused(r, 'it is for names names.example.com, evil.example.com but the order was for names.example.com');
    expect(outputsOf('names.example.com')).toEqual([]);
  });

  test('a certificate that has already expired', async () => {
    const dayMs = 86_400_000;
    swapCertificate(async () => (await issueLeaf(forger, { key: orderedKey!, dnsNames: ['expired.example.com'], notBefore: new Date(Date.now() - 30 * dayMs), notAfter: new Date(Date.now() - dayMs) })) + forger.certPem);
    expectRefused(await issue('expired.example.com'), /refused the certificate from the CA: it expired at \S+ \(now is \S+\)/);
    expect(outputsOf('expired.example.com')).toEqual([]);
  });

  test("Pebble's own certificate with a chain whose first link did not issue it", async () => {
    swapCertificate(async (pebbleChain) => splitPemChain(pebbleChain)[0]! + forger.certPem);
    expectRefused(await issue('chain.example.com'), /refused the certificate from the CA: the first certificate of its chain \(CN=Hostile Test CA\) did not issue it \(its issuer is .*Pebble Intermediate/);
  });

  test("Pebble's own chain with a private key slipped in after it", async () => {
    swapCertificate(async (pebbleChain) => `${pebbleChain}${generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()}`);
    expectRefused(await issue('junk.example.com'), 'it holds a PRIVATE KEY block, where only certificates belong');
    expect(outputsOf('junk.example.com')).toEqual([]);
  });
});

test('with --csr, the key checked is the CSR\'s: a certificate for another key is refused, and nothing is written', async () => {
  const name = 'csr.example.com';
  const csrKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const csrFile = path.join(work, 'request.csr');
  writeFileSync(csrFile, (await createCsr(csrKey, [{ type: 'dns', value: name }])).pem);
  swapCertificate(async () => (await issueLeaf(forger, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, dnsNames: [name] })) + forger.certPem);
  const r = await run(['cert', 'issue', '--agree-tos', '--csr', csrFile, '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out')]);
  expectRefused(r, 'it is for another public key than the one the order was made with');
  expect(outputsOf(name)).toEqual([]);

  // The same CA, honest: the certificate for the CSR's key is accepted.
  proxy.clearRules();
  const honest = await run(['cert', 'issue', '--agree-tos', '--csr', csrFile, '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out')]);
  expect(honest.code, honest.stderr).toBe(0);
});

test('a renewal the CA answers wrongly keeps the current version and its files, byte for byte', async () => {
  const name = 'keep.example.com';
  const first = await issue(name);
  expect(first.code, first.stderr).toBe(0);
  const files = outputsOf(name).sort();
  expect(files).toEqual(expect.arrayContaining([`${name}.ca.crt`, `${name}.crt`, `${name}.key`]));
  const before = files.map((file) => readFileSync(path.join(work, 'out', file), 'utf8'));

  swapCertificate(async () => (await issueLeaf(forger, { key: orderedKey!, dnsNames: [name, 'evil.example.com'] })) + forger.certPem);
  const renewed = await run(['cert', 'renew', name, '--force', '--json']);
  expect(renewed.code).not.toBe(0);
  const outcome = renewed.json<{ lineages: Array<{ status: string; message: string }> }>().lineages[0]!;
  expect(outcome.status).toBe('failed');
  expect(outcome.message).toBe(`${name}: refused the certificate from the CA: it is for names ${name}, evil.example.com but the order was for ${name}`);
  expect(outputsOf(name).sort()).toEqual(files);
  expect(files.map((file) => readFileSync(path.join(work, 'out', file), 'utf8'))).toEqual(before);

  // The lineage still points at version 1, so the next good renewal writes version 2's files.
  proxy.clearRules();
  const good = await run(['cert', 'renew', name, '--force', '--json']);
  expect(good.code, good.stderr).toBe(0);
  expect(readFileSync(path.join(work, 'out', `${name}.crt`), 'utf8')).not.toBe(before[files.indexOf(`${name}.crt`)]);
});
