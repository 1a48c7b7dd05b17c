// Stand-in: no ACME Manager binary runs here. test/support/hostile-manager.ts is a proxy in front of
// test/support/manager-standin.ts (which follows docs/manager-contract.md and issues through the real Pebble), told to misbehave.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHostileManager, type HostileManager } from '../support/hostile-manager.js';
import { startManagerStandin, type ManagerStandin } from '../support/manager-standin.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

let pebble: PebbleInstance;
let upstream: ManagerStandin;
let hostile: HostileManager;

beforeAll(async () => {
  pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
  upstream = await startManagerStandin({ pebble });
  hostile = await startHostileManager(upstream);
});
afterAll(async () => {
  await hostile?.stop();
  await upstream?.stop();
  await pebble?.stop();
});

type Scope = 'create' | 'read' | 'update' | 'delete';

/**
 * A host whose certificate folder is two levels down (`dir/deep/certs/`), so
 * `../../victim/important` from it is `dir/victim/important`: a folder of the
 * same test, standing for files outside certificate_dir.
 */
function host(username: string, options: { pullOnly?: boolean; scope?: Scope[]; token?: string } = {}) {
  const dir = tempDir(`hostile-${username}`);
  const certDir = path.join(dir, 'deep', 'certs') + '/';
  const config = path.join(dir, 'client-config.yml');
  const home = path.join(dir, 'state');
  const token = options.token ?? upstream.createToken({ username, scope: options.scope ?? ['create', 'read', 'update', 'delete'] });
  const write = (certificates: string, common = '') =>
    writeFileSync(config, `common:\n  certificate_deploy: true\n  certificate_dir: ${certDir}\n${common}\ncertificate:\n${certificates}`);
  const env = { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home };
  const once = (extra: string[] = []) => runMain(['agent', '--config', config, '--manager-url', hostile.url, '--once', ...(options.pullOnly ? ['--pull-only'] : []), ...extra], { env });
  const status = () => runMain(['agent', 'status', '--config', config, '--json'], { env });
  return { dir, certDir, config, home, token, env, write, once, status };
}

/** The certificate keys waiting in a state home's agent/pending-keys/, whichever manager's folder holds them. */
function pendingKeys(home: string): string[] {
  const root = path.join(home, 'agent', 'pending-keys');
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(folder, entry.name));
      else found.push(path.join(folder, entry.name));
    }
  };
  if (existsSync(root)) walk(root);
  return found.sort();
}

/** Files outside certificate_dir that a hostile name points at, with content to check afterwards. */
function plantVictim(dir: string): { folder: string; files: Record<string, string> } {
  const folder = path.join(dir, 'victim');
  mkdirSync(folder, { recursive: true });
  const files: Record<string, string> = {};
  for (const ext of ['.crt', '.key', '.ca.crt']) {
    const file = path.join(folder, `important${ext}`);
    files[file] = `the operator's own ${ext} file\n`;
    writeFileSync(file, files[file]);
  }
  return { folder, files };
}

function expectUntouched(victim: { folder: string; files: Record<string, string> }): void {
  expect(readdirSync(victim.folder).sort()).toEqual(Object.keys(victim.files).map((f) => path.basename(f)).sort());
  for (const [file, content] of Object.entries(victim.files)) expect(readFileSync(file, 'utf8'), file).toBe(content);
}

/** Any run of 8 characters of `secret` in `text`: a piece of the secret long enough to matter. */
function leaksPieceOf(text: string, secret: string): string | undefined {
  for (let i = 0; i + 8 <= secret.length; i++) if (text.includes(secret.slice(i, i + 8))) return secret.slice(i, i + 8);
  return undefined;
}

const ESCAPES = /[\x00-\x08\x0b-\x1f\x7f]/;

describe('names from the manager are checked before anything is written or deleted', () => {
  test('full mode: an entry named ../../victim/important is refused, not deleted here or on the manager', async () => {
    hostile.reset();
    const h = host('amy');
    const victim = plantVictim(h.dir);
    h.write(`  - domain: web.amy.example\n    issuer: pebble\n    name: web\n  - domain: api.amy.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    // One orphan out of three: under the mass-delete floor, so the Go client's rule would delete it (and its files).
    hostile.addEntry({ entry: { name: '../../victim/important', issuer: 'pebble', domain: 'important.example' }, copyOf: 'web' });
    const before = hostile.requests.length;
    const r = await h.once();
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toContain('refused the manager\'s certificate name=\\"../../victim/important\\"');
    expect(hostile.requests.slice(before).filter((q) => q.method === 'DELETE')).toEqual([]);
    expectUntouched(victim);
    // The certificates of the configuration are still in place.
    expect(existsSync(path.join(h.certDir, 'web.crt'))).toBe(true);
  });

  test('pull-only: an entry pointing outside the folder writes nothing there, and names with control characters are escaped', async () => {
    hostile.reset();
    const full = host('bea');
    full.write(`  - domain: web.bea.example\n    issuer: pebble\n    name: web\n`);
    expect((await full.once()).code).toBe(0);
    const replica = host('bea', { pullOnly: true, scope: ['read'] });
    const victim = plantVictim(replica.dir);
    // The victim's key pairs with the certificate the manager serves: nothing but the path check stops the write.
    copyFileSync(path.join(full.certDir, 'web.key'), path.join(victim.folder, 'important.key'));
    victim.files[path.join(victim.folder, 'important.key')] = readFileSync(path.join(full.certDir, 'web.key'), 'utf8');
    // The replica has the key (as an operator would have copied it, or Vault restored it): the honest certificate deploys.
    mkdirSync(replica.certDir, { recursive: true });
    copyFileSync(path.join(full.certDir, 'web.key'), path.join(replica.certDir, 'web.key'));
    replica.write('');
    hostile.addEntry({ entry: { name: '../../victim/important' }, copyOf: 'web' });
    hostile.addEntry({ entry: { name: 'evil\n\u001b[2Jname' }, copyOf: 'web' });
    hostile.addEntry({ entry: { name: '', issuer: 'pebble', domain: 'x.example\u001b]0;pwned\u0007' }, copyOf: 'web' });
    hostile.addEntry({ entry: { name: '', issuer: '..', domain: 'up.example' }, copyOf: 'web' });
    const r = await replica.once();
    expect(r.code, r.stdout).toBe(1);
    expectUntouched(victim);
    // Only the honest certificate was deployed, inside the folder.
    expect(readdirSync(replica.certDir).sort()).toEqual(['web.ca.crt', 'web.crt', 'web.key']);
    expect(readdirSync(path.dirname(replica.certDir.slice(0, -1)))).toEqual(['certs']);
    const refusals = r.stdout.split('\n').filter((l) => l.includes("refused the manager's certificate"));
    expect(refusals).toHaveLength(4);
    expect(r.stdout).toContain('\\u001b[2J');
    expect(r.stdout).not.toMatch(ESCAPES);
    expect(r.stderr).not.toMatch(ESCAPES);
    // No request was made for a refused identity.
    expect(hostile.requests.filter((q) => /victim|evil|pwned|up\.example/.test(q.path))).toEqual([]);
  });

  test('pull-only: names and issuers with C1 controls, bidi and other format characters, line separators, edge spaces or "." are refused', async () => {
    hostile.reset();
    const full = host('dee');
    full.write(`  - domain: web.dee.example\n    issuer: pebble\n    name: web\n`);
    expect((await full.once()).code).toBe(0);
    const replica = host('dee', { pullOnly: true, scope: ['read'] });
    mkdirSync(replica.certDir, { recursive: true });
    const hostileNames = ['web\u009b1m', 'web\u202etxt', 'web\u200f', 'web\u2066x', 'web\u2028x', 'web\u00adx', ' web', 'web '];
    // Each with its key beside it, as an operator would have copied it: only the name check stops the write.
    for (const name of ['web', ...hostileNames]) copyFileSync(path.join(full.certDir, 'web.key'), path.join(replica.certDir, `${name}.key`));
    replica.write('');
    for (const name of hostileNames) hostile.addEntry({ entry: { name }, copyOf: 'web' });
    hostile.addEntry({ entry: { name: '', issuer: '.', domain: 'dot.dee.example' }, copyOf: 'web' });
    hostile.addEntry({ entry: { name: '', issuer: ' pebble', domain: 'space.dee.example' }, copyOf: 'web' });
    const r = await replica.once();
    expect(r.code, r.stdout).toBe(1);
    const refusals = r.stdout.split('\n').filter((l) => l.includes("refused the manager's certificate"));
    expect(refusals).toHaveLength(hostileNames.length + 2);
    // Only the honest certificate was deployed; the keys are the ones put there.
    expect(readdirSync(replica.certDir).filter((f) => !f.endsWith('.key')).sort()).toEqual(['web.ca.crt', 'web.crt']);
    expect(r.stdout + r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200f\u202e\u2066\u2028]/);
    // Nothing was asked of the manager for a refused identity.
    expect(hostile.requests.filter((q) => q.method === 'GET' && /certificate\/(?!metadata)/.test(q.path) && !q.path.endsWith('/web'))).toEqual([]);
  });

  test('pull-only: an entry named web.ca, whose certificate file is web\'s CA file, is refused with web: nothing is overwritten', async () => {
    hostile.reset();
    const full = host('eve');
    full.write(`  - domain: web.eve.example\n    issuer: pebble\n    name: web\n`);
    expect((await full.once()).code).toBe(0);
    const replica = host('eve', { pullOnly: true, scope: ['read'] });
    mkdirSync(replica.certDir, { recursive: true });
    for (const name of ['web', 'web.ca']) copyFileSync(path.join(full.certDir, 'web.key'), path.join(replica.certDir, `${name}.key`));
    replica.write('');
    hostile.addEntry({ entry: { name: 'web.ca' }, copyOf: 'web' });
    const r = await replica.once();
    expect(r.code, r.stdout).toBe(1);
    const refusals = r.stdout.split('\n').filter((l) => l.includes("refused the manager's certificate"));
    expect(refusals).toHaveLength(2);
    expect(refusals.join('\n')).toContain(`web.ca.crt\\" is also a file of \\"web`);
    expect(readdirSync(replica.certDir).sort()).toEqual(['web.ca.key', 'web.key']);
  });

  test('a symbolic link inside certificate_dir that leads out of it is not written through', async () => {
    hostile.reset();
    const h = host('cal');
    const outside = path.join(h.dir, 'outside');
    mkdirSync(outside);
    mkdirSync(h.certDir, { recursive: true });
    symlinkSync(outside, path.join(h.certDir, 'pebble'));
    h.write(`  - domain: sym.cal.example\n    issuer: pebble\n`);
    const r = await h.once();
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/is a symbolic link to .*outside/);
    expect(readdirSync(outside)).toEqual([]);
  });

  test('agent --cleanup does not walk into a symbolic link to a folder outside certificate_dir', async () => {
    hostile.reset();
    const h = host('dan');
    h.write(`  - domain: keep.dan.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    const outside = path.join(h.dir, 'elsewhere');
    mkdirSync(outside);
    for (const name of ['other.crt', 'other.key']) writeFileSync(path.join(outside, name), 'not the agent\'s');
    symlinkSync(outside, path.join(h.certDir, 'linked'));
    // A real orphan inside the folder is still removed: the cleanup works, it only stays inside.
    writeFileSync(path.join(h.certDir, 'pebble', 'gone.dan.example.crt'), 'orphan');
    const r = await h.once(['--cleanup']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/removed orphan file .*gone\.dan\.example\.crt/);
    expect(readdirSync(outside).sort()).toEqual(['other.crt', 'other.key']);
    expect(existsSync(path.join(h.certDir, 'pebble', 'keep.dan.example.crt'))).toBe(true);
  });

  test('agent --cleanup decides with the cycle\'s one listing, and keeps the files of an entry it refused', async () => {
    hostile.reset();
    const h = host('fay');
    h.write(`  - domain: keep.fay.example\n    issuer: pebble\n`);
    expect((await h.once()).code).toBe(0);
    // Listed, but refused (its fingerprint is not a SHA-256): not deployed, and not ours to delete either.
    hostile.addEntry({ entry: { issuer: 'pebble', domain: 'refused.fay.example', fingerprint: 'not hex' } });
    writeFileSync(path.join(h.certDir, 'pebble', 'refused.fay.example.crt'), 'deployed before');
    writeFileSync(path.join(h.certDir, 'pebble', 'gone.fay.example.crt'), 'orphan');
    const listingsBefore = hostile.requests.filter((r) => r.method === 'GET' && r.path === '/certificate/metadata').length;
    const r = await h.once(['--cleanup']);
    expect(r.code, r.stdout).toBe(1); // the refused entry is an error of the cycle
    expect(r.stdout).toMatch(/removed orphan file .*gone\.fay\.example\.crt/);
    expect(existsSync(path.join(h.certDir, 'pebble', 'refused.fay.example.crt'))).toBe(true);
    expect(existsSync(path.join(h.certDir, 'pebble', 'keep.fay.example.crt'))).toBe(true);
    expect(hostile.requests.filter((r) => r.method === 'GET' && r.path === '/certificate/metadata').length - listingsBefore).toBe(1);
  });

  test('manager request refuses an answer made out for another certificate, and writes nothing', async () => {
    hostile.reset();
    const token = upstream.createToken({ username: 'eve', scope: ['create', 'read'] });
    const out = tempDir('hostile-request');
    hostile.rewriteAnswer((req, json) => (req.method === 'POST' ? { ...(json as object), name: '../../victim/important' } : json));
    const r = await runMain(['manager', 'request', '--manager-url', hostile.url, '-d', 'req.eve.example', '--issuer', 'pebble', '--name', 'req', '--out', out], { env: { ACME_MANAGER_TOKEN: token } });
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toContain('refused');
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('the owner the manager gives the token is checked too', () => {
  test('an owner of ../../other (a Vault backup path segment) stops the cycle before anything is done', async () => {
    hostile.reset();
    const h = host('kim');
    h.write(`  - domain: a.kim.example\n    issuer: pebble\n`);
    hostile.intercept((req) => (req.path === '/token/self'
      ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: '../../other', scope: ['create', 'read', 'update', 'delete'], expires: 'Never' }) }
      : undefined));
    const before = hostile.requests.length;
    const r = await h.once();
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toContain('the manager gave this token an owner that cannot be used: \\"../../other\\" must not contain');
    expect(hostile.requests.slice(before).map((q) => q.path)).toEqual(['/token/self']);
    expect(existsSync(h.certDir)).toBe(false);
  });
});

describe('the token never leaks through what the manager sends back', () => {
  test('a 401 that echoes the decoded id:secret: not on stderr, stdout, in --json or in the state file', async () => {
    hostile.reset();
    const h = host('fay');
    h.write(`  - domain: a.fay.example\n    issuer: pebble\n`);
    const secret = Buffer.from(h.token, 'base64').toString('utf8').split(':')[1]!;
    hostile.intercept((req) => ({
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `${JSON.stringify({ error: `invalid token '${req.decodedToken}' (${req.authorization}); secret starts ${req.decodedToken?.split(':')[1]?.slice(3, 30)}` })}\n`,
    }));
    const r = await h.once(['--log-format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('invalid token');
    const state = readdirSync(path.join(h.home, 'agent')).filter((f) => f.endsWith('.json')).map((f) => readFileSync(path.join(h.home, 'agent', f), 'utf8')).join('\n');
    expect(state).toContain('invalid token');
    const status = await h.status();
    for (const [where, text] of [['stdout', r.stdout], ['stderr', r.stderr], ['state', state], ['status --json', status.stdout]] as const) {
      expect(leaksPieceOf(text, secret), where).toBeUndefined();
      expect(leaksPieceOf(text, h.token), where).toBeUndefined();
    }
  });

  test('a 401 that echoes the secret in hex, base64 and base64url, whole and in pieces: not on stderr, in the log or the state file', async () => {
    hostile.reset();
    const h = host('fern');
    h.write(`  - domain: a.fern.example\n    issuer: pebble\n`);
    const secret = Buffer.from(h.token, 'base64').toString('utf8').split(':')[1]!;
    const encodings = (['hex', 'base64', 'base64url'] as const).map((e) => Buffer.from(secret, 'utf8').toString(e));
    hostile.intercept(() => ({
      status: 401,
      headers: { 'content-type': 'application/json' },
      body: `${JSON.stringify({ error: `invalid token; ${encodings.map((e) => `${e} [${e.slice(3, 11)}] [${e.slice(-9)}]`).join(' ')} ${encodings[0]!.toUpperCase()}` })}\n`,
    }));
    const r = await h.once(['--log-format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('invalid token');
    const state = readdirSync(path.join(h.home, 'agent')).filter((f) => f.endsWith('.json')).map((f) => readFileSync(path.join(h.home, 'agent', f), 'utf8')).join('\n');
    expect(state).toContain('invalid token');
    for (const [where, text] of [['stdout (the log)', r.stdout], ['stderr', r.stderr], ['state', state]] as const) {
      for (const encoded of [...encodings, encodings[0]!.toUpperCase()]) expect(leaksPieceOf(text, encoded), `${where}: ${encoded}`).toBeUndefined();
    }
  });

  test('a 200 text page that holds the token: not in the error, nor in --json', async () => {
    hostile.reset();
    const token = upstream.createToken({ username: 'gus', scope: ['read'] });
    const secret = Buffer.from(token, 'base64').toString('utf8').split(':')[1]!;
    hostile.intercept((req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `hello ${req.authorization} you are ${req.decodedToken}` }));
    for (const args of [['manager', 'list'], ['manager', 'list', '--json'], ['manager', 'whoami']]) {
      const r = await runMain([...args, '--manager-url', hostile.url], { env: { ACME_MANAGER_TOKEN: token } });
      expect(r.code).not.toBe(0);
      expect(r.stderr + r.stdout).toContain('not with JSON');
      expect(leaksPieceOf(r.stderr + r.stdout, secret), args.join(' ')).toBeUndefined();
      expect(leaksPieceOf(r.stderr + r.stdout, token), args.join(' ')).toBeUndefined();
    }
  });

  test('a list whose names and labels hold pieces of the token: redacted in manager list --json, refused by the agent', async () => {
    hostile.reset();
    const full = host('lou');
    full.write(`  - domain: web.lou.example\n    issuer: pebble\n    name: web\n`);
    expect((await full.once()).code).toBe(0);
    const replica = host('lou', { pullOnly: true, scope: ['read'] });
    replica.write('');
    const secret = Buffer.from(replica.token, 'base64').toString('utf8').split(':')[1]!;
    hostile.addEntry({ entry: { name: secret.slice(0, 20).replace(/^[-_]/, 'x'), labels: `stolen=${replica.token}` }, copyOf: 'web' });
    hostile.addEntry({ entry: { name: 'web2', labels: `secret=${secret}` }, copyOf: 'web' });
    const list = await runMain(['manager', 'list', '--json', '--manager-url', hostile.url], { env: { ACME_MANAGER_TOKEN: replica.token } });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('secret=<redacted>');
    const r = await replica.once();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("held a piece of this host's manager token");
    for (const [where, text] of [['list stdout', list.stdout], ['list stderr', list.stderr], ['agent log', r.stdout]] as const) {
      expect(leaksPieceOf(text, secret), where).toBeUndefined();
      expect(leaksPieceOf(text, replica.token), where).toBeUndefined();
    }
  });

  test('a token file other users can read gets the account-key warning', async () => {
    hostile.reset();
    const token = upstream.createToken({ username: 'hal', scope: ['read'] });
    const file = path.join(tempDir('token-file'), 'token');
    writeFileSync(file, `${token}\n`);
    chmodSync(file, 0o644);
    const open = await runMain(['manager', 'whoami', '--manager-url', hostile.url, '--token-file', file]);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stderr).toContain(`${file} is readable by other users (mode 0644); chmod 600 ${file}`);
    chmodSync(file, 0o600);
    const closed = await runMain(['manager', 'whoami', '--manager-url', hostile.url, '--token-file', file]);
    expect(closed.stderr).not.toContain('readable by other users');
  });
});

describe('a manager that fails or pushes back', () => {
  test('each failed POST does not leave one more pending key; the key kept is the one deployed at last', async () => {
    hostile.reset();
    const h = host('ivy');
    h.write(`  - domain: a.ivy.example\n    issuer: pebble\n`);
    hostile.intercept((req) => (req.method === 'POST' ? { status: 500, headers: { 'content-type': 'text/plain' }, body: '{"err":"acme: order failed"}\n' } : undefined));
    for (let i = 0; i < 3; i++) expect((await h.once()).code).toBe(1);
    const pending = pendingKeys(h.home);
    expect(pending).toHaveLength(1);
    const pendingKey = readFileSync(pending[0]!, 'utf8');
    hostile.intercept(undefined);
    const r = await h.once();
    expect(r.code, r.stdout).toBe(0);
    expect(readFileSync(path.join(h.certDir, 'pebble', 'a.ivy.example.key'), 'utf8')).toBe(pendingKey);
    expect(pendingKeys(h.home)).toEqual([]);
  });

  test('pending keys are kept per manager: a key waiting for one is neither sent to another nor removed by it', async () => {
    hostile.reset();
    const h = host('kai');
    h.write(`  - domain: a.kai.example\n    issuer: pebble\n`);
    hostile.intercept((req) => (req.method === 'POST' ? { status: 500, headers: { 'content-type': 'text/plain' }, body: '{"err":"acme: order failed"}\n' } : undefined));
    expect((await h.once()).code).toBe(1);
    const waiting = pendingKeys(h.home);
    expect(waiting).toHaveLength(1);
    const waitingKey = readFileSync(waiting[0]!, 'utf8');
    // The same host and certificate name, at another manager URL (the upstream, without the proxy in front).
    const out = path.join(h.dir, 'elsewhere');
    const other = await runMain(['manager', 'request', '--manager-url', upstream.url, '-d', 'a.kai.example', '--issuer', 'pebble', '--out', out], { env: h.env });
    expect(other.code, other.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'a.kai.example.key'), 'utf8')).not.toBe(waitingKey);
    expect(pendingKeys(h.home)).toEqual(waiting);
    expect(readFileSync(waiting[0]!, 'utf8')).toBe(waitingKey);
  });

  test('a key an earlier acmecli left in the shared pending-keys folder is still deployed with the certificate it pairs with', async () => {
    hostile.reset();
    const h = host('lia');
    h.write(`  - domain: a.lia.example\n    issuer: pebble\n`);
    // The manager issues, but its answer is lost; the key is then put where acmecli kept every manager's keys before.
    upstream.loseNextCreateAnswer();
    expect((await h.once()).code).not.toBe(0);
    const [saved] = pendingKeys(h.home);
    expect(saved).toBeDefined();
    const key = readFileSync(saved!, 'utf8');
    renameSync(saved!, path.join(h.home, 'agent', 'pending-keys', path.basename(saved!)));
    const r = await h.once();
    expect(r.code, r.stdout).toBe(0);
    expect(readFileSync(path.join(h.certDir, 'pebble', 'a.lia.example.key'), 'utf8')).toBe(key);
    expect(pendingKeys(h.home)).toEqual([]);
  });

  test('a ten-year Retry-After waits at most a day, and is an error in the log, the exit status and agent status', async () => {
    hostile.reset();
    const h = host('jon');
    h.write(`  - domain: a.jon.example\n    issuer: pebble\n`);
    const tenYears = 10 * 365 * 86_400;
    hostile.intercept((req) => (req.method === 'POST'
      ? { status: 429, headers: { 'content-type': 'text/plain', 'retry-after': String(tenYears) }, body: `{"err":"rate limit exceeded, retry after ${tenYears}s"}\n` }
      : undefined));
    const started = Date.now();
    expect((await h.once()).code).toBe(1);
    const first = (await h.status()).json<{ certificates: { id: string; skipUntil: string | null }[] }>();
    const skipUntil = Date.parse(first.certificates.find((c) => c.id === 'pebble/a.jon.example')!.skipUntil!);
    expect(skipUntil).toBeGreaterThan(started);
    expect(skipUntil).toBeLessThanOrEqual(Date.now() + 86_400_000);
    const again = await h.once();
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/level=error msg="skipped until [^"]*rate limited by the manager/);
    const status = (await h.status()).json<{ lastError: { message: string } | null }>();
    expect(status.lastError?.message).toMatch(/skipped until/);
  });
});
