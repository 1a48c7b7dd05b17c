// Stand-in: no ACME Manager or Vault binary runs here; test/support/manager-standin.ts and vault-standin.ts follow manager-contract.md and issue through the real Pebble.
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { certificateMatchesKey } from '../../src/certs/certificate.js';
import { startManagerStandin, type ManagerStandin } from '../support/manager-standin.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startVaultStandin, type VaultStandin } from '../support/vault-standin.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';
import { distBinary } from '../support/cli.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let pebble: PebbleInstance;
let manager: ManagerStandin;
let vault: VaultStandin;

beforeAll(async () => {
  pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
  manager = await startManagerStandin({ pebble });
  vault = await startVaultStandin({ roleId: 'role-1', secretId: 'secret-1' });
});
afterAll(async () => {
  await manager?.stop();
  await vault?.stop();
  await pebble?.stop();
});

interface Host {
  dir: string;
  certDir: string;
  config: string;
  home: string;
  token: string;
  hookLog: string;
  write(certificates: string, common?: string): void;
  once(extra?: string[]): ReturnType<typeof runMain>;
}

/** A host with its own folder, state directory and token; `write` puts a client-config.yml in place. */
function host(username: string, options: { pullOnly?: boolean; scope?: ('create' | 'read' | 'update' | 'delete')[] } = {}): Host {
  const dir = tempDir(`agent-${username}`);
  const certDir = path.join(dir, 'certs') + '/';
  const config = path.join(dir, 'client-config.yml');
  const home = path.join(dir, 'state');
  const hookLog = path.join(dir, 'post.log');
  const hook = path.join(dir, 'post.sh');
  writeFileSync(hook, `#!/bin/sh\necho "post token=\${ACME_MANAGER_TOKEN:-none} $ACMECLI_CHANGED" | tr '\\n' ' ' >> '${hookLog}'\necho >> '${hookLog}'\n`);
  chmodSync(hook, 0o755);
  const token = manager.createToken({ username, scope: options.scope ?? ['create', 'read', 'update', 'delete'] });
  const h: Host = {
    dir, certDir, config, home, token, hookLog,
    write(certificates, common = '') {
      writeFileSync(config, `common:
  certificate_deploy: true
  certificate_backup: true
  certificate_dir: ${certDir}
  cmd_enabled: true
  post_cmd_run: ${hook}
${common}
storage:
  vault:
    url: ${vault.url}
    role_id: role-1
    secret_id: secret-1
    mount_path: approle
    secret_engine: secret
    certificate_prefix: agent-backup
certificate:
${certificates}`);
    },
    once: (extra = []) => runMain(['agent', '--config', config, '--manager-url', manager.url, '--once', ...(options.pullOnly ? ['--pull-only'] : []), ...extra], { env: { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home } }),
  };
  return h;
}

const postRuns = (h: Host) => (existsSync(h.hookLog) ? readFileSync(h.hookLog, 'utf8').trim().split('\n').filter(Boolean) : []);
const pairOk = (cert: string, key: string) => certificateMatchesKey(readFileSync(cert, 'utf8'), createPrivateKey(readFileSync(key)));

describe('acmecli agent against the ACME Manager stand-in', () => {
  test('full mode: creates, deploys with modes and fingerprints, and runs post_cmd once', async () => {
    const h = host('alice');
    h.write(`  - domain: www.alice.example
    issuer: pebble
    san: alice.example
  - domain: api.alice.example
    issuer: pebble
    name: api
    bundle: true
`);
    const r = await h.once();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const certs = manager.certificates('alice');
    expect([...certs.keys()].sort()).toEqual(['api', 'pebble/www.alice.example']);
    const unnamed = path.join(h.certDir, 'pebble', 'www.alice.example');
    expect(sha256(readFileSync(`${unnamed}.crt`, 'utf8'))).toBe(certs.get('pebble/www.alice.example')!.fingerprint);
    expect(statSync(`${unnamed}.key`).mode & 0o777).toBe(0o600);
    expect(statSync(`${unnamed}.crt`).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(h.certDir, 'pebble')).mode & 0o777).toBe(0o700);
    expect(readFileSync(`${unnamed}.key`, 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(pairOk(`${unnamed}.crt`, `${unnamed}.key`)).toBe(true);
    expect(existsSync(`${unnamed}.ca.crt`)).toBe(true);
    // Named: flat file names, bundle = the chain in .crt and no .ca.crt.
    expect(existsSync(path.join(h.certDir, 'api.crt'))).toBe(true);
    expect(existsSync(path.join(h.certDir, 'api.ca.crt'))).toBe(false);
    expect(postRuns(h)).toHaveLength(1);
    expect(postRuns(h)[0]).toContain(`${unnamed}.crt`);
    // Commands never inherit the manager token.
    expect(postRuns(h)[0]).toContain('token=none');

    // In sync: one request (the metadata list), nothing written, no post_cmd.
    const before = manager.requests.length;
    const again = await h.once();
    expect(again.code).toBe(0);
    expect(manager.requests.slice(before).map((q) => `${q.method} ${q.path}`)).toEqual(['GET /api/v1/certificate/metadata']);
    expect(postRuns(h)).toHaveLength(1);

    const status = await runMain(['agent', 'status', '--config', h.config, '--json'], { env: { ACMECLI_HOME: h.home } });
    expect(status.code).toBe(0);
    const s = status.json<{ owner: string; certificates: { id: string; matchesManager: boolean; daysLeft: number }[] }>();
    expect(s.owner).toBe('alice');
    expect(s.certificates.map((c) => [c.id, c.matchesManager])).toEqual([['pebble/www.alice.example', true], ['api', true]]);
  });

  test('a SAN change re-issues with the same key; a labels change only updates metadata', async () => {
    const h = host('bob');
    const entry = (san: string, labels = '') => `  - domain: b.bob.example\n    issuer: pebble\n    san: ${san}\n${labels ? `    labels: ${labels}\n` : ''}`;
    h.write(entry('c.bob.example'));
    expect((await h.once()).code).toBe(0);
    const base = path.join(h.certDir, 'pebble', 'b.bob.example');
    const keyBefore = readFileSync(`${base}.key`, 'utf8');
    const fpBefore = manager.certificates('bob').get('pebble/b.bob.example')!.fingerprint;

    h.write(entry('c.bob.example,d.bob.example'));
    const reissued = await h.once();
    expect(reissued.code, reissued.stdout).toBe(0);
    const after = manager.certificates('bob').get('pebble/b.bob.example')!;
    expect(after.fingerprint).not.toBe(fpBefore);
    expect(after.san).toBe('c.bob.example,d.bob.example');
    expect(readFileSync(`${base}.key`, 'utf8')).toBe(keyBefore);
    expect(sha256(readFileSync(`${base}.crt`, 'utf8'))).toBe(after.fingerprint);

    const csrBefore = after.csr;
    h.write(entry('c.bob.example,d.bob.example', 'env=prod'));
    expect((await h.once()).code).toBe(0);
    const labelled = manager.certificates('bob').get('pebble/b.bob.example')!;
    expect(labelled.labels).toBe('env=prod');
    expect(labelled.fingerprint).toBe(after.fingerprint);
    expect(labelled.csr).toBe(csrBefore);
  });

  test('removal from the config: deleted at once, or after delay_before_delete (1d is a day), across a restart', async () => {
    const h = host('carol');
    const two = `  - domain: keep.carol.example\n    issuer: pebble\n  - domain: gone.carol.example\n    issuer: pebble\n  - domain: late.carol.example\n    issuer: pebble\n`;
    h.write(two);
    expect((await h.once()).code).toBe(0);
    expect(manager.certificates('carol').size).toBe(3);

    h.write(`  - domain: keep.carol.example\n    issuer: pebble\n  - domain: late.carol.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    expect([...manager.certificates('carol').keys()].sort()).toEqual(['pebble/keep.carol.example', 'pebble/late.carol.example']);
    expect(existsSync(path.join(h.certDir, 'pebble', 'gone.carol.example.crt'))).toBe(false);

    h.write(`  - domain: keep.carol.example\n    issuer: pebble\n`, '  delay_before_delete: 1d');
    expect((await h.once()).code).toBe(0);
    // A new process (the state is on disk): still within the day, so still there.
    expect((await h.once()).code).toBe(0);
    expect(manager.certificates('carol').has('pebble/late.carol.example')).toBe(true);
    const state = JSON.parse(readFileSync(path.join(h.home, 'agent', readdirOne(path.join(h.home, 'agent'))), 'utf8'));
    const at = Date.parse(state.pendingDeletes['pebble/late.carol.example']);
    expect(at - Date.now()).toBeGreaterThan(23 * 3_600_000);
  });

  test('more than half of the owner\'s certificates gone from the config: the cycle refuses and says why', async () => {
    const h = host('dave');
    h.write(`  - domain: a.dave.example\n    issuer: pebble\n  - domain: b.dave.example\n    issuer: pebble\n  - domain: c.dave.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    h.write(`  - domain: a.dave.example\n    issuer: pebble\n`);
    const r = await h.once();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refusing to delete 2 certificates .* --allow-mass-delete/);
    expect(manager.certificates('dave').size).toBe(3);
    const allowed = await h.once(['--allow-mass-delete']);
    expect(allowed.code).toBe(0);
    expect(manager.certificates('dave').size).toBe(1);
  });

  test('an emptied config does not delete the only certificate', async () => {
    const h = host('olga');
    h.write(`  - domain: only.olga.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    h.write('');
    const r = await h.once();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refusing to delete 1 certificates/);
    expect(manager.certificates('olga').size).toBe(1);
    expect(existsSync(path.join(h.certDir, 'pebble', 'only.olga.example.crt'))).toBe(true);
  });

  test('server-side renewal is picked up, with post_cmd once; pull-only on a second host restores the key from Vault', async () => {
    const full = host('erin');
    full.write(`  - domain: r.erin.example\n    issuer: pebble\n`);
    expect((await full.once()).code).toBe(0);
    const base = path.join(full.certDir, 'pebble', 'r.erin.example');
    const keyBefore = readFileSync(`${base}.key`, 'utf8');
    await manager.renewNow('erin', 'pebble/r.erin.example');
    const renewed = manager.certificates('erin').get('pebble/r.erin.example')!;
    const runsBefore = postRuns(full).length;
    expect((await full.once()).code).toBe(0);
    expect(sha256(readFileSync(`${base}.crt`, 'utf8'))).toBe(renewed.fingerprint);
    expect(readFileSync(`${base}.key`, 'utf8')).toBe(keyBefore);
    expect(postRuns(full).length).toBe(runsBefore + 1);

    const replica = host('erin', { pullOnly: true, scope: ['read'] });
    replica.write('');
    const pulled = await replica.once();
    expect(pulled.code, pulled.stdout).toBe(0);
    const copy = path.join(replica.certDir, 'pebble', 'r.erin.example');
    expect(readFileSync(`${copy}.crt`, 'utf8')).toBe(readFileSync(`${base}.crt`, 'utf8'));
    expect(readFileSync(`${copy}.key`, 'utf8')).toBe(keyBefore);
    expect(manager.requests.filter((q) => q.headers.authorization === `Bearer ${replica.token}` && q.method !== 'GET')).toEqual([]);
  });

  test('the manager down for a cycle: nothing changes, --once exits 3, the next cycle recovers', async () => {
    const h = host('frank');
    // Few, short retries inside a cycle, so the test does not wait out the default backoff.
    h.write(`  - domain: d.frank.example\n    issuer: pebble\n`, '  http_client_retry_max: 1\n  http_client_retry_wait_min: 1\n  http_client_retry_wait_max: 1');
    expect((await h.once()).code).toBe(0);
    const certFile = path.join(h.certDir, 'pebble', 'd.frank.example.crt');
    const before = readFileSync(certFile, 'utf8');
    manager.setDown(true);
    try {
      const down = await h.once();
      expect(down.code).toBe(3);
      expect(down.stdout).toMatch(/nothing changes on disk/);
    } finally {
      manager.setDown(false);
    }
    expect(readFileSync(certFile, 'utf8')).toBe(before);
    expect(manager.certificates('frank').size).toBe(1);
    expect((await h.once()).code).toBe(0);
  });

  test('a busy 429 on one certificate leaves every server entry in place and is retried next cycle', async () => {
    const h = host('gina');
    h.write(`  - domain: x.gina.example\n    issuer: pebble\n  - domain: y.gina.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    h.write(`  - domain: x.gina.example\n    issuer: pebble\n    san: z.gina.example\n  - domain: y.gina.example\n    issuer: pebble\n`);
    const release = manager.holdLock('gina', 'pebble/x.gina.example');
    const busy = await h.once();
    release();
    expect(busy.code).toBe(1);
    expect(busy.stdout).toMatch(/another operation is in progress/);
    expect(manager.certificates('gina').size).toBe(2);
    expect((await h.once()).code).toBe(0);
    expect(manager.certificates('gina').get('pebble/x.gina.example')!.san).toBe('z.gina.example');
  });

  test('a damaged key is restored from the Vault backup, without a re-issue', async () => {
    const h = host('hana');
    h.write(`  - domain: m.hana.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    const base = path.join(h.certDir, 'pebble', 'm.hana.example');
    const key = readFileSync(`${base}.key`, 'utf8');
    writeFileSync(`${base}.key`, 'garbage');
    const fp = manager.certificates('hana').get('pebble/m.hana.example')!.fingerprint;
    expect((await h.once()).code).toBe(0);
    expect(readFileSync(`${base}.key`, 'utf8')).toBe(key);
    expect(manager.certificates('hana').get('pebble/m.hana.example')!.fingerprint).toBe(fp);
  });

  test('in sync, a cycle compares the files\' stamp instead of reading them; a file edited in place, same size, is still noticed and put right', async () => {
    const h = host('ines');
    h.write(`  - domain: s.ines.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0); // created and deployed
    expect((await h.once()).code).toBe(0); // in sync: found in order, the stamp kept
    const stateDir = path.join(h.home, 'agent');
    const stateFile = path.join(stateDir, readdirSync(stateDir).find((f) => f.endsWith('.json'))!);
    const stamped = () => JSON.parse(readFileSync(stateFile, 'utf8')).certificates['pebble/s.ines.example']?.deployed as string | undefined;
    const stamp = stamped();
    expect(stamp).toMatch(/^[0-9a-f]{32}$/);
    expect((await h.once()).code).toBe(0);
    expect(stamped()).toBe(stamp); // nothing changed: the same stamp
    const base = path.join(h.certDir, 'pebble', 's.ines.example');
    const cert = readFileSync(`${base}.crt`, 'utf8');
    const key = readFileSync(`${base}.key`, 'utf8');
    // Same inode, same size, one character of the certificate changed: only the file's times tell.
    const at = cert.indexOf('\n', 40) + 10;
    writeFileSync(`${base}.crt`, cert.slice(0, at) + (cert[at] === 'A' ? 'B' : 'A') + cert.slice(at + 1));
    writeFileSync(`${base}.key`, 'x'.repeat(key.length));
    const posts = postRuns(h).length;
    expect((await h.once()).code).toBe(0);
    expect(readFileSync(`${base}.crt`, 'utf8')).toBe(cert); // downloaded again
    expect(readFileSync(`${base}.key`, 'utf8')).toBe(key); // restored from the Vault backup
    expect(postRuns(h).length).toBe(posts + 1);
  });

  test('the daemon: /metrics scraped and parsed, SIGUSR1 syncs at once, SIGTERM exits 0', async () => {
    const h = host('jules');
    h.write(`  - domain: j.jules.example\n    issuer: pebble\n`);
    const child = spawn(distBinary, ['agent', '--config', h.config, '--manager-url', manager.url, '--interval', '1h', '--metrics-listen', '127.0.0.1:0', '--log-format', 'json'], {
      env: { ...process.env, ACME_MANAGER_TOKEN: h.token, ACMECLI_HOME: h.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(log); i++) await new Promise((r) => setTimeout(r, 50));
      expect(log).toMatch(pattern);
      return pattern.exec(log)!;
    };
    try {
      const port = (await waitFor(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1];
      await waitFor(/sync done in \d+ ms: 1 created/);
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const samples = new Map(body.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
      expect(samples.get('acme_manager_client_role')).toBe(1);
      expect(samples.get('acme_manager_certificate_config_error')).toBe(0);
      expect(samples.get('acme_manager_local_certificate_operations_total{issuer="pebble",operation="created"}')).toBe(1);
      expect(samples.get('acme_manager_client_last_sync_success')).toBe(1);
      const expiry = [...samples.keys()].find((k) => k.startsWith('acme_manager_certificate_expiry{'));
      expect(expiry).toMatch(/domain="j\.jules\.example"/);
      expect(samples.get(expiry!)).toBeGreaterThan(300);
      for (const line of log.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

      const cycles = () => (log.match(/sync done/g) ?? []).length;
      const before = cycles();
      child.kill('SIGUSR1');
      await waitFor(new RegExp(`(sync done[\\s\\S]*){${before + 1}}`));
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code).toBe(0);
      expect(log).not.toContain(h.token);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a token the manager refuses (expired) is exit 1, not "unreachable" (3)', async () => {
    const h = host('kim');
    h.write(`  - domain: t.kim.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    manager.expireToken(Buffer.from(h.token, 'base64').toString('utf8').split(':')[0]!);
    const refused = await h.once();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/401/);
    expect(refused.stdout).not.toContain(h.token);
  });

  test('config errors name the file, line and key; a bad token is one clear line', async () => {
    const h = host('ivan');
    h.write(`  - domain: e.ivan.example\n    issuer: pebble\n    key_type: ec512\n`);
    const r = await runMain(['agent', '--config', h.config, '--check-config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/client-config\.yml:\d+: certificate\[0\]\.key_type: unknown key type "ec512"/);
    h.write(`  - domain: e.ivan.example\n    issuer: pebble\n`);
    const bad = await runMain(['agent', '--config', h.config, '--manager-url', manager.url, '--once'], { env: { ACME_MANAGER_TOKEN: 'not-a-token', ACMECLI_HOME: h.home } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('acmecli: ACME_MANAGER_TOKEN is not an ACME Manager token (base64 of id:secret) (see --help)\n');
    const noApi = await runMain(['agent', '--config', h.config, '--manager-url', manager.url.replace('/api/v1', ''), '--once'], { env: { ACME_MANAGER_TOKEN: h.token, ACMECLI_HOME: h.home } });
    expect(noApi.code).toBe(2);
    expect(noApi.stderr).toMatch(/must end in \/api\/v1/);
  });
});

function readdirOne(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return files[0]!;
}

