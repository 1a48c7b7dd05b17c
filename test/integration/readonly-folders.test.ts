import { spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startHostileAcmeProxy, type HostileAcmeProxy } from '../support/hostile-acme-proxy.js';
import { nodeEntry } from '../support/cli.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

// Read-only folders mean nothing to root, so acmecli runs here as nobody (setpriv),
// the way a user meets a folder they cannot write. (The tests run as root.)
const NOBODY = 65534;
let pebble: PebbleInstance;
let proxy: HostileAcmeProxy; // passes everything through; its request log shows no order was placed
let work: string;

function asNobody(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', process.execPath, nodeEntry, ...args], {
      env: { PATH: '/usr/bin:/bin', NO_COLOR: '1', HOME: work, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  pebble = await sharedPebble();
  proxy = await startHostileAcmeProxy(pebble);
  work = tempDir('readonly');
  chmodSync(work, 0o755);
  chownSync(work, NOBODY, NOBODY);
  expect((await runMain(['key', 'generate', 'ec256', '-o', path.join(work, 'account.pem')])).code).toBe(0);
  chownSync(path.join(work, 'account.pem'), NOBODY, NOBODY);
  copyFileSync(pebble.caFile, path.join(work, 'ca.pem'));
  chmodSync(path.join(work, 'ca.pem'), 0o644);
}, 120_000);
afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
});

const issue = (home: string, out: string) =>
  asNobody(['-a', proxy.directoryUrl, '--ca-file', path.join(work, 'ca.pem'), '-k', path.join(work, 'account.pem'), 'cert', 'issue', '--agree-tos',
    '-d', 'ro.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out], { ACMECLI_HOME: home });

function readOnlyFolder(name: string): string {
  const folder = path.join(work, name);
  mkdirSync(folder);
  chownSync(folder, NOBODY, NOBODY);
  chmodSync(folder, 0o500);
  return folder;
}

describe('folders acmecli cannot write are named, with the right reason, before any order is placed', () => {
  test('a read-only ACMECLI_HOME', async () => {
    const home = readOnlyFolder('home');
    proxy.requests.length = 0;
    const r = await issue(home, path.join(work, 'out1'));
    expect(r.stderr).toBe(`acmecli: cannot write to the state folder ${home} (from ACMECLI_HOME): permission denied; set ACMECLI_HOME to a folder you can write\n`);
    expect(r.code).toBe(1);
    expect(proxy.requests.filter((q) => q.method === 'POST')).toEqual([]); // no account, no order
  }, 120_000);

  test('a read-only --out', async () => {
    const out = readOnlyFolder('out');
    const home = path.join(work, 'home2');
    proxy.requests.length = 0;
    const r = await issue(home, out);
    expect(r.stderr).toBe(`acmecli: cannot write to the --out folder ${out}: permission denied\n`);
    expect(r.code).toBe(1);
    expect(proxy.requests.filter((q) => q.method === 'POST')).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
  }, 120_000);
});

test('a lock that cannot be taken because the folder is read-only is a failure, not "locked"', async () => {
  const home = path.join(work, 'home3');
  mkdirSync(path.join(home, 'lineages'), { recursive: true });
  chownSync(home, NOBODY, NOBODY);
  chownSync(path.join(home, 'lineages'), NOBODY, NOBODY);
  chmodSync(path.join(home, 'lineages'), 0o500);
  const r = await asNobody(['cert', 'renew', 'gone.example.com', '--json'], { ACMECLI_HOME: home });
  expect(r.code).toBe(1);
  const outcome = JSON.parse(r.stdout).lineages[0];
  expect(outcome).toMatchObject({ name: 'gone.example.com', status: 'failed' });
  expect(outcome.message).toBe(`cannot create ${home}/lineages/gone.example.com: permission denied`);
}, 120_000);

test('a --out folder that became read-only fails the renewal in one line before a new order is placed', async () => {
  const home = path.join(work, 'home4');
  const out = path.join(work, 'out4');
  mkdirSync(out);
  chownSync(out, NOBODY, NOBODY);
  const first = await issue(home, out);
  expect(first.code, first.stderr).toBe(0);
  chmodSync(out, 0o500);
  proxy.requests.length = 0;
  const r = await asNobody(['cert', 'renew', 'ro.example.com', '--force', '--json'], { ACMECLI_HOME: home });
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).lineages[0]).toMatchObject({ status: 'failed', message: `ro.example.com: cannot write to the --out folder ${out}: permission denied` });
  expect(proxy.requests.filter((q) => q.kind === 'newOrder')).toEqual([]);
}, 120_000);
