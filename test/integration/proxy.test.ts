import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';
import { startTinyproxy, type TinyproxyInstance } from '../support/tinyproxy.js';

// HTTPS_PROXY / NO_PROXY end to end: `cert issue` against Pebble with every request to the CA tunnelled through a
// real tinyproxy that asks for Basic credentials (Pebble's own http-01 validation reaches the responder directly).
let pebble: PebbleInstance;
let proxy: TinyproxyInstance;
let work: string;
let accountKey: string;
const PASSWORD = 'Tunnel7pw';

beforeAll(async () => {
  [pebble, proxy] = await Promise.all([sharedPebble(), startTinyproxy({ user: 'ops', password: PASSWORD })]);
  work = tempDir('proxy');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
});
afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
});

const issue = (name: string, env: Record<string, string>) => runMain(
  ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', '-d', name,
    '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, name)],
  { env: { ACMECLI_HOME: path.join(work, 'home'), ...env } },
);
const tunnelsToPebble = () => proxy.requests().filter((line) => line === `CONNECT ${new URL(pebble.directoryUrl).host} HTTP/1.1`).length;

test('HTTPS_PROXY with credentials: the requests to the CA go through its CONNECT tunnel, the password is never shown', async () => {
  const before = tunnelsToPebble();
  const r = await issue('proxied.example.com', { HTTPS_PROXY: proxy.url, ACMECLI_TIMEOUT: '60' });
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(path.join(work, 'proxied.example.com', 'proxied.example.com.crt'))).toBe(true);
  expect(tunnelsToPebble() - before).toBeGreaterThanOrEqual(1);
  expect(r.stderr + r.stdout).not.toContain(PASSWORD);
});

test('NO_PROXY naming the CA: no tunnel, even with HTTPS_PROXY pointing at nothing', async () => {
  const closed = await closedPort();
  const before = proxy.requests().length;
  const r = await issue('direct.example.com', { https_proxy: `http://127.0.0.1:${closed}`, no_proxy: 'localhost, 127.0.0.1' });
  expect(r.code, r.stderr).toBe(0);
  expect(proxy.requests().length).toBe(before);
  // The same without NO_PROXY goes to the proxy, which is not there: the variable is what made the difference.
  const refused = await issue('direct2.example.com', { https_proxy: `http://127.0.0.1:${closed}` });
  expect(refused.code).toBe(3);
  expect(refused.stderr).toMatch(new RegExp(`cannot connect to the proxy 127\\.0\\.0\\.1:${closed} \\(for 127\\.0\\.0\\.1:\\d+\\): connection refused`));
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
});

test('a proxy refusing the credentials: one line, exit 3, no credentials in it', async () => {
  const wrong = proxy.url.replace(PASSWORD, 'Wrongpw1');
  const r = await issue('refused.example.com', { HTTPS_PROXY: wrong });
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/through the proxy failed/);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/Wrongpw1|ops:/);
});

/** A port nothing listens on (taken from the system, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
