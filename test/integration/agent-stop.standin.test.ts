// Stand-in: no ACME Manager binary runs here; test/support/manager-standin.ts follows manager-contract.md and issues through the real Pebble.
// SIGTERM (systemctl stop) ends the agent daemon at once when it is only waiting, and lets an order in flight finish.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { certificateMatchesKey } from '../../src/certs/certificate.js';
import { startHostileManager, type HostileManager } from '../support/hostile-manager.js';
import { managerOnSharedPebble } from '../support/manager-on-shared-pebble.js';
import { distBinary } from '../support/cli.js';
import { tempDir } from '../support/cert-fixtures.js';
import { runMain } from '../support/in-process.js';

/** Far longer than the bound the tests wait for an exit: a daemon that waits it out fails the test. */
const RETRY_WAIT_S = 120;
const EXIT_BOUND_MS = 30_000;

function agentDir(prefix: string, certificates: string, retryWaitS = RETRY_WAIT_S): { config: string; certDir: string; home: string } {
  const dir = tempDir(prefix);
  const certDir = path.join(dir, 'certs') + '/';
  const config = path.join(dir, 'client-config.yml');
  writeFileSync(config, `common:\n  certificate_deploy: true\n  certificate_dir: ${certDir}\n  http_client_retry_wait_min: ${retryWaitS}\n  http_client_retry_wait_max: ${retryWaitS}\n  http_client_retry_max: 1\ncertificate:\n${certificates}`);
  return { config, certDir, home: path.join(dir, 'state') };
}

function startDaemon(config: string, managerUrl: string, env: Record<string, string>): { child: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const child = spawn(distBinary, ['agent', '--config', config, '--manager-url', managerUrl, '--interval', '1h'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, log: () => log, exited };
}

async function waitFor(what: () => boolean, label: string, log: () => string): Promise<void> {
  for (let i = 0; i < 600 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(what(), `${label}; the agent's log:\n${log()}`).toBe(true);
}

/** 'hung' when the daemon has not exited within EXIT_BOUND_MS (it is then killed). */
async function exitAfterSigterm(daemon: ReturnType<typeof startDaemon>): Promise<number | null | 'hung'> {
  daemon.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([daemon.exited, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), EXIT_BOUND_MS)))]);
  clearTimeout(timer);
  if (outcome === 'hung') {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
  return outcome;
}

const token = `${Buffer.from(`${crypto.randomUUID()}:${'s'.repeat(43)}`).toString('base64')}`;

describe('SIGTERM while the manager cannot be reached', () => {
  test(`a retry wait of ${RETRY_WAIT_S} s is not waited out: the daemon exits 0 at once`, async () => {
    // A port nothing listens on: every GET is refused and retried after RETRY_WAIT_S.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { config, home } = agentDir('agent-stop-refused', '  - domain: a.stop.example\n    issuer: pebble\n');
    const daemon = startDaemon(config, `http://127.0.0.1:${port}/api/v1`, { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home });
    await waitFor(() => /retrying GET token\/self after NETWORK in 120 s/.test(daemon.log()), 'the daemon should announce its retry wait', daemon.log);
    expect(await exitAfterSigterm(daemon)).toBe(0);
    expect(daemon.log()).not.toMatch(/attempt 3/);
    expect(daemon.log()).not.toMatch(/next attempt in/);
  });

  test('a GET the manager never answers is given up: the daemon exits 0 at once', async () => {
    // Accepts and reads, never answers: the GET would otherwise wait for its 30 s timeout, then retry.
    const sockets = new Set<Socket>();
    let connected!: () => void;
    const connectedOnce = new Promise<void>((r) => (connected = r));
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
      connected();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const { config, home } = agentDir('agent-stop-silent', '  - domain: b.stop.example\n    issuer: pebble\n');
      const daemon = startDaemon(config, `http://127.0.0.1:${port}/api/v1`, { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home });
      await connectedOnce;
      expect(await exitAfterSigterm(daemon)).toBe(0);
      expect(daemon.log()).not.toMatch(/retrying/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('SIGTERM while an order is in flight', () => {
  const standin = managerOnSharedPebble();
  let hostile: HostileManager;
  beforeAll(async () => {
    hostile = await startHostileManager(standin.manager);
  });
  afterAll(async () => hostile?.stop());

  test('the POST finishes, its certificate is deployed with its key, and then the daemon exits 0', async () => {
    const { config, certDir, home } = agentDir('agent-stop-post', '  - domain: c.stop.example\n    issuer: pebble\n');
    const owned = standin.manager.createToken({ username: 'stopper', scope: ['create', 'read', 'update', 'delete'] });
    const post = hostile.hold((req) => req.method === 'POST' && req.path === '/certificate');
    const daemon = startDaemon(config, hostile.url, { ACME_MANAGER_TOKEN: owned, ACMECLI_HOME: home });
    await post.arrived;
    daemon.child.kill('SIGTERM');
    // The order is answered only once the daemon is stopping.
    await waitFor(() => /stopping: waits and reads end now, an order in flight finishes first/.test(daemon.log()), 'the daemon should say it is stopping', daemon.log);
    post.release();
    expect(await daemon.exited).toBe(0);
    const base = path.join(certDir, 'pebble', 'c.stop.example');
    expect(certificateMatchesKey(readFileSync(`${base}.crt`, 'utf8'), createPrivateKey(readFileSync(`${base}.key`)))).toBe(true);
    expect(standin.manager.certificates('stopper').has('pebble/c.stop.example')).toBe(true);
  });

  test('the manager out of reach: a certificate within 7 days of its end is an error each cycle, but not when the cycle was stopped', async () => {
    // A 1 s retry wait, so the failed list is quick; a deployed certificate is then replaced by one that ends in 3 days.
    const { config, certDir, home } = agentDir('agent-stop-expiry', '  - domain: d.stop.example\n    issuer: pebble\n', 1);
    const owned = standin.manager.createToken({ username: 'expirer', scope: ['create', 'read', 'update', 'delete'] });
    // The --once runs are in-process (their subject is the cycle, not the process); the stop below needs the daemon.
    const once = async () => {
      const r = await runMain(['agent', '--config', config, '--manager-url', hostile.url, '--once'], { env: { ACME_MANAGER_TOKEN: owned, ACMECLI_HOME: home } });
      return { code: r.code, log: r.stdout + r.stderr };
    };
    expect((await once()).code).toBe(0);
    const crt = path.join(certDir, 'pebble', 'd.stop.example.crt');
    const scratch = tempDir('agent-stop-short');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(scratch, 'k.pem'), '-out', crt, '-days', '3', '-subj', '/CN=d.stop.example'], { stdio: 'ignore' });
    const alarm = /certificate expires in 2 days and the manager cannot be reached.*domain=d\.stop\.example/;
    hostile.intercept((req) => (req.path === '/certificate/metadata' ? { status: 502, body: 'bad gateway' } : undefined));
    try {
      const down = await once();
      expect(down.code, down.log).toBe(3);
      expect(down.log).toMatch(alarm);
    } finally {
      hostile.intercept(undefined);
    }
    // Stopped while the list is in flight: the list is given up on purpose, and the alarm (a read of every deployed file) is left out.
    const list = hostile.hold((req) => req.path === '/certificate/metadata');
    const daemon = startDaemon(config, hostile.url, { ACME_MANAGER_TOKEN: owned, ACMECLI_HOME: home });
    try {
      let arrived = false;
      void list.arrived.then(() => (arrived = true));
      await waitFor(() => arrived, 'the daemon should ask for the list', daemon.log);
      expect(await exitAfterSigterm(daemon)).toBe(0);
    } finally {
      list.release();
    }
    expect(daemon.log()).toMatch(/stopping: waits and reads end now.*\n.*cannot list certificates from the manager; nothing changes on disk: interrupted/);
    expect(daemon.log()).not.toMatch(/certificate expires in/);
  });
});

