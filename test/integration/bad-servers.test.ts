import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';

// A deliberately broken web server on loopback: not an ACME stand-in, just the
// HTML pages, garbage, giant bodies and silences that a wrong --acme-url meets.
type Behaviour = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
const behaviours: Record<string, Behaviour> = {
  html: (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Welcome to nginx!</body></html>'),
  garbage: (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"newNonce": "x", oops'),
  'not-a-directory': (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}'),
  huge: (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < 64 && res.write(chunk)) sent++;
      if (sent >= 64) res.end();
      else res.once('drain', pump);
    };
    res.on('error', () => undefined);
    pump();
  },
  silent: () => undefined,
  empty: (_q, res) => res.writeHead(502).end(),
  busy: (_q, res) => res.writeHead(503, { 'retry-after': '3600', 'content-type': 'text/html' }).end('<html>maintenance</html>'),
};

let server: Server;
let base: string;
let key: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = (req.url ?? '/').split('/')[1] ?? '';
    (behaviours[name] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-bad-'));
  key = path.join(dir, 'k.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function expectOneLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('a server that is not a good ACME server gives one clear line and a non-zero exit', () => {
  test.each([
    ['html', 1, /answered HTTP 200 with an HTML page where JSON was due/],
    ['garbage', 1, /where JSON was due/],
    ['not-a-directory', 1, /is not an ACME directory .* check --acme-url/],
    ['huge', 1, /larger than 4096 KiB; refusing it/],
    ['empty', 1, /HTTP 502 with an empty body/],
    ['busy', 1, /HTTP 503 with an HTML page, retry after 3600 s/],
    ['silent', 3, /no answer from 127\.0\.0\.1:\d+ within 1 s/],
  ] as const)('%s', async (name, code, message) => {
    // Only the silent server is waited out (1 s). The others answer at once, and a 1 s deadline would turn a loaded
    // machine's late timers into exit 3 ("no answer") before the answer is read.
    const timeout = name === 'silent' ? ['--timeout', '1'] : [];
    const r = await runMain(['-a', `${base}/${name}/dir`, '--allow-http', ...timeout, '-k', key, 'account', 'show']);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expectOneLine(r.stderr);
  });

  test('--verbose adds the stack', async () => {
    const r = await runMain(['-a', `${base}/html/dir`, '--allow-http', '-k', key, 'account', 'show', '-v']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  test('nothing listening: connection refused, exit 3', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runMain(['-a', `https://127.0.0.1:${port}/dir`, '-k', key, 'account', 'show']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    expectOneLine(r.stderr);
  });
});

describe('usage errors: exit 2, one line', () => {
  test.each([
    [['-a', 'letsencrypt-stagin', 'account', 'show'], /unknown --acme-url keyword "letsencrypt-stagin"/],
    [['-a', 'http://127.0.0.1:9/dir', 'account', 'show'], /must be https:\/\/ \(RFC 8555 §6\.1\)/],
    [['account', 'frobnicate'], /unknown command 'frobnicate'/],
    // Commander's suggestion joins the line, not as an escaped \n.
    [['kye', 'generate'], /^acmecli: unknown command 'kye' \(Did you mean key\?\) \(see --help\)$/m],
    // A newline the user typed stays visible, escaped, not joined away.
    [['ky\ne'], /^acmecli: unknown command 'ky\\ne' \(see --help\)$/m],
    [['key', 'generate', 'ec999', '-o', 'x'], /value 'ec999' is invalid for argument 'type'. Allowed choices are ec256/],
    [['key', 'generate', 'ec256'], /required option '-o, --output <file>' not specified/],
    [['account', 'update', 'mailto:a@example.com', 'clear'], /`clear` must be given alone/],
    [['account', 'show'], /no account key: pass -k FILE/],
  ])('%j', async (args, message) => {
    const r = await runMain(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectOneLine(r.stderr);
  });
});

describe('TLS', () => {
  let pebble: PebbleInstance;
  beforeAll(async () => {
    pebble = await sharedPebble();
  });
  afterAll(async () => pebble?.stop());

  test('a CA signed by an untrusted root fails with a hint about --ca-file, exit 3', async () => {
    const r = await runMain(['-a', pebble.directoryUrl, '-k', key, 'account', 'show']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/TLS with 127\.0\.0\.1:\d+ failed: .*pass --ca-file/);
    expectOneLine(r.stderr);
  });

  test('--ca-file that is not a certificate', async () => {
    const bogus = path.join(mkdtempSync(path.join(tmpdir(), 'acmecli-ca-')), 'ca.pem');
    writeFileSync(bogus, 'hello');
    const r = await runMain(['-a', pebble.directoryUrl, '--ca-file', bogus, '-k', key, 'account', 'show']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no PEM certificate/);
  });
});
