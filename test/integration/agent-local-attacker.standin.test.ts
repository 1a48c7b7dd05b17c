// Stand-in: no ACME Manager binary runs here; test/support/manager-standin.ts follows manager-contract.md and issues through the real Pebble.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { managerOnSharedPebble } from '../support/manager-on-shared-pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';
import { NOBODY } from '../support/local-attacker.js';

// Red-team F2, F4 and F10 against the agent (root) with nobody as the local attacker: a
// certificate_dir, or a folder below it, that another user controls is refused before
// anything is read, written or deleted there; a planted symlink is never read through.
const standin = managerOnSharedPebble();

function host(username: string) {
  const dir = tempDir(`agent-attacker-${username}`);
  chmodSync(dir, 0o755); // nobody may reach the certificate folder, as in /srv/certs
  const certDir = path.join(dir, 'certs');
  const config = path.join(dir, 'client-config.yml');
  const home = path.join(dir, 'state');
  const token = standin.manager.createToken({ username, scope: ['create', 'read', 'update', 'delete'] });
  writeFileSync(config, `common:
  certificate_deploy: true
  certificate_dir: ${certDir}/
certificate:
  - domain: q.${username}.example
    issuer: pebble
`);
  const run = (extra: string[]) => runMain(['agent', '--config', config, '--manager-url', standin.manager.url, ...extra], { env: { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home } });
  return { dir, certDir, config, once: (extra: string[] = []) => run(['--once', ...extra]), checkConfig: () => run(['--check-config']) };
}

const changes = (since: number) => standin.manager.requests.slice(since).filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`);

test('F4: an issuer folder another user made inside certificate_dir is refused; nothing is written into it', async () => {
  const h = host('f4sub');
  mkdirSync(h.certDir, { mode: 0o755 });
  mkdirSync(path.join(h.certDir, 'pebble'), { mode: 0o755 });
  chownSync(path.join(h.certDir, 'pebble'), NOBODY, NOBODY);
  const r = await h.once();
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`refusing ${h.certDir}/pebble (in certificate_dir ${h.certDir}): it is owned by another user (uid ${NOBODY})`);
  expect(readdirSync(path.join(h.certDir, 'pebble'))).toEqual([]);
}, 120_000);

test('F4: agent --check-config reports a certificate_dir every user can write', async () => {
  const h = host('f4check');
  mkdirSync(h.certDir, { mode: 0o755 });
  chmodSync(h.certDir, 0o777);
  const r = await h.checkConfig();
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`acmecli: ${h.config}:3: common.certificate_dir: refusing certificate_dir ${h.certDir}: it can be written by every user (mode 0777); make it a folder owned by root or by the user acmecli runs as, that other users cannot write (chown root: ${h.certDir}; chmod go-w ${h.certDir}) (see --help)\n`);
}, 120_000);

test('F2: agent --cleanup deletes nothing in a certificate_dir another user owns (they could swap its folders for links)', async () => {
  const h = host('f2');
  mkdirSync(path.join(h.certDir, 'x'), { recursive: true, mode: 0o755 });
  writeFileSync(path.join(h.certDir, 'x', 'f1.crt'), 'orphan\n');
  writeFileSync(path.join(h.certDir, 'x', 'f2.key'), 'orphan\n');
  chownSync(path.join(h.certDir, 'x'), NOBODY, NOBODY);
  chownSync(h.certDir, NOBODY, NOBODY);
  const r = await h.once(['--cleanup']);
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`refusing certificate_dir ${h.certDir}: it is owned by another user (uid ${NOBODY})`);
  expect(readdirSync(path.join(h.certDir, 'x')).sort()).toEqual(['f1.crt', 'f2.key']);
}, 120_000);

test('F10: a symlink planted at a deployed key is refused before it is read: no re-issue, nothing sent to the manager', async () => {
  const h = host('f10');
  const first = await h.once();
  expect(first.code, first.stdout + first.stderr).toBe(0);
  const key = path.join(h.certDir, 'pebble', 'q.f10.example.key');
  const cert = readFileSync(path.join(h.certDir, 'pebble', 'q.f10.example.crt'), 'utf8');
  // Another key, elsewhere: read through the link, it would not pair with the certificate and the agent would re-issue.
  const elsewhere = path.join(h.dir, 'elsewhere.key');
  expect((await runMain(['key', 'generate', 'ec256', '-o', elsewhere])).code).toBe(0);
  rmSync(key);
  symlinkSync(elsewhere, key);
  const since = standin.manager.requests.length;
  const r = await h.once();
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`${key} is a symbolic link to ${elsewhere}, outside ${h.certDir}`);
  expect(changes(since)).toEqual([]);
  expect(readFileSync(path.join(h.certDir, 'pebble', 'q.f10.example.crt'), 'utf8')).toBe(cert);
  expect(existsSync(key)).toBe(true);
}, 120_000);

test('F10 after cycles in sync (files known by their stamp, not read): a symlink planted at the deployed certificate is still refused before it is read', async () => {
  const h = host('f10s');
  expect((await h.once()).code).toBe(0);
  expect((await h.once()).code).toBe(0); // in sync: the next cycle compares a stamp
  const certFile = path.join(h.certDir, 'pebble', 'q.f10s.example.crt');
  const cert = readFileSync(certFile, 'utf8');
  const elsewhere = path.join(h.dir, 'elsewhere.crt');
  writeFileSync(elsewhere, cert);
  rmSync(certFile);
  symlinkSync(elsewhere, certFile);
  const since = standin.manager.requests.length;
  const r = await h.once();
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`${certFile} is a symbolic link to ${elsewhere}, outside ${h.certDir}`);
  expect(changes(since)).toEqual([]);
}, 120_000);
