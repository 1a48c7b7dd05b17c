// Stand-in: no ACME Manager binary runs here; test/support/manager-standin.ts follows the contract and issues through the
// real Pebble. Its `setMisissue` knob makes it a hostile manager that answers with a certificate other than the one asked for.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startManagerStandin, type ManagerStandin, type Misissue } from '../support/manager-standin.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startVaultStandin, type VaultStandin } from '../support/vault-standin.js';
import { runMain } from '../support/in-process.js';
import { pairMatches, tempDir } from '../support/cert-fixtures.js';
import { distBinary } from '../support/cli.js';

let pebble: PebbleInstance;
let manager: ManagerStandin;
let vault: VaultStandin;

beforeAll(async () => {
  pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
  manager = await startManagerStandin({ pebble });
  vault = await startVaultStandin({ roleId: 'role-1', secretId: 'secret-1' });
}, 120_000);
afterAll(async () => {
  await manager?.stop();
  await vault?.stop();
  await pebble?.stop();
});
afterEach(() => manager.setMisissue(undefined));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The refusal line for each kind of misissue, as acmecli must say it. */
const REFUSALS: Record<Misissue, (names: string, askedIn: string) => RegExp> = {
  'other-key': (_, askedIn) => new RegExp(`refused the certificate from the manager: it is for another public key than the one ${askedIn} was made with`),
  'other-names': (names, askedIn) => new RegExp(`refused the certificate from the manager: it is for names ${names}, evil\\.example but ${askedIn} was for ${names}`),
  expired: () => /refused the certificate from the manager: it expired at \S+ \(now is \S+\)/,
  'bad-chain': () => /refused the certificate from the manager: the first certificate of its chain \(CN=Manager Stand-in Rogue CA\) did not issue it/,
};

describe('manager request writes nothing the manager should not have sent', () => {
  const kinds: Misissue[] = ['other-key', 'other-names', 'expired', 'bad-chain'];
  test.each(kinds)('%s: one line, exit 1, no file', async (kind) => {
    const work = tempDir(`request-${kind}`);
    const out = path.join(work, 'out');
    const token = manager.createToken({ username: `req-${kind}`, scope: ['create', 'read'] });
    manager.setMisissue(kind);
    const domain = `${kind}.request.example`;
    const r = await runMain(['manager', 'request', '--manager-url', manager.url, '-d', domain, '--issuer', 'pebble', '--out', out], { env: { ACME_MANAGER_TOKEN: token } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(REFUSALS[kind](domain.replace(/\./g, '\\.'), 'the request'));
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  test('an honest answer is written as before', async () => {
    const work = tempDir('request-honest');
    const out = path.join(work, 'out');
    const token = manager.createToken({ username: 'req-honest', scope: ['create', 'read'] });
    const r = await runMain(['manager', 'request', '--manager-url', manager.url, '-d', 'honest.request.example', '--issuer', 'pebble', '--out', out], { env: { ACME_MANAGER_TOKEN: token } });
    expect(r.code, r.stderr).toBe(0);
    expect(pairMatches(path.join(out, 'honest.request.example.crt'), path.join(out, 'honest.request.example.key'))).toBe(true);
  });
});

interface Host {
  certDir: string;
  config: string;
  home: string;
  /** Rewrites the configuration with these SANs for the certificate. */
  setSan(san: string): void;
  once(): ReturnType<typeof runMain>;
  status(): Promise<{ certificates: Array<{ lastError: string | null }> }>;
  token: string;
  postLog: string;
}

function host(username: string, domain: string, options: { pullOnly?: boolean } = {}): Host {
  const dir = tempDir(`agent-check-${username}`);
  const certDir = path.join(dir, 'certs') + '/';
  const config = path.join(dir, 'client-config.yml');
  const home = path.join(dir, 'state');
  const postLog = path.join(dir, 'post.log');
  const token = manager.createToken({ username, scope: options.pullOnly ? ['read'] : ['create', 'read', 'update', 'delete'] });
  const write = (san: string) => writeFileSync(config, `common:
  certificate_deploy: true
  certificate_backup: true
  certificate_dir: ${certDir}
  cmd_enabled: true
  post_cmd_run: /usr/bin/touch ${postLog}
storage:
  vault:
    url: ${vault.url}
    role_id: role-1
    secret_id: secret-1
    mount_path: approle
    secret_engine: secret
    certificate_prefix: check-backup
certificate:
${options.pullOnly ? '' : `  - domain: ${domain}\n    issuer: pebble\n${san ? `    san: ${san}\n` : ''}`}`);
  write('');

  const env = { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home };
  return {
    certDir, config, home, token, postLog,
    setSan: write,
    once: () => runMain(['agent', '--config', config, '--manager-url', manager.url, '--once', ...(options.pullOnly ? ['--pull-only'] : [])], { env }),
    status: async () => (await runMain(['agent', 'status', '--config', config, '--json'], { env })).json(),
  };
}

const writesBy = (token: string) => manager.requests.filter((q) => q.headers.authorization === `Bearer ${token}` && q.method !== 'GET');
const filesIn = (folder: string) => (existsSync(folder) ? readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(crt|key)$/.test(f)).sort() : []);

describe('the agent deploys nothing the manager should not have sent, and does not ask again every cycle', () => {
  test.each(['other-key', 'other-names'] as const)('full mode, %s at creation: nothing deployed or backed up; the next cycle reports it without a new request', async (kind) => {
    const domain = `${kind}.agent.example`;
    const h = host(`create-${kind}`, domain);
    manager.setMisissue(kind);
    const first = await h.once();
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.stdout + first.stderr).toMatch(REFUSALS[kind](domain.replace(/\./g, '\\.'), 'the configuration'));
    expect(filesIn(h.certDir)).toEqual([]);
    expect(existsSync(h.postLog)).toBe(false);
    expect([...vault.secrets().keys()].filter((key) => key.includes(domain))).toEqual([]);
    expect(writesBy(h.token).map((q) => q.method)).toEqual(['POST']);

    // The manager keeps offering that certificate: reported as this entry's error every cycle, never asked for again.
    for (let cycle = 0; cycle < 2; cycle++) {
      const next = await h.once();
      expect(next.code).toBe(1);
      expect(next.stdout + next.stderr).toMatch(REFUSALS[kind](domain.replace(/\./g, '\\.'), 'the configuration'));
    }
    expect(writesBy(h.token).map((q) => q.method)).toEqual(['POST']);
    expect(filesIn(h.certDir)).toEqual([]);
    expect((await h.status()).certificates[0]?.lastError).toMatch(/refused the certificate from the manager/);
  });

  test('a refused certificate does not stop a re-issue the configuration asks for', async () => {
    const domain = 'changed.agent.example';
    const h = host('create-then-change', domain);
    manager.setMisissue('other-names');
    expect((await h.once()).code).toBe(1);
    expect(filesIn(h.certDir)).toEqual([]);
    manager.setMisissue(undefined);
    h.setSan(`www.${domain}`);
    const r = await h.once();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/level=warn msg="refused the certificate from the manager: .*; re-issuing \(san changed\)"/);
    expect(writesBy(h.token).map((q) => q.method)).toEqual(['POST', 'PUT']);
    const base = path.join(h.certDir, 'pebble', domain);
    expect(pairMatches(`${base}.crt`, `${base}.key`)).toBe(true);
  });

  test.each(['expired', 'bad-chain', 'other-names'] as const)('a server-side renewal that is %s: the deployed pair stays, byte for byte, in full and pull-only mode', async (kind) => {
    const owner = `renew-${kind}`;
    const domain = `${kind}.renew.example`;
    const full = host(owner, domain);
    expect((await full.once()).code).toBe(0);
    const replica = host(owner, domain, { pullOnly: true });
    expect((await replica.once()).code).toBe(0);
    const base = path.join('pebble', domain);
    const snapshot = (h: Host) => [`${base}.crt`, `${base}.key`, `${base}.ca.crt`].map((f) => readFileSync(path.join(h.certDir, f), 'utf8'));
    const fullBefore = snapshot(full);
    const replicaBefore = snapshot(replica);
    expect(sha256(fullBefore[0]!)).toBe(manager.certificates(owner).get(`pebble/${domain}`)!.fingerprint);

    rmSync(full.postLog, { force: true });
    manager.setMisissue(kind);
    await manager.renewNow(owner, `pebble/${domain}`);
    manager.setMisissue(undefined);
    const writesBefore = writesBy(full.token).length;
    for (const h of [full, replica]) {
      const r = await h.once();
      expect(r.code, r.stdout + r.stderr).toBe(1);
      // Pull-only has no configuration: the names asked are those of the manager's own list.
      expect(r.stdout + r.stderr).toMatch(REFUSALS[kind](domain.replace(/\./g, '\\.'), h === full ? 'the configuration' : "the manager's own list"));
    }
    expect(snapshot(full)).toEqual(fullBefore);
    expect(snapshot(replica)).toEqual(replicaBefore);
    expect(existsSync(full.postLog)).toBe(false);
    expect(writesBy(full.token).length).toBe(writesBefore);
  });

  test('the daemon: a refused certificate is the acme_manager_local_certificate_refused gauge, and the cycle is not a success', async () => {
    const domain = 'daemon.agent.example';
    const h = host('daemon-refused', domain);
    manager.setMisissue('expired');
    const child = spawn(distBinary, ['agent', '--config', h.config, '--manager-url', manager.url, '--interval', '1h', '--metrics-listen', '127.0.0.1:0', '--log-format', 'json'], {
      env: { ...process.env, ACME_MANAGER_TOKEN: h.token, ACMECLI_HOME: h.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const seen = (pattern: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => {
        const match = pattern.exec(log);
        if (!match) return false;
        child.stdout.off('data', look);
        child.off('close', early);
        resolve(match);
        return true;
      };
      const early = () => reject(new Error(`the agent exited before logging ${pattern}: ${log}`));
      if (look()) return;
      child.stdout.on('data', look);
      child.once('close', early);
    });
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    try {
      const port = (await seen(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1];
      await seen(/sync done/);
      expect(log).toMatch(/"level":"error".*refused the certificate from the manager: it expired at/);
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const samples = new Map(body.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
      expect(samples.get(`acme_manager_local_certificate_refused{issuer="pebble",name="",domain="${domain}"}`)).toBe(1);
      expect(samples.get('acme_manager_client_last_sync_success')).toBe(0);
      expect(filesIn(h.certDir)).toEqual([]);
      child.kill('SIGTERM');
      expect(await new Promise<number | null>((resolve) => child.once('close', resolve))).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
