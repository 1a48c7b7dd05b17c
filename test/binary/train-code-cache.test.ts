import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { repoRoot } from '../support/cli.js';

// The code-cache trainer (scripts/train-code-cache.cjs, run by the build) issues through a scripted CA on a
// loopback port. The build is offline and its cache must not depend on who builds: a proxy in the builder's
// environment (HTTPS_PROXY and HTTP_PROXY, either case) must not take those requests off the machine.
let work: string;
let proxy: Server;
let proxyUrl: string;
let proxyConnections = 0;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-train-'));
  proxy = createServer((socket) => {
    proxyConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  rmSync(work, { recursive: true, force: true });
});

test("the trainer's requests stay on the machine whatever proxy the builder's environment names", async () => {
  const bundle = path.join(repoRoot, 'dist', 'groups', 'acmecli-cert.cjs');
  await promisify(execFile)(process.execPath, [
    path.join(repoRoot, 'scripts', 'train-code-cache.cjs'), bundle, path.join(work, 'source.js'), path.join(work, 'cache'), 'acmecli-cert.js', 'cert',
  ], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: work, HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, https_proxy: proxyUrl, http_proxy: proxyUrl, ALL_PROXY: proxyUrl },
    timeout: 120_000,
  });
  expect(proxyConnections).toBe(0);
}, 180_000);
