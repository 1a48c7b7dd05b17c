import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getRootCertificate, sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';
import { startNginx } from '../support/nginx.js';
import { opensslHandshake, startApache, startHaproxy, type WebServer } from '../support/web-servers.js';

// The files `cert issue` writes with default options, taken as they are by Debian's real nginx,
// apache2 and haproxy, and checked by a TLS handshake that trusts only Pebble's root.
let pebble: PebbleInstance;
let out: string;
let rootFile: string;
let issueText: string;
const NAME = 'web.example.com';

beforeAll(async () => {
  pebble = await sharedPebble();
  const work = tempDir('web');
  out = path.join(work, 'out');
  const key = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
  const issued = await runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, 'cert', 'issue', '-d', NAME,
    '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out, '--agree-tos'], { env: { ACMECLI_HOME: path.join(work, 'home') } });
  expect(issued.code, issued.stderr).toBe(0);
  issueText = issued.stdout;
  rootFile = path.join(work, 'pebble-root.pem');
  writeFileSync(rootFile, await getRootCertificate(pebble));
}, 120_000);
afterAll(async () => pebble?.stop());

const file = (suffix: string) => path.join(out, `${NAME}${suffix}`);

async function handshake(server: WebServer | { port: number; stop(): Promise<void> }) {
  try {
    return await opensslHandshake(server.port, NAME, rootFile);
  } finally {
    await server.stop();
  }
}

describe('files a web server takes as they are', () => {
  test('cert issue writes the full chain and the HAProxy file (0600), and prints the lines for each server', () => {
    expect(statSync(file('.haproxy.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(file('.fullchain.crt'), 'utf8')).toBe(readFileSync(file('.crt'), 'utf8') + readFileSync(file('.ca.crt'), 'utf8'));
    expect(readFileSync(file('.haproxy.pem'), 'utf8')).toBe(readFileSync(file('.fullchain.crt'), 'utf8') + readFileSync(file('.key'), 'utf8'));
    expect(issueText).toContain(`ssl_certificate     ${file('.fullchain.crt')};`);
    expect(issueText).toContain(`ssl_certificate_key ${file('.key')};`);
    expect(issueText).toContain(`SSLCertificateFile    ${file('.fullchain.crt')}`);
    expect(issueText).toContain(`SSLCertificateKeyFile ${file('.key')}`);
    expect(issueText).toContain(`bind :443 ssl crt ${file('.haproxy.pem')}`);
  });

  test('nginx with ssl_certificate NAME.fullchain.crt: the handshake verifies against Pebble\'s root', async () => {
    const r = await handshake(await startNginx({ certificate: file('.fullchain.crt'), key: file('.key') }));
    expect(r.ok, r.output).toBe(true);
  }, 60_000);

  test('the check is real: nginx given the leaf alone (the incomplete-chain mistake) fails it', async () => {
    const r = await handshake(await startNginx({ certificate: file('.crt'), key: file('.key') }));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/unable to get local issuer certificate|verify error/i);
  }, 60_000);

  test('Apache with SSLCertificateFile NAME.fullchain.crt', async () => {
    const r = await handshake(await startApache({ certificate: file('.fullchain.crt'), key: file('.key') }));
    expect(r.ok, r.output).toBe(true);
  }, 60_000);

  test('HAProxy with crt NAME.haproxy.pem', async () => {
    const r = await handshake(await startHaproxy(file('.haproxy.pem')));
    expect(r.ok, r.output).toBe(true);
  }, 60_000);
});
