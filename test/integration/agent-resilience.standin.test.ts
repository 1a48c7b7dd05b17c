// Stand-in: no ACME Manager binary runs here; test/support/manager-standin.ts follows manager-contract.md and issues through the real Pebble.
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { certificateMatchesKey } from '../../src/certs/certificate.js';
import { startManagerStandin, type ManagerStandin } from '../support/manager-standin.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { distBinary } from '../support/cli.js';
import { tempDir } from '../support/cert-fixtures.js';

let pebble: PebbleInstance;
beforeAll(async () => {
  pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
});
afterAll(async () => pebble?.stop());

function setup(manager: ManagerStandin, username: string, certificates: string, common = '') {
  const dir = tempDir(`agent-${username}`);
  const certDir = path.join(dir, 'certs') + '/';
  const config = path.join(dir, 'client-config.yml');
  const home = path.join(dir, 'state');
  const token = manager.createToken({ username, scope: ['create', 'read', 'update', 'delete'] });
  const write = (certs: string) => writeFileSync(config, `common:\n  certificate_deploy: true\n  certificate_dir: ${certDir}\n${common}\ncertificate:\n${certs}`);
  write(certificates);
  const env = { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home };
  const once = (extra: string[] = []) => runMain(['agent', '--config', config, '--manager-url', manager.url, '--once', ...extra], { env });
  return { dir, certDir, config, home, token, env, write, once };
}

const pairOk = (base: string) => certificateMatchesKey(readFileSync(`${base}.crt`, 'utf8'), createPrivateKey(readFileSync(`${base}.key`)));

describe('the agent when the manager pushes back, crashes, and leftovers', () => {
  let manager: ManagerStandin;
  beforeAll(async () => {
    manager = await startManagerStandin({ pebble, rateLimit: { windowMs: 3_600_000, maxRequests: 1 } });
  });
  afterAll(async () => manager?.stop());

  test('a rate-limit 429 skips that certificate until its Retry-After, without blocking the others', async () => {
    const h = setup(manager, 'kate', `  - domain: a.kate.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    // A re-issue of a.kate.example is a second request in its window: refused with Retry-After.
    h.write(`  - domain: a.kate.example\n    issuer: pebble\n    san: b.kate.example\n  - domain: c.kate.example\n    issuer: pebble\n`);
    const limited = await h.once();
    expect(limited.code).toBe(1);
    expect(limited.stdout).toMatch(/rate limit exceeded, retry after \d+s/);
    expect(manager.certificates('kate').has('pebble/c.kate.example')).toBe(true);
    // The next cycle leaves a.kate.example alone (no PUT), and says why.
    const before = manager.requests.length;
    const next = await h.once();
    expect(next.stdout).toMatch(/skipped until .*rate limited by the manager/);
    expect(manager.requests.slice(before).filter((q) => q.method === 'PUT')).toEqual([]);
    expect(manager.certificates('kate').size).toBe(2);
  });

  test('cleanup removes only orphan certificate files inside certificate_dir', async () => {
    const h = setup(manager, 'liam', `  - domain: keep.liam.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    mkdirSync(path.join(h.certDir, 'pebble'), { recursive: true });
    const orphan = path.join(h.certDir, 'pebble', 'old.liam.example');
    for (const ext of ['.crt', '.key', '.ca.crt']) writeFileSync(orphan + ext, 'old');
    writeFileSync(path.join(h.certDir, 'README.txt'), 'not ours');
    const outside = path.join(h.dir, 'outside.crt');
    writeFileSync(outside, 'outside');
    const child = spawn(distBinary, ['agent', '--config', h.config, '--manager-url', manager.url, '--interval', '1h', '--cleanup', '--cleanup-interval', '1s'], { env: { ...process.env, ...h.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    try {
      for (let i = 0; i < 200 && !/removed orphan file .*old\.liam\.example\.key/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
      expect(log).toMatch(/removed orphan file/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
    for (const ext of ['.crt', '.key', '.ca.crt']) expect(existsSync(orphan + ext)).toBe(false);
    expect(existsSync(path.join(h.certDir, 'pebble', 'keep.liam.example.crt'))).toBe(true);
    expect(existsSync(path.join(h.certDir, 'README.txt'))).toBe(true);
    expect(existsSync(outside)).toBe(true);
  });

});

describe('the agent killed in the middle of a sync', () => {
  let manager: ManagerStandin;
  beforeAll(async () => {
    manager = await startManagerStandin({ pebble });
  });
  afterAll(async () => manager?.stop());

  test('kill -9 during a deploy: the next cycle repairs, no key is lost, and every key matches its certificate', async () => {
    // Each round kills a first sync of its own (each certificate a real Pebble order) at a later moment, then
    // checks what the kill left and what the next cycles make of it: every round is asserted, none is skipped.
    for (const [round, delayMs] of [60, 120, 180, 240, 320].entries()) {
      const names = Array.from({ length: 3 }, (_, i) => `k${i}.r${round}.mia.example`);
      const owner = `mia${round}`;
      const h = setup(manager, owner, names.map((d) => `  - domain: ${d}\n    issuer: pebble\n`).join(''));
      const child = spawn(distBinary, ['agent', '--config', h.config, '--manager-url', manager.url, '--once'], { env: { ...process.env, ...h.env }, stdio: 'ignore' });
      // Listen for the end at once: a fast run may be over before the kill.
      const closed = new Promise((r) => child.once('close', r));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await closed;
      // What the kill left: a certificate beside a key is always its pair (the key goes first, each file by rename).
      const deployed = names.map((d) => path.join(h.certDir, 'pebble', d)).filter((base) => existsSync(`${base}.crt`) && existsSync(`${base}.key`));
      for (const base of deployed) expect(pairOk(base), `after a kill at ${delayMs} ms: ${base}`).toBe(true);
      // A POST cut off by the kill may still be running at the manager: the next cycle sees it busy (429),
      // or finished after the list was read (409 exists). Either way that certificate waits for the next cycle.
      let settle = await h.once();
      for (let cycle = 0; cycle < 10 && settle.code !== 0; cycle++) {
        expect(settle.stdout, `after a kill at ${delayMs} ms`).toMatch(/another operation is in progress|certificate already exists/);
        await new Promise((r) => setTimeout(r, 300));
        settle = await h.once();
      }
      expect(settle.code, `after a kill at ${delayMs} ms: ${settle.stdout}`).toBe(0);
      for (const d of names) expect(pairOk(path.join(h.certDir, 'pebble', d)), `after a kill at ${delayMs} ms: ${d}`).toBe(true);
      expect(manager.certificates(owner).size, `after a kill at ${delayMs} ms`).toBe(names.length);
      // A key made for an interrupted order is recovered, not replaced: nothing was issued twice.
      expect(manager.requests.filter((q) => q.method === 'PUT' && q.headers.authorization === `Bearer ${h.token}`), `after a kill at ${delayMs} ms`).toEqual([]);
    }
  });
});
