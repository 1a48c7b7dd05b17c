import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startHostileAcmeProxy, type HostileAcmeProxy } from '../support/hostile-acme-proxy.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';
import { NOBODY } from '../support/local-attacker.js';

// Red-team F3/F4: acmecli runs as root; nobody (the local attacker) owns or controls an output
// folder. The rule: an --out folder another user controls is refused in one line, before an
// order is placed and before anything is written or deleted there.
let pebble: PebbleInstance;
let proxy: HostileAcmeProxy; // passes everything through; its request log shows whether an order was placed
let work: string;
let accountKey: string;

beforeAll(async () => {
  pebble = await sharedPebble();
  proxy = await startHostileAcmeProxy(pebble);
  work = tempDir('out-owner');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
});

const issue = (home: string, out: string, domain: string) =>
  runMain(['-a', proxy.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', '-d', domain,
    '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out], { env: { ACMECLI_HOME: home } });
const orders = () => proxy.requests.filter((q) => q.kind === 'newOrder');

test('cert issue refuses an --out folder owned by another user before an order is placed', async () => {
  const out = path.join(work, 'theirs');
  mkdirSync(out, { mode: 0o755 });
  chownSync(out, NOBODY, NOBODY);
  proxy.requests.length = 0;
  const r = await issue(path.join(work, 'home1'), out, 'theirs.example.com');
  expect(r.stderr).toBe(`acmecli: refusing the --out folder ${out}: it is owned by another user (uid ${NOBODY}); make it a folder owned by root or by the user acmecli runs as, that other users cannot write (chown root: ${out}; chmod go-w ${out})\n`);
  expect(r.code).toBe(1);
  expect(orders()).toEqual([]);
  expect(readdirSync(out)).toEqual([]);
}, 120_000);

test('cert issue refuses an --out that is a symlink another user owns, even to a root folder', async () => {
  const rootFolder = path.join(work, 'root-only');
  mkdirSync(rootFolder, { mode: 0o700 });
  const link = path.join(work, 'out-link');
  symlinkSync(rootFolder, link);
  lchownSync(link, NOBODY, NOBODY);
  proxy.requests.length = 0;
  const r = await issue(path.join(work, 'home2'), link, 'link.example.com');
  expect(r.stderr).toMatch(new RegExp(`^acmecli: refusing the --out folder ${link}: it is a symlink owned by another user \\(uid ${NOBODY}\\); `));
  expect(r.code).toBe(1);
  expect(orders()).toEqual([]);
  expect(readdirSync(rootFolder)).toEqual([]);
}, 120_000);

test('cert delete --remove-files refuses an --out folder another user took over, deleting nothing', async () => {
  const home = path.join(work, 'home3');
  const out = path.join(work, 'out3');
  mkdirSync(out, { mode: 0o755 });
  const first = await issue(home, out, 'del.example.com');
  expect(first.code, first.stderr).toBe(0);
  const files = readdirSync(out).sort();
  expect(files).toContain('del.example.com.key');
  chownSync(out, NOBODY, NOBODY); // now nobody can swap its files for symlinks to root's
  const r = await runMain(['cert', 'delete', 'del.example.com', '--remove-files'], { env: { ACMECLI_HOME: home } });
  expect(r.stderr).toMatch(new RegExp(`^acmecli: refusing the --out folder ${out}: it is owned by another user \\(uid ${NOBODY}\\); [^\\n]*\\n$`));
  expect(r.code).toBe(1);
  expect(readdirSync(out).sort()).toEqual(files);
  expect(existsSync(path.join(home, 'lineages', 'del.example.com'))).toBe(true); // the lineage is kept too
}, 120_000);

test('a world-writable --out found at renewal fails it before a new order', async () => {
  const home = path.join(work, 'home4');
  const out = path.join(work, 'out4');
  mkdirSync(out, { mode: 0o755 });
  expect((await issue(home, out, 'renew.example.com')).code).toBe(0);
  chmodSync(out, 0o777);
  proxy.requests.length = 0;
  const r = await runMain(['cert', 'renew', 'renew.example.com', '--force', '--json'], { env: { ACMECLI_HOME: home } });
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).lineages[0].message).toMatch(/refusing the --out folder .*out4: it can be written by every user \(mode 0777\)/);
  expect(orders()).toEqual([]);
}, 120_000);
