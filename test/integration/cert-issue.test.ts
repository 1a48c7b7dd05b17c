import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { describeCertificate, splitPemChain } from '../../src/certs/certificate.js';
import { getCertStatusBySerial, sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { virtualClock } from '../support/virtual-clock.js';
import { closeServer, pairMatches, serveOn, tempDir, writeDnsHook } from '../support/cert-fixtures.js';

let pebble: PebbleInstance;
let work: string;
let accountKey: string;
let home: string;
let thumbprint: string;
let server: Server | undefined;

beforeAll(async () => {
  pebble = await sharedPebble();
  work = tempDir('cert');
  home = path.join(work, 'home');
  accountKey = path.join(work, 'account.pem');
  const gen = await runMain(['key', 'generate', 'ec256', '-o', accountKey, '--json']);
  thumbprint = gen.json<{ thumbprint: string }>().thumbprint;
});
afterAll(async () => pebble?.stop());
afterEach(async () => {
  await closeServer(server);
  server = undefined;
});

const ca = () => ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey];
const env = () => ({ ACMECLI_HOME: home });
const issue = (args: string[]) => runMain([...ca(), 'cert', 'issue', '--agree-tos', '--email', 'ops@example.com', '--json', ...args], { env: env() });

interface IssueJson {
  ok: boolean;
  lineages: { name: string; status: string; serial?: string; files?: { certificate: string; key?: string; ca?: string }; challenges?: { identifier: string; type: string; solver: string }[] }[];
}

function expectIssued(r: Awaited<ReturnType<typeof runMain>>) {
  expect(r.code, r.stderr).toBe(0);
  const outcome = r.json<IssueJson>().lineages[0]!;
  expect(outcome.status).toBe('issued');
  // Parallel authorizations share the nonce pool: with PEBBLE_WFE_NONCEREJECT=0 no nonce may be refused.
  expect(r.stderr).not.toMatch(/badNonce/);
  return outcome;
}

describe('cert issue against Pebble, each challenge type for real', () => {
  test('http-01 with the built-in responder: a new account, files with the right modes, a matching pair', async () => {
    const out = path.join(work, 'standalone');
    const r = await issue(['-d', 'a.example.com', '-d', 'b.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out]);
    const outcome = expectIssued(r);
    expect(r.stderr).toMatch(/Created account/);
    expect(outcome.challenges?.map((c) => c.type)).toEqual(['http-01', 'http-01']);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(out, 'a.example.com.key')).mode & 0o777).toBe(0o600);
    expect(pairMatches(path.join(out, 'a.example.com.crt'), path.join(out, 'a.example.com.key'))).toBe(true);
    const info = describeCertificate(readFileSync(path.join(out, 'a.example.com.crt'), 'utf8'));
    expect(info.dnsNames.sort()).toEqual(['a.example.com', 'b.example.com']);
    expect(splitPemChain(readFileSync(path.join(out, 'a.example.com.ca.crt'), 'utf8')).length).toBeGreaterThan(0);
    // No temporary files are left behind.
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('webroot: the challenge file is written where the web server serves it, and removed after', async () => {
    const root = path.join(work, 'www');
    mkdirSync(root);
    const served: string[] = [];
    server = await serveOn(pebble.httpPort, (urlPath) => {
      served.push(urlPath);
      const file = path.join(root, urlPath);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    });
    const outcome = expectIssued(await issue(['-d', 'webroot.example.com', '--webroot', root, '--out', path.join(work, 'webroot'), '--bundle']));
    expect(outcome.challenges?.[0]).toMatchObject({ type: 'http-01', solver: 'webroot' });
    expect(served.some((p) => p.startsWith('/.well-known/acme-challenge/'))).toBe(true);
    expect(readdirSync(root)).toEqual([]);
    // --bundle: the chain is in NAME.crt and there is no NAME.ca.crt.
    expect(splitPemChain(readFileSync(path.join(work, 'webroot', 'webroot.example.com.crt'), 'utf8')).length).toBeGreaterThan(1);
    expect(existsSync(path.join(work, 'webroot', 'webroot.example.com.ca.crt'))).toBe(false);
  });

  test('stateless http-01: the web server answers <token>.<thumbprint> by itself', async () => {
    server = await serveOn(pebble.httpPort, (urlPath) => {
      const match = /^\/\.well-known\/acme-challenge\/([-_a-zA-Z0-9]+)$/.exec(urlPath);
      return match ? `${match[1]}.${thumbprint}` : undefined;
    });
    const outcome = expectIssued(await issue(['-d', 'stateless.example.com', '--http-stateless', '--out', path.join(work, 'stateless')]));
    expect(outcome.challenges?.[0]).toMatchObject({ type: 'http-01', solver: 'http-stateless' });
  });

  test('tls-alpn-01 (RFC 8737) with the built-in responder', async () => {
    const outcome = expectIssued(await issue(['-d', 'alpn.example.com', '--tls-alpn-standalone', `127.0.0.1:${pebble.tlsPort}`, '--out', path.join(work, 'alpn')]));
    expect(outcome.challenges?.[0]).toMatchObject({ type: 'tls-alpn-01', solver: 'tls-alpn-standalone' });
  });

  test('dns-01 through a uacme-style hook, with the TXT checked in DNS first; the hook declines http-01', async () => {
    const hook = writeDnsHook(tempDir('hook'), pebble.challTestSrvUrl);
    // --challenge orders the types: the hook is asked for http-01 first, declines (exit 1), then answers dns-01.
    const outcome = expectIssued(await issue(['-d', 'dns.example.com', '--hook', hook.path, '--challenge', 'http-01', '--challenge', 'dns-01', '--dns-resolver', pebble.dnsServer, '--out', path.join(work, 'dns')]));
    expect(outcome.challenges?.[0]).toMatchObject({ type: 'dns-01', solver: 'hook' });
    const calls = readFileSync(hook.log, 'utf8');
    expect(calls).toMatch(/^begin dns-01 dns\.example\.com name=_acme-challenge\.dns\.example\.com$/m);
    expect(calls).toMatch(/^done dns-01 dns\.example\.com/m);
    expect(calls).toMatch(/^begin http-01 dns\.example\.com/m);
  });

  test('a wildcard through the dns-01 hook', async () => {
    const hook = writeDnsHook(tempDir('hookw'), pebble.challTestSrvUrl);
    const outcome = expectIssued(await issue(['-d', '*.wild.example.com', '--hook', hook.path, '--challenge', 'dns-01', '--dns-resolver', pebble.dnsServer, '--out', path.join(work, 'wild')]));
    expect(outcome.name).toBe('_wildcard.wild.example.com');
    const info = describeCertificate(readFileSync(path.join(work, 'wild', '_wildcard.wild.example.com.crt'), 'utf8'));
    expect(info.dnsNames).toEqual(['*.wild.example.com']);
  });

  test('a name and its wildcard share one TXT name: the CA is asked to look at either only once both records are published', async () => {
    const dir = tempDir('hookpair');
    const log = path.join(dir, 'hook.log');
    const release = path.join(dir, 'release');
    const hook = path.join(dir, 'pair-hook.sh');
    // The wildcard's begin is slow: it returns when the base name's challenge is done (told at once, before the fix,
    // the CA validated the base name while the wildcard's record was not published yet), when acmecli shows the base
    // name waiting for it (the test then writes the release file), or after 8 s.
    writeFileSync(hook, `#!/bin/sh
[ "$2" = dns-01 ] || exit 1
if [ "$1" != begin ]; then echo "$1 $ACMECLI_WILDCARD" >> '${log}'; exit 0; fi
if [ "$ACMECLI_WILDCARD" = 1 ]; then
  i=0
  while [ $i -lt 80 ] && [ ! -e '${release}' ] && ! grep -q '^done 0$' '${log}' 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
fi
curl -sf -X POST -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\",\\"value\\":\\"$ACMECLI_TXT_VALUE\\"}" '${pebble.challTestSrvUrl}/set-txt'
echo "published $ACMECLI_WILDCARD" >> '${log}'
`);
    chmodSync(hook, 0o755);
    // The steps on stderr (no --json): the base name shown waiting releases the wildcard's hook; when the base name's
    // validation is shown, the wildcard's record must already be published (a wait shown but not kept fails here).
    let progress = '';
    let baseAskedBeforeWildcardPublished: boolean | undefined;
    const out = path.join(work, 'pair');
    const r = await runMain([...ca(), 'cert', 'issue', '--agree-tos', '--email', 'ops@example.com', '-d', 'pair.example.com', '-d', '*.pair.example.com', '--hook', hook, '--challenge', 'dns-01', '--dns-resolver', pebble.dnsServer, '--out', out], {
      env: env(),
      onStderr: (text) => {
        progress += text;
        if (/^pair\.example\.com: waiting \(for the other record at _acme-challenge\.pair\.example\.com\)$/m.test(progress)) writeFileSync(release, '');
        if (baseAskedBeforeWildcardPublished === undefined && /^pair\.example\.com: validation/m.test(progress)) {
          baseAskedBeforeWildcardPublished = !(existsSync(log) && readFileSync(log, 'utf8').split('\n').includes('published 1'));
        }
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/badNonce/);
    expect(r.stderr).toMatch(/^pair\.example\.com: valid \(dns-01\)$/m);
    expect(r.stderr).toMatch(/^pair\.example\.com: \*\.pair\.example\.com: valid \(dns-01\)$/m);
    expect(describeCertificate(readFileSync(path.join(out, 'pair.example.com.crt'), 'utf8')).dnsNames.sort()).toEqual(['*.pair.example.com', 'pair.example.com']);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.indexOf('published 1'), lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf('published 1'), lines.join('\n')).toBeLessThan(lines.indexOf('done 0'));
    expect(baseAskedBeforeWildcardPublished, r.stderr).toBe(false);
  });

  test("a name and its wildcard: one record that never shows up ends the run (exit 1), the twin's wait does not hang it", async () => {
    // The base name's record is never published (a hook that failed to, or one that replaced the TXT at the name):
    // its DNS check fails after --dns-timeout. The wildcard's record is there, so its check passes and it waits for
    // the base name to publish its own; the failed base name, for its part, waited for the wildcard to be finished
    // with the shared record before cleaning up: each waited for the other, for ever.
    const dir = tempDir('hookhalf');
    const log = path.join(dir, 'hook.log');
    const hook = path.join(dir, 'half-hook.sh');
    writeFileSync(hook, `#!/bin/sh
[ "$2" = dns-01 ] || exit 1
echo "$1 $ACMECLI_WILDCARD" >> '${log}'
[ "$1" = begin ] && [ "$ACMECLI_WILDCARD" = 1 ] || exit 0
curl -sf -X POST -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\",\\"value\\":\\"$ACMECLI_TXT_VALUE\\"}" '${pebble.challTestSrvUrl}/set-txt'
`);
    chmodSync(hook, 0o755);
    const clock = virtualClock();
    const r = await runMain([...ca(), 'cert', 'issue', '--agree-tos', '--email', 'ops@example.com', '-d', 'half.example.com', '-d', '*.half.example.com', '--hook', hook, '--challenge', 'dns-01', '--dns-resolver', pebble.dnsServer, '--dns-timeout', '2', '--out', path.join(work, 'half')], { env: env(), pollClock: clock });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/TXT _acme-challenge\.half\.example\.com is not on every authoritative server after 2 s \(--dns-timeout\)/);
    // Both records are still cleaned up.
    expect(readFileSync(log, 'utf8').split('\n').filter((line) => /^(done|failed) /.test(line))).toHaveLength(2);
  }, 60_000);

  test('an IP address identifier (RFC 8738) over http-01', async () => {
    const outcome = expectIssued(await issue(['-d', '127.0.0.1', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'ip'), '--name', 'loopback']));
    const info = describeCertificate(readFileSync(path.join(work, 'ip', 'loopback.crt'), 'utf8'));
    expect(info.ipAddresses).toEqual(['127.0.0.1']);
    expect(outcome.challenges?.[0]?.type).toBe('http-01');
  });

  test('--days asks for notAfter (RFC 8555 §7.4), which Pebble honours', async () => {
    const out = path.join(work, 'days');
    expectIssued(await issue(['-d', 'days.example.com', '--days', '10', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out]));
    const info = describeCertificate(readFileSync(path.join(out, 'days.example.com.crt'), 'utf8'));
    const days = (info.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThan(10.1);
  });

  test('a CSR made by openssl req: no key is written, the certificate carries the CSR key', async () => {
    const dir = tempDir('csr');
    const keyFile = path.join(dir, 'own.key');
    const csrFile = path.join(dir, 'own.csr');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=csr.example.com', '-addext', 'subjectAltName=DNS:csr.example.com,DNS:www.csr.example.com'], { stdio: 'ignore' });
    const out = path.join(work, 'csr');
    expectIssued(await issue(['--csr', csrFile, '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out]));
    expect(existsSync(path.join(out, 'csr.example.com.key'))).toBe(false);
    expect(pairMatches(path.join(out, 'csr.example.com.crt'), keyFile)).toBe(true);

    const mismatch = await issue(['--csr', csrFile, '-d', 'other.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/the CSR .* is for csr\.example\.com, www\.csr\.example\.com, not other\.example\.com/);

    // The CSR is the user's file: gone by renewal time, it is one line naming it, not a stack of node's.
    rmSync(csrFile);
    const renewed = await runMain([...ca(), 'cert', 'renew', 'csr.example.com', '--force', '--json'], { env: env() });
    expect(renewed.code).toBe(1);
    expect(renewed.json<{ lineages: { message: string }[] }>().lineages[0]?.message).toBe(`csr.example.com: cannot read the CSR ${csrFile}: no such file or folder`);
  });

  test('revocation both ways (RFC 8555 §7.6), checked in Pebble', async () => {
    const out = path.join(work, 'revoke');
    const first = expectIssued(await issue(['-d', 'revoke1.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out]));
    const byAccount = await runMain([...ca(), 'cert', 'revoke', path.join(out, 'revoke1.example.com.crt'), '--reason', 'superseded', '--json'], { env: env() });
    expect(byAccount.code, byAccount.stderr).toBe(0);
    expect((await getCertStatusBySerial(pebble, first.serial!))?.Status).toBe('Revoked');

    const second = expectIssued(await issue(['-d', 'revoke2.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out]));
    // Signed with the certificate's own key: no account involved, and a fresh state directory.
    const byCertKey = await runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, 'cert', 'revoke', path.join(out, 'revoke2.example.com.crt'), '--cert-key', path.join(out, 'revoke2.example.com.key'), '--reason', '1']);
    expect(byCertKey.code, byCertKey.stderr).toBe(0);
    const status = await getCertStatusBySerial(pebble, second.serial!);
    expect(status?.Status).toBe('Revoked');

    const wrongKey = await runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, 'cert', 'revoke', path.join(out, 'revoke2.example.com.crt'), '--cert-key', accountKey]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toMatch(/is not the key of/);
  });
});

describe('bad input is refused before any order is placed', () => {
  const ordersIn = async () => (await pebble.readLog()).split('\n').filter((l) => /new-order|newOrder|order-plz/i.test(l)).length;

  test.each([
    [['-d', 'a..example.com', '--http-standalone'], /a\.\.example\.com/],
    [['-d', 'x.example.com', '-d', 'X.example.com', '--http-standalone'], /duplicate/],
    [['-d', '*.example.com', '--http-standalone', ':0'], /wildcard needs a DNS challenge/],
    [['-d', '127.0.0.1', '--hook', '/bin/true', '--challenge', 'dns-01'], /IP address needs http-01 or tls-alpn-01/],
    [['-d', 'x.example.com', '--http-standalone', '--name', '../escape'], /--name "\.\.\/escape" must be/],
    [['-d', 'x.example.com', '--hook', '/nonexistent/hook'], /hook/],
    [['-d', 'x.example.com', '--profile', 'shortlived', '--http-stateless'], /offers no ACME profiles/],
    [['-d', 'x.example.com', '--challenge', 'http-02', '--http-stateless'], /unknown challenge type "http-02"/],
  ])('%j', async (args, message) => {
    const before = await ordersIn();
    const r = await issue([...(args as string[]), '--out', path.join(work, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await ordersIn()).toBe(before);
  });

  test('a port already in use', async () => {
    server = await serveOn(0, () => undefined);
    const port = (server.address() as { port: number }).port;
    const r = await issue(['-d', 'busy.example.com', '--http-standalone', `127.0.0.1:${port}`, '--out', path.join(work, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/address already in use/);
  });

  test('a hook that is not executable', async () => {
    const dir = tempDir('nx');
    const hook = path.join(dir, 'hook.sh');
    writeFileSync(hook, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const r = await issue(['-d', 'nx.example.com', '--hook', hook, '--out', path.join(work, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not executable/);
    rmSync(dir, { recursive: true, force: true });
  });
});
