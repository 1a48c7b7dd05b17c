import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startHostileAcmeProxy, type HostileAcmeProxy } from '../support/hostile-acme-proxy.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

// The hostile proxy itself: transparent unless told otherwise, and each kind of rewrite reaches the client.
let pebble: PebbleInstance;
let proxy: HostileAcmeProxy;
let work: string;
let accountKey: string;

beforeAll(async () => {
  pebble = await sharedPebble();
  proxy = await startHostileAcmeProxy(pebble);
  work = tempDir('proxy');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
});
afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
});
afterEach(() => {
  proxy.clearRules();
  proxy.requests.length = 0;
});

let n = 0;
const issue = () => {
  n++;
  return runMain(
    ['-a', proxy.directoryUrl, '--ca-file', proxy.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', '--json',
      '-d', `p${n}.example.com`, '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, `out${n}`)],
    { env: { ACMECLI_HOME: path.join(work, 'home') } },
  );
};

describe('hostile ACME proxy in front of Pebble', () => {
  test('passes everything through untouched and records each request', async () => {
    const r = await issue();
    expect(r.code, r.stderr).toBe(0);
    const kinds = new Set(proxy.requests.map((q) => q.kind));
    for (const kind of ['directory', 'newNonce', 'newOrder', 'authorization', 'challenge', 'finalize', 'certificate'] as const) expect(kinds).toContain(kind);
    expect(proxy.requests.filter((q) => q.method === 'POST').every((q) => q.signed)).toBe(true);
    expect(proxy.requests.every((q) => q.path.startsWith('/') && q.status > 0)).toBe(true);
    expect(proxy.requests.some((q) => q.kind === 'other')).toBe(false);
  });

  test('rewrites status, headers and JSON, as often as asked', async () => {
    proxy.rewrite(
      'newOrder',
      (ex) => {
        ex.status = 403;
        ex.headers['content-type'] = 'application/problem+json';
        ex.json = { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'the proxy says no', status: 403 };
      },
      { times: 1 },
    );
    const refused = await issue();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/the proxy says no/);
    const again = await issue();
    expect(again.code, again.stderr).toBe(0);
  });

  test('rewrites raw bodies (the certificate download)', async () => {
    proxy.rewrite('certificate', (ex) => {
      ex.body = 'this is not a PEM chain\n';
    });
    const r = await issue();
    expect(r.code).not.toBe(0);
    expect(proxy.requests.find((q) => q.kind === 'certificate')?.status).toBe(200);
  });

  test('answers paths of its own', async () => {
    proxy.answer('/dir', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}'));
    const r = await issue();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not an ACME directory/);
  });
});
