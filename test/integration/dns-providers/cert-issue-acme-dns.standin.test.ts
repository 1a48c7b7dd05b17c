import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startAcmeDnsStandIn, type AcmeDnsStandIn } from '../../support/acme-dns-standin.js';
import { NAMES_ZONE, TARGET_ZONE, sharedDnsLab, type DnsLab } from '../../support/bind.js';
import { tempDir } from '../../support/cert-fixtures.js';
import { runMain } from '../../support/in-process.js';
import { sharedPebble, type PebbleInstance } from '../../support/pebble.js';

// acme-dns is a stand-in (test/support/acme-dns-standin.ts, from its README's API); the records it
// sets go into the test's BIND, and Pebble resolves them through the recursive BIND and the CNAME.
let lab: DnsLab;
let pebble: PebbleInstance;
let acmeDns: AcmeDnsStandIn;
let work: string;
let accountKey: string;
let storage: string;

beforeAll(async () => {
  lab = await sharedDnsLab();
  pebble = await sharedPebble({ dnsServer: lab.recursive, env: { PEBBLE_AUTHZREUSE: '0' } }); // every run must solve its challenges
  acmeDns = await startAcmeDnsStandIn(lab);
  work = tempDir('dns-acme-dns');
  accountKey = path.join(work, 'account.pem');
  storage = path.join(work, 'acme-dns', 'accounts.json');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
}, 90_000);
afterAll(async () => {
  await acmeDns?.stop();
  await pebble?.stop();
  await lab?.stop();
});

const issue = (args: string[], env: Record<string, string | undefined> = { ACME_DNS_API_BASE: acmeDns.url, ACME_DNS_STORAGE_PATH: storage }) =>
  runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', '--email', 'ops@example.com', '--json', ...args], { env });

function nsupdate(commands: string): void {
  const [host, port] = lab.primary.split(':') as [string, string];
  execFileSync('nsupdate', ['-k', lab.keyFile], { input: `server ${host} ${port}\n${commands}\nsend\n` });
}

describe('cert issue --dns acme-dns', () => {
  const name = `acmedns.${NAMES_ZONE}`;

  test('first run: registers, stores the account as lego does (0600), and says which CNAME to create', async () => {
    const r = await issue(['-d', name, '-d', `*.${name}`, '--dns', 'acme-dns', '--dns-resolver', lab.primary, '--out', path.join(work, 'out')]);
    expect(r.code).toBe(1);
    const stored = JSON.parse(readFileSync(storage, 'utf8')) as Record<string, { fulldomain: string; subdomain: string; username: string; password: string; server_url: string }>;
    const account = stored[name]!;
    expect(Object.keys(stored)).toEqual([name]);
    expect(account.fulldomain).toBe(`${account.subdomain}.${TARGET_ZONE}`);
    expect(account.server_url).toBe(acmeDns.url);
    expect(statSync(storage).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain(`acme-dns: create this DNS record once, then run again: _acme-challenge.${name}. CNAME ${account.fulldomain}.`);
    expect(r.stderr).not.toContain(account.password);
    expect(acmeDns.requests.filter((q) => q.path === '/register')).toHaveLength(1);
  });

  test('with the CNAME in place: a wildcard and its base name are issued through acme-dns', async () => {
    const account = (JSON.parse(readFileSync(storage, 'utf8')) as Record<string, { fulldomain: string; username: string }>)[name]!;
    nsupdate(`update add _acme-challenge.${name}. 60 CNAME ${account.fulldomain}.`);
    const r = await issue(['-d', name, '-d', `*.${name}`, '--dns', 'acme-dns', '--dns-resolver', lab.primary, '--out', path.join(work, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(acmeDns.requests.filter((q) => q.path === '/register')).toHaveLength(1); // the stored account was used
    expect(acmeDns.requests.filter((q) => q.path === '/update' && q.user === account.username)).toHaveLength(2);
  });

  test('a storage file that is not what lego writes is refused in one line', async () => {
    // A name of its own: Pebble may reuse the valid authorization of the test above for `name`.
    const badName = `bad.${name}`;
    const bad = path.join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ [badName]: { fulldomain: 'x;rm -rf.auth.test', subdomain: 'x', username: 'u', password: 'p' } }));
    const r = await issue(['-d', badName, '--dns', 'acme-dns', '--dns-resolver', lab.primary, '--out', path.join(work, 'bad')], { ACME_DNS_API_BASE: acmeDns.url, ACME_DNS_STORAGE_PATH: bad });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ACME_DNS_STORAGE_PATH entry "bad\.acmedns\.example\.test": fulldomain "x;rm -rf\.auth\.test" is not a DNS name/);
  });

  test('a huge register answer is refused at 64 KiB: read as a stream, never whole', async () => {
    const hugeName = `huge.${name}`;
    acmeDns.hugeAnswerBytes = 256 * 1024 * 1024;
    acmeDns.hugeBytesWritten = 0;
    try {
      const r = await issue(['-d', hugeName, '--dns', 'acme-dns', '--dns-resolver', lab.primary, '--out', path.join(work, 'huge')], { ACME_DNS_API_BASE: acmeDns.url, ACME_DNS_STORAGE_PATH: path.join(work, 'huge.json') });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`acme-dns ${acmeDns.url}/register: the answer is larger than 65536 bytes`);
      // The client dropped the connection at the cap: what crossed is the cap plus what the
      // sockets' buffers held, nowhere near the 256 MiB a whole read would have taken in.
      expect(acmeDns.hugeBytesWritten).toBeLessThan(32 * 1024 * 1024);
    } finally {
      acmeDns.hugeAnswerBytes = undefined;
    }
  }, 120_000);
});
