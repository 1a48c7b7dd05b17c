import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chainIssuerNames, describeCertificate } from '../../src/certs/certificate.js';
import { getRootCertificate, sharedPebble, startPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

interface IssueJson {
  lineages: { status: string; challenges?: { identifier: string; type: string; solver: string }[] }[];
}

async function newKey(dir: string): Promise<string> {
  const key = path.join(dir, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
  return key;
}

describe('a CA requiring External Account Binding: cert issue creates the account with it', () => {
  const macKey = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';
  let pebble: PebbleInstance;
  beforeAll(async () => {
    pebble = await startPebble({ eabKeys: { 'kid-1': macKey } });
  });
  afterAll(async () => pebble?.stop());

  test('without EAB it stops before any order; with it, one command goes from nothing to a certificate', async () => {
    const dir = tempDir('eab-issue');
    const key = await newKey(dir);
    const args = ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, 'cert', 'issue', '-d', 'eab.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(dir, 'out'), '--agree-tos'];
    const refused = await runMain(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/requires External Account Binding/);
    const r = await runMain([...args, '--eab-kid', 'kid-1', '--json'], { env: { ACMECLI_EAB_HMAC_KEY: macKey } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<IssueJson>().lineages[0]?.status).toBe('issued');
    expect(r.stderr).not.toContain(macKey);
  });

  test('a fallback CA needing EAB takes its HMAC key from ACMECLI_FALLBACK_EAB_HMAC_KEY, which no hook inherits', async () => {
    const dir = tempDir('eab-fallback');
    const key = await newKey(dir);
    // The primary is down: a port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const downPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const seen = path.join(dir, 'hook-env.json');
    const hook = path.join(dir, 'failure-hook.sh');
    writeFileSync(hook, `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ result: process.env.ACMECLI_RESULT ?? null, key: process.env.ACMECLI_FALLBACK_EAB_HMAC_KEY ?? null }));\n`);
    chmodSync(hook, 0o755);
    const args = ['-a', `https://127.0.0.1:${downPort}/dir`, '--ca-file', pebble.caFile, '-k', key, 'cert', 'issue', '-d', 'eab-fallback.example.com',
      '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(dir, 'out'), '--agree-tos', '--failure-hook', hook,
      '--fallback-acme-url', pebble.directoryUrl, '--fallback-eab-kid', 'kid-1', '--json'];
    const env = { ACMECLI_HOME: path.join(dir, 'home') };
    const withoutKey = await runMain(args, { env });
    expect(withoutKey.code).toBe(2);
    expect(withoutKey.stderr).toMatch(/--fallback-eab-kid needs --fallback-eab-hmac-key \(or ACMECLI_FALLBACK_EAB_HMAC_KEY\)/);
    const r = await runMain(args, { env: { ...env, ACMECLI_FALLBACK_EAB_HMAC_KEY: macKey } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<IssueJson>().lineages[0]?.status).toBe('issued');
    expect(r.stderr + r.stdout).not.toContain(macKey);
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toEqual({ result: 'fallback', key: null });
  }, 120_000);
});

/**
 * One Pebble for the two settings that the other's tests do not mind (each Pebble costs ~0.3 s of CPU to start): it
 * reuses every valid authorization, as CAs that pre-authorise identifiers do, and offers two alternate chains. The
 * chain tests' accounts are new, so nothing of theirs is reused.
 */
let reusingPebbleWithAlternateRoots: Promise<PebbleInstance> | undefined;
const pebbleReusingWithAlternateRoots = () => (reusingPebbleWithAlternateRoots ??= startPebble({ env: { PEBBLE_AUTHZREUSE: '100', PEBBLE_ALTERNATE_ROOTS: '2' } }));
afterAll(async () => (await reusingPebbleWithAlternateRoots)?.stop());

describe('authorizations that need no work', () => {
  let pebble: PebbleInstance;
  beforeAll(async () => {
    pebble = await pebbleReusingWithAlternateRoots();
  });

  test('an authorization that is already valid is not answered again, and no solver is needed', async () => {
    const dir = tempDir('reuse');
    const key = await newKey(dir);
    const base = ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, 'cert', 'issue', '--agree-tos', '--json', '--out', path.join(dir, 'out')];
    const first = await runMain([...base, '-d', 'reuse.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`], { env: { ACMECLI_HOME: path.join(dir, 'home') } });
    expect(first.code, first.stderr).toBe(0);
    const second = await runMain([...base, '-d', 'reuse.example.com', '--name', 'again'], { env: { ACMECLI_HOME: path.join(dir, 'home') } });
    expect(second.code, second.stderr).toBe(0);
    expect(second.json<IssueJson>().lineages[0]?.challenges).toEqual([{ identifier: 'reuse.example.com', type: 'already-valid', solver: 'none' }]);
  });
});

describe('a CA whose validations always pass (PEBBLE_VA_ALWAYS_VALID)', () => {
  let pebble: PebbleInstance;
  beforeAll(async () => {
    // The worker's Pebble of this kind: the tests only issue through it, each with a key of its own.
    pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
  });

  test('nothing listens anywhere, and the stateless solver is enough', async () => {
    const dir = tempDir('always');
    const key = await newKey(dir);
    const r = await runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, 'cert', 'issue', '-d', 'pre.example.com', '-d', 'pre2.example.com', '--http-stateless', '--out', path.join(dir, 'out'), '--agree-tos', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<IssueJson>().lineages[0]?.status).toBe('issued');
  });

  test('an IPv4-mapped IPv6 address without --name gets a lineage name that starts with a digit', async () => {
    const dir = tempDir('mapped');
    const key = await newKey(dir);
    const r = await runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, 'cert', 'issue', '-d', '::ffff:127.0.0.1', '--http-stateless', '--out', path.join(dir, 'out'), '--agree-tos'], { env: { ACMECLI_HOME: path.join(dir, 'home') } });
    // The name is made and the order is placed (once refused as --name "--ffff-7f00-1", exit 2). Pebble (Go's
    // netip) then answers for 127.0.0.1, which is not the name asked for, so the order is refused: exit 1.
    expect(r.stderr).not.toMatch(/--name/);
    expect(r.stderr).toMatch(/^acmecli: 0--ffff-7f00-1: the CA's order \S+ is for "127\.0\.0\.1", not the names requested \(::ffff:7f00:1\); refusing it$/m);
    expect(r.code).toBe(1);
  });
});

describe('alternate chains (RFC 8555 §7.4.2, PEBBLE_ALTERNATE_ROOTS)', () => {
  let pebble: PebbleInstance;
  beforeAll(async () => {
    pebble = await pebbleReusingWithAlternateRoots();
  });

  test('--preferred-chain picks the chain whose top issuer is that root; an unknown name keeps the default', async () => {
    const dir = tempDir('chains');
    const key = await newKey(dir);
    const rootNames = await Promise.all([0, 1, 2].map(async (i) => describeCertificate(await getRootCertificate(pebble, i)).subjectCommonName!));
    const base = ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, 'cert', 'issue', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(dir, 'out'), '--agree-tos'];
    const home = { ACMECLI_HOME: path.join(dir, 'home') };

    const preferred = rootNames[2]!;
    const r = await runMain([...base, '-d', 'chain.example.com', '--preferred-chain', preferred], { env: home });
    expect(r.code, r.stderr).toBe(0);
    const chain = readFileSync(path.join(dir, 'out', 'chain.example.com.ca.crt'), 'utf8');
    expect(chainIssuerNames(chain).topIssuerCommonName).toBe(preferred);

    const fallback = await runMain([...base, '-d', 'chain2.example.com', '--preferred-chain', 'No Such Root'], { env: home });
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stderr).toMatch(/no chain from the CA ends at an issuer named "No Such Root"; kept the default chain/);
    const defaultChain = readFileSync(path.join(dir, 'out', 'chain2.example.com.ca.crt'), 'utf8');
    expect(chainIssuerNames(defaultChain).topIssuerCommonName).toBe(rootNames[0]);
  });
});
