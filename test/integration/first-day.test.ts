import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

// The small things a new user hits on the first day (issue 10), each against a real Pebble.
let pebble: PebbleInstance;
let work: string;
let key: string;

beforeAll(async () => {
  pebble = await sharedPebble();
  work = tempDir('firstday');
  key = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
});
afterAll(async () => pebble?.stop());

const ca = () => ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key];
const oneLine = (stderr: string) => expect(stderr.trim().split('\n')).toHaveLength(1);

describe('first-day traps', () => {
  test('a state folder that cannot be made is named, with ACMECLI_HOME, before the CA is asked anything', async () => {
    const notAFolder = path.join(work, 'a-file');
    writeFileSync(notAFolder, 'x');
    const home = path.join(notAFolder, 'home');
    const before = (await pebble.readLog()).split('\n').length;
    const r = await runMain([...ca(), 'account', 'create', 'mailto:new@example.com', '--agree-tos'], { env: { ACMECLI_HOME: home } });
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/cannot write to the state folder .*\/a-file\/home \(from ACMECLI_HOME\): .*not a folder; set ACMECLI_HOME/);
    expect((await pebble.readLog()).split('\n').length).toBe(before);
  });

  test('each subcommand --help lists the global options; the top-level examples show cert issue', async () => {
    const sub = await runMain(['cert', 'issue', '--help']);
    expect(sub.code).toBe(0);
    for (const option of ['-a, --acme-url', '-k, --key', '--json', '-q, --quiet']) expect(sub.stdout).toContain(option);
    const top = await runMain(['--help']);
    expect(top.stdout).toMatch(/^ {2}acmecli .*cert issue -d /m);
  });

  test('directory keywords in any case: -a LetsEncrypt', async () => {
    const r = await runMain(['-a', 'LetsEncrypt', 'dns', 'records', 'example.org', '--account-uri', 'https://acme-v02.api.letsencrypt.org/acme/acct/1', '--caa-identity', 'letsencrypt.org', '--offline', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ directoryUrl: string }>().directoryUrl).toBe('https://acme-v02.api.letsencrypt.org/directory');
  });

  test('dns records: --account-uri with --caa-identity needs no network; --json holds records, the comments apart', async () => {
    // A CA that cannot be reached: the records need nothing from it.
    const r = await runMain(['--allow-http', '-a', 'http://127.0.0.1:1/dir', 'dns', 'records', 'example.org', '--account-uri', 'https://ca.example/acct/7', '--caa-identity', 'ca.example', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const zone = r.json<{ zones: { caa: string[]; dnsPersist: string[]; dnsAccount: { records: string[] }; comments: string[] }[] }>().zones[0]!;
    for (const line of [...zone.caa, ...zone.dnsPersist, ...zone.dnsAccount.records]) expect(line).not.toMatch(/^;/);
    expect(zone.dnsPersist.length).toBeGreaterThan(0);
    expect(zone.comments.length).toBeGreaterThan(0);
    for (const line of zone.comments) expect(line).toMatch(/^;/);
    const text = await runMain(['--allow-http', '-a', 'http://127.0.0.1:1/dir', 'dns', 'records', 'example.org', '--account-uri', 'https://ca.example/acct/7', '--caa-identity', 'ca.example']);
    expect(text.stdout).toMatch(/^; dns-persist-01/m);
  });

  test('dns records for an IP address is refused in one line (CAA covers DNS names only)', async () => {
    for (const ip of ['1.2.3.4', '2001:db8::1']) {
      const r = await runMain(['dns', 'records', ip, '--account-uri', 'https://ca.example/acct/7', '--caa-identity', 'ca.example', '--offline']);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toMatch(/is an IP address: CAA .*DNS names only \(RFC 8659\)/);
      expect(r.stdout).toBe('');
    }
  });

  test('account create on a key that has an account says the new contact was ignored and points at account update', async () => {
    const home = path.join(work, 'acct-home');
    const first = await runMain([...ca(), 'account', 'create', 'mailto:first@example.com', '--agree-tos'], { env: { ACMECLI_HOME: home } });
    expect(first.code, first.stderr).toBe(0);
    const again = await runMain([...ca(), 'account', 'create', 'mailto:other@example.com', '--agree-tos'], { env: { ACMECLI_HOME: home } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/The contact given \(mailto:other@example\.com\) was ignored: to change it, run acmecli account update mailto:other@example\.com/);
    const json = await runMain([...ca(), 'account', 'create', 'mailto:other@example.com', '--agree-tos', '--json'], { env: { ACMECLI_HOME: home } });
    expect(json.json()).toMatchObject({ created: false, contactIgnored: ['mailto:other@example.com'] });
  });

  test('a failed lineage in --json carries the CA\'s problem document', async () => {
    const root = path.join(work, 'empty-www');
    mkdirSync(root);
    const r = await runMain([...ca(), 'cert', 'issue', '-d', 'fails.example.com', '--webroot', root, '--out', path.join(work, 'out'), '--agree-tos', '--json'], { env: { ACMECLI_HOME: path.join(work, 'fail-home') } });
    expect(r.code).toBe(1);
    const error = r.json<{ lineages: { error?: { code: string; problem?: { type: string; detail?: string } } }[] }>().lineages[0]!.error!;
    expect(error.code).toBe('ACME_PROBLEM');
    expect(error.problem?.type).toMatch(/^urn:ietf:params:acme:error:/);
    expect(error.problem?.detail).toBeTruthy();
  });

  test('the manager\'s TLS hint names --manager-ca-file, not the ACME CA\'s --ca-file', async () => {
    const token = Buffer.from(`${randomUUID()}:${randomBytes(32).toString('base64url')}`).toString('base64');
    const r = await runMain(['manager', 'request', '--manager-url', `${pebble.managementUrl}/api/v1`, '-d', 'm.example.com', '--issuer', 'pebble', '--out', path.join(work, 'mout')], { env: { ACME_MANAGER_TOKEN: token } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/pass --manager-ca-file with the CA that signed it/);
  });
});
