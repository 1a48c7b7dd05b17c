// Stand-in: Pebble 2.4 has no ARI / profiles / dns-persist-01 / dns-account-01; test/support/acme-standin.ts serves them and issues through the real Pebble.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAccount } from '../../src/acme/account.js';
import { AcmeClient } from '../../src/acme/client.js';
import { createOrder } from '../../src/acme/order.js';
import { AcmeProblemError } from '../../src/acme/problem.js';
import { signRequest } from '../../src/acme/jws.js';
import { createHttpTransport } from '../../src/net/transport.js';
import { accountKeyFromKeyObject } from '../../src/keys/account-key.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { describeCertificate } from '../../src/certs/certificate.js';
import { ariCertId, startAcmeStandin, type AcmeStandin, type RenewalWindow } from '../support/acme-standin.js';
import { makeTempHome } from '../support/cli.js';
import { runMain } from '../support/in-process.js';
import { setTxtRecord, sharedPebble, type PebbleInstance } from '../support/pebble.js';

const PROFILES = { classic: 'The usual 90-day certificate', shortlived: 'A six-day certificate, no revocation information' };
const DAY_MS = 86_400_000;

let pebble: PebbleInstance;
/** Profiles and renewalInfo. */
let standin: AcmeStandin;
/** Neither. */
let plain: AcmeStandin;
let work: string;
/** What the stand-in's renewalInfo answers, by ARI CertID; anything else is 404. */
const windows = new Map<string, RenewalWindow>();

beforeAll(async () => {
  pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
  standin = await startAcmeStandin({ pebble, profiles: PROFILES, renewalInfo: (certId) => windows.get(certId) });
  plain = await startAcmeStandin({ pebble });
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-standin-ari-'));
});
afterAll(async () => {
  await standin?.stop();
  await plain?.stop();
  await pebble?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const ca = (s: AcmeStandin) => ['-a', s.directoryUrl, '--ca-file', s.caFile];
const count = (s: AcmeStandin, method: string, pathname: string) => s.requests.filter((r) => r.method === method && r.path === pathname).length;

interface Outcome {
  name: string;
  status: string;
  basis?: string;
  renewAt?: string;
  serial?: string;
  files?: { certificate: string };
}

/** A key with an account at `s`, a state home, and the dns-persist-01 record for `zone` published. */
async function prepare(s: AcmeStandin, zone: string) {
  const key = path.join(work, `${zone}.pem`);
  expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
  const env = { ACMECLI_HOME: makeTempHome() };
  const created = await runMain([...ca(s), '-k', key, 'account', 'create', '--agree-tos', '--json'], { env });
  expect(created.code, created.stderr).toBe(0);
  await setTxtRecord(pebble, `_validation-persist.${zone}`, `standin.example; accounturi=${created.json<{ accountUrl: string }>().accountUrl}`);
  const issueArgs = (...extra: string[]) =>
    [...ca(s), '-k', key, 'cert', 'issue', '-d', zone, '--dns-persist', '--challenge', 'dns-persist-01', '--out', mkdtempSync(path.join(work, 'out-')), '--json', ...extra];
  return { key, env, issueArgs };
}

/** A lineage named after `zone`, issued through `standin`; returns its certificate and ARI CertID. */
async function issueLineage(zone: string) {
  const p = await prepare(standin, zone);
  const r = await runMain(p.issueArgs(), { env: p.env });
  expect(r.code, r.stderr).toBe(0);
  const outcome = r.json<{ lineages: Outcome[] }>().lineages[0]!;
  const certFile = outcome.files!.certificate;
  return { ...p, name: outcome.name, certFile, certId: ariCertId(readFileSync(certFile, 'utf8')) };
}

describe('ACME profiles (draft-ietf-acme-profiles)', () => {
  test('--profile shortlived is accepted and sent in newOrder', async () => {
    const p = await prepare(standin, 'short.example.org');
    const r = await runMain(p.issueArgs('--profile', 'shortlived'), { env: p.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ lineages: Outcome[] }>().lineages[0]!.status).toBe('issued');
    expect(standin.orders.at(-1)).toMatchObject({ identifiers: [{ type: 'dns', value: 'short.example.org' }], profile: 'shortlived' });
  });

  test('an unknown profile is a one-line usage error before any newOrder', async () => {
    const p = await prepare(standin, 'unknown-profile.example.org');
    const orders = standin.orders.length;
    const newOrders = count(standin, 'POST', '/new-order');
    const r = await runMain(p.issueArgs('--profile', 'nonesuch'), { env: p.env });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no profile "nonesuch"; it offers classic, shortlived/);
    expect(standin.orders.length).toBe(orders);
    expect(count(standin, 'POST', '/new-order')).toBe(newOrders);
  });

  test('--profile with a CA that offers no profiles is a usage error', async () => {
    const p = await prepare(plain, 'no-profiles.example.org');
    const r = await runMain(p.issueArgs('--profile', 'shortlived'), { env: p.env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/offers no ACME profiles/);
    expect(count(plain, 'POST', '/new-order')).toBe(0);
  });

  test('the stand-in itself refuses an unknown profile with invalidProfile', async () => {
    const transport = createHttpTransport({ userAgent: 'acmecli-test', extraCaPem: readFileSync(standin.caFile, 'utf8') });
    try {
      const client = new AcmeClient({ directoryUrl: standin.directoryUrl, send: transport.send });
      const key = accountKeyFromKeyObject(await generatePrivateKey('ec256'), 'test key', 'pkcs8');
      const account = await createAccount(client, key, { termsOfServiceAgreed: true });
      const refused = await createOrder(client, { url: account.url, key }, { identifiers: [{ type: 'dns', value: 'x.example.org' }], profile: 'nonesuch' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AcmeProblemError);
      expect((refused as AcmeProblemError).is('invalidProfile')).toBe(true);
    } finally {
      await transport.close();
    }
  });
});

describe('ACME Renewal Information (RFC 9773)', () => {
  test('cert ari FILE prints the window the CA suggests', async () => {
    const lineage = await issueLineage('ari-show.example.org');
    // acmecli's own CertID (cert show) agrees with the stand-in's independent one.
    const shown = await runMain(['cert', 'show', lineage.certFile, '--json']);
    expect(shown.json<{ ariCertId: string }>().ariCertId).toBe(lineage.certId);

    const start = new Date(Date.now() + 10 * DAY_MS);
    const end = new Date(Date.now() + 12 * DAY_MS);
    windows.set(lineage.certId, { start, end, explanationURL: 'https://standin.example/why', retryAfterSeconds: 7200 });
    const r = await runMain([...ca(standin), 'cert', 'ari', lineage.certFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ARI CertID:   ${lineage.certId}`);
    expect(r.stdout).toContain(`Renew between ${start.toISOString()} and ${end.toISOString()}`);
    expect(r.stdout).toContain('Why:          https://standin.example/why');
    expect(r.stdout).toContain('Ask again in: 7200 s');
    expect(count(standin, 'GET', `/renewal-info/${lineage.certId}`)).toBe(1);
  });

  test('cert renew with the window in the past renews, replacing the old certificate', async () => {
    const lineage = await issueLineage('ari-due.example.org');
    // "Renew now": a window already over, within the certificate's life (one before notBefore would be ignored).
    const notBefore = describeCertificate(readFileSync(lineage.certFile, 'utf8')).notBefore;
    windows.set(lineage.certId, { start: notBefore, end: new Date(Math.max(Date.now(), notBefore.getTime() + 1)), retryAfterSeconds: 3600 });
    const orders = standin.orders.length;
    const r = await runMain(['cert', 'renew', lineage.name, '--json'], { env: lineage.env });
    expect(r.code, r.stderr).toBe(0);
    const outcome = r.json<{ lineages: Outcome[] }>().lineages[0]!;
    expect(outcome).toMatchObject({ status: 'issued', basis: 'ari' });
    expect(count(standin, 'GET', `/renewal-info/${lineage.certId}`)).toBe(1);
    expect(standin.orders.length).toBe(orders + 1);
    expect(standin.orders.at(-1)!.replaces).toBe(lineage.certId);
    expect(ariCertId(readFileSync(lineage.certFile, 'utf8'))).not.toBe(lineage.certId);
  });

  test('cert renew with the window in the future orders nothing, and does not ask again within Retry-After', async () => {
    const lineage = await issueLineage('ari-later.example.org');
    const start = new Date(Date.now() + 20 * DAY_MS);
    const end = new Date(Date.now() + 21 * DAY_MS);
    windows.set(lineage.certId, { start, end, retryAfterSeconds: 3600 });
    const ariPath = `/renewal-info/${lineage.certId}`;
    const newOrders = count(standin, 'POST', '/new-order');

    const first = await runMain(['cert', 'renew', lineage.name, '--json'], { env: lineage.env });
    expect(first.code, first.stderr).toBe(0);
    const outcome = first.json<{ lineages: Outcome[] }>().lineages[0]!;
    expect(outcome).toMatchObject({ status: 'not-due', basis: 'ari' });
    const renewAt = Date.parse(outcome.renewAt!);
    expect(renewAt).toBeGreaterThanOrEqual(start.getTime());
    expect(renewAt).toBeLessThanOrEqual(end.getTime());
    expect(count(standin, 'GET', ariPath)).toBe(1);
    expect(count(standin, 'POST', '/new-order')).toBe(newOrders);

    const second = await runMain(['cert', 'renew', lineage.name, '--json'], { env: lineage.env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.json<{ lineages: Outcome[] }>().lineages[0]).toMatchObject({ status: 'not-due', basis: 'ari', renewAt: outcome.renewAt });
    expect(count(standin, 'GET', ariPath)).toBe(1);
    expect(count(standin, 'POST', '/new-order')).toBe(newOrders);
  });

  test.each([
    ['ends after the certificate expires (2099)', () => ({ start: new Date('2099-01-01T00:00:00Z'), end: new Date('2099-01-02T00:00:00Z') }), /ends after the certificate expires/],
    ['starts before the certificate was issued', (nb: Date) => ({ start: new Date(nb.getTime() - 2 * DAY_MS), end: new Date(nb.getTime() - DAY_MS) }), /starts before the certificate was issued/],
  ] as const)('a window that %s is ignored for the local window, with a warning', async (_name, makeWindow, why) => {
    const lineage = await issueLineage(`ari-bogus-${Math.random().toString(36).slice(2, 8)}.example.org`);
    const info = describeCertificate(readFileSync(lineage.certFile, 'utf8'));
    windows.set(lineage.certId, { ...makeWindow(info.notBefore), retryAfterSeconds: 3600 });
    const newOrders = count(standin, 'POST', '/new-order');
    const r = await runMain(['cert', 'renew', lineage.name, '--json'], { env: lineage.env });
    expect(r.code, r.stderr).toBe(0);
    const outcome = r.json<{ lineages: Outcome[] }>().lineages[0]!;
    expect(outcome).toMatchObject({ status: 'not-due', basis: 'window' });
    expect(Date.parse(outcome.renewAt!)).toBeLessThan(info.notAfter.getTime());
    expect(r.stderr).toMatch(new RegExp(`warning: ${lineage.name}: ignoring the CA's ARI window .*: it ${why.source}.*; using the local renewal window`));
    expect(count(standin, 'POST', '/new-order')).toBe(newOrders);

    const shown = await runMain([...ca(standin), 'cert', 'ari', lineage.certFile, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json<{ ignoredBecause: string }>().ignoredBecause).toMatch(why);
  });
});

describe('the stand-in keeps RFC 8555 §6', () => {
  /** One raw request to the stand-in, trusting its CA. */
  function raw(method: string, url: string, body?: unknown): Promise<{ status: number; nonce: string; type: string; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, ca: readFileSync(standin.caFile), agent: false, headers: body ? { 'content-type': 'application/jose+json' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, nonce: String(res.headers['replay-nonce']), type: String(res.headers['content-type']), body: text ? JSON.parse(text) : {} });
        });
      });
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });
  }

  test('nonces are single-use, the url and signature are checked, unknown kids are refused', async () => {
    const directory = (await raw('GET', standin.directoryUrl)).body as Record<string, string>;
    const key = accountKeyFromKeyObject(await generatePrivateKey('ec256'), 'test key', 'pkcs8');
    const nonce = (await raw('HEAD', directory.newNonce!)).nonce;
    const payload = { termsOfServiceAgreed: true };
    const jws = await signRequest(key, { jwk: key.publicJwk }, directory.newAccount!, nonce, payload);
    const created = await raw('POST', directory.newAccount!, jws);
    expect(created.status).toBe(201);

    const replayed = await raw('POST', directory.newAccount!, jws);
    expect(replayed).toMatchObject({ status: 400, type: 'application/problem+json', body: { type: 'urn:ietf:params:acme:error:badNonce' } });
    expect(replayed.nonce).toMatch(/^[A-Za-z0-9_-]+$/);

    const forged = { ...(await signRequest(key, { jwk: key.publicJwk }, directory.newAccount!, replayed.nonce, payload)), payload: Buffer.from('{"termsOfServiceAgreed":false}').toString('base64url') };
    expect((await raw('POST', directory.newAccount!, forged)).body).toMatchObject({ type: 'urn:ietf:params:acme:error:malformed' });

    const elsewhere = await signRequest(key, { jwk: key.publicJwk }, directory.newOrder!, (await raw('HEAD', directory.newNonce!)).nonce, payload);
    expect((await raw('POST', directory.newAccount!, elsewhere)).body).toMatchObject({ type: 'urn:ietf:params:acme:error:unauthorized' });

    const stranger = await signRequest(key, { kid: `${directory.newAccount}/nobody` }, directory.newOrder!, (await raw('HEAD', directory.newNonce!)).nonce, {});
    expect((await raw('POST', directory.newOrder!, stranger)).body).toMatchObject({ type: 'urn:ietf:params:acme:error:accountDoesNotExist' });

    const unknownCert = await raw('GET', `${directory.renewalInfo}/AAAA.BBBB`);
    expect(unknownCert).toMatchObject({ status: 404, type: 'application/problem+json' });
  });
});
