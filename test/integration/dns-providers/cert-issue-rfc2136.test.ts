import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { describeCertificate } from '../../../src/certs/certificate.js';
import { DELEGATED_NAME, DELEGATION_TARGET, NAMES_ZONE, sharedDnsLab, type DnsLab } from '../../support/bind.js';
import { pairMatches, tempDir } from '../../support/cert-fixtures.js';
import { runMain } from '../../support/in-process.js';
import { virtualClock } from '../../support/virtual-clock.js';
import type { PollClock } from '../../../src/acme/poll.js';
import { sharedPebble, type PebbleInstance } from '../../support/pebble.js';

// Pebble validates dns-01 through a recursive BIND that forwards to the primary acmecli updates:
// nothing here is a stand-in, and nothing but acmecli writes the challenge records.
let lab: DnsLab;
let pebble: PebbleInstance;
let work: string;
let accountKey: string;

beforeAll(async () => {
  lab = await sharedDnsLab();
  pebble = await sharedPebble({ dnsServer: lab.recursive, env: { PEBBLE_AUTHZREUSE: '0' } }); // every run must solve its challenges
  work = tempDir('dns-rfc2136');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
}, 90_000);
afterAll(async () => {
  await pebble?.stop();
  await lab?.stop();
});

const rfc2136Env = () => ({
  RFC2136_NAMESERVER: lab.primary,
  RFC2136_TSIG_KEY: lab.key.name,
  RFC2136_TSIG_SECRET: lab.key.secret,
  RFC2136_TSIG_ALGORITHM: 'hmac-sha256',
});

const issue = (args: string[], env: Record<string, string | undefined> = rfc2136Env(), pollClock?: PollClock) =>
  runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', '--email', 'ops@example.com', '--json', ...args], { env, ...(pollClock ? { pollClock } : {}) });

function nsupdate(commands: string): void {
  const [host, port] = lab.primary.split(':') as [string, string];
  execFileSync('nsupdate', ['-k', lab.keyFile], { input: `server ${host} ${port}\n${commands}\nsend\n` });
}

describe('cert issue --dns rfc2136 against BIND, validated by Pebble', () => {
  test('a wildcard and its base name: issued, and afterwards only the record that was there before is left', async () => {
    const challenge = `_acme-challenge.${NAMES_ZONE}`;
    nsupdate(`update add ${challenge} 60 TXT "not-ours"`);
    const out = path.join(work, 'wildcard');
    const r = await issue(['-d', `*.${NAMES_ZONE}`, '-d', NAMES_ZONE, '--dns', 'rfc2136', '--dns-resolver', lab.primary, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const outcome = r.json<{ lineages: Array<{ status: string; files: { certificate: string; key: string } }> }>().lineages[0]!;
    expect(outcome.status).toBe('issued');
    const cert = describeCertificate(readFileSync(outcome.files.certificate, 'utf8'));
    expect([...cert.dnsNames].sort()).toEqual([`*.${NAMES_ZONE}`, NAMES_ZONE].sort());
    expect(pairMatches(outcome.files.certificate, outcome.files.key)).toBe(true);
    // Both of acmecli's values (wildcard and base share the name) are gone; the other one stays.
    expect(await lab.txt(lab.primary, challenge)).toEqual(['not-ours']);
    expect(r.stderr).not.toContain(lab.key.secret);
  });

  test('a CNAME-delegated name: the record is written at the target, in the target zone, with a key file', async () => {
    const out = path.join(work, 'delegated');
    const r = await issue(['-d', DELEGATED_NAME, '--dns', 'rfc2136', '--tsig-key-file', lab.keyFile, '--dns-resolver', lab.primary, '--out', out, '-v'],
      { RFC2136_NAMESERVER: lab.primary });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`_acme-challenge.${DELEGATED_NAME} is a CNAME: writing the record at ${DELEGATION_TARGET} (zone auth.test)`);
    expect(await lab.txt(lab.primary, DELEGATION_TARGET)).toEqual([]);
  });

  test('no --dns-resolver, a zone only the primary knows: looked up and checked at the primary, as a user outside this repository runs it', async () => {
    const name = `private.${NAMES_ZONE}`;
    const r = await issue(['-d', name, '--dns', 'rfc2136', '--out', path.join(work, 'private'), '-v']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`zone ${NAMES_ZONE} is not visible through the system's resolvers; looking it up and checking it at ${lab.primary}`);
    expect(await lab.txt(lab.primary, `_acme-challenge.${name}`)).toEqual([]);
  });

  test('cert renew repeats it from the lineage: provider, key file and zone are stored, the secret is not', async () => {
    const name = `renewed.${NAMES_ZONE}`;
    const home = path.join(work, 'renew-home');
    const env = { RFC2136_NAMESERVER: lab.primary, ACMECLI_HOME: home };
    const first = await issue(['-d', name, '--dns', 'rfc2136', '--tsig-key-file', lab.keyFile, '--dns-zone', NAMES_ZONE, '--dns-resolver', lab.primary, '--out', path.join(work, 'renewed')], env);
    expect(first.code, first.stderr).toBe(0);
    const stored = readFileSync(path.join(home, 'lineages', name, 'lineage.json'), 'utf8');
    expect(JSON.parse(stored).config.solvers).toEqual([{ kind: 'dns', arg: 'rfc2136', zone: NAMES_ZONE, tsigKeyFile: lab.keyFile }]);
    expect(stored).not.toContain(lab.key.secret);
    const renewed = await runMain(['cert', 'renew', name, '--force', '--json'], { env });
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.json<{ lineages: Array<{ status: string }> }>().lineages[0]!.status).toBe('issued');
    expect(await lab.txt(lab.primary, `_acme-challenge.${name}`)).toEqual([]);
  });

  test('a server that never gets the record: exit 1 naming it, and the record is removed from the primary', async () => {
    const name = `late.${NAMES_ZONE}`;
    // 2 s of the run's clock: the rounds' pauses are recorded and skipped, not spent.
    const clock = virtualClock();
    const r = await issue(['-d', name, '--dns', 'rfc2136', '--dns-resolver', lab.primary, '--dns-resolver', lab.secondary, '--dns-timeout', '2', '--out', path.join(work, 'late')], undefined, clock);
    expect(r.code, r.stderr).toBe(1);
    expect(clock.waits).toEqual([250, 500, 1000, 250]);
    expect(r.stderr).toMatch(new RegExp(`TXT _acme-challenge\\.late\\.example\\.test is not on every authoritative server after 2 s \\(--dns-timeout\\); lacking it: ${lab.secondary.replace(/\./g, '\\.')}: no such name \\(NXDOMAIN\\)`));
    expect(r.stderr).not.toContain(`${lab.primary}:`);
    expect(await lab.txt(lab.primary, `_acme-challenge.${name}`)).toEqual([]);
  });

  test('the check waits for a lagging secondary, then the CA validates', async () => {
    const name = `lagging.${NAMES_ZONE}`;
    const challenge = `_acme-challenge.${name}`;
    const running = issue(['-d', name, '--dns', 'rfc2136', '--dns-resolver', lab.primary, '--dns-resolver', lab.secondary, '--dns-timeout', '60', '--out', path.join(work, 'lagging'), '-v']);
    // The primary has the record while the secondary does not: acmecli must be waiting now.
    let primaryHasIt = false;
    while (!primaryHasIt) {
      primaryHasIt = (await lab.txt(lab.primary, challenge)).length > 0;
      if (!primaryHasIt) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await lab.txt(lab.secondary, challenge)).toEqual([]);
    await lab.catchUp();
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`waiting for TXT ${challenge} on ${lab.secondary}`);
  });

  test('--no-dns-check: the CA is told at once, although the secondary never gets the record', async () => {
    const name = `unchecked.${NAMES_ZONE}`;
    const r = await issue(['-d', name, '--dns', 'rfc2136', '--no-dns-check', '--dns-resolver', lab.primary, '--dns-resolver', lab.secondary, '--dns-timeout', '2', '--out', path.join(work, 'unchecked'), '-v']);
    // With the check, the secondary (never caught up here) would fail this with exit 1; Pebble resolves through the primary.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('waiting for TXT');
    expect(await lab.txt(lab.primary, `_acme-challenge.${name}`)).toEqual([]);
  });

  test('refused by the server: one line naming zone and server, exit 1, before the CA is asked to validate', async () => {
    const r = await issue(['-d', `refused.${NAMES_ZONE}`, '--dns', 'rfc2136', '--dns-resolver', lab.primary, '--out', path.join(work, 'refused')],
      { ...rfc2136Env(), RFC2136_TSIG_KEY: lab.otherKey.name, RFC2136_TSIG_SECRET: lab.otherKey.secret });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`zone ${NAMES_ZONE} at ${lab.primary} refused: REFUSED`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('missing settings are a usage error before any order', async () => {
    const r = await issue(['-d', `x.${NAMES_ZONE}`, '--dns', 'rfc2136', '--out', path.join(work, 'none')], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--dns rfc2136 needs RFC2136_NAMESERVER/);
  });
});
