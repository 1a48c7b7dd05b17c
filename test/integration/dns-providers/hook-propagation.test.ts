import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { NAMES_ZONE, sharedDnsLab, type DnsLab } from '../../support/bind.js';
import { tempDir } from '../../support/cert-fixtures.js';
import { runMain } from '../../support/in-process.js';
import { virtualClock } from '../../support/virtual-clock.js';
import type { PollClock } from '../../../src/acme/poll.js';
import { sharedPebble, type PebbleInstance } from '../../support/pebble.js';

// A uacme-style --hook that writes the TXT with nsupdate to the BIND primary. Pebble validates
// through the lagging secondary (its -dnsserver), so a CA told to look before the secondary has
// the record fails: only the propagation check, asking every server, makes these issue.
let lab: DnsLab;
let pebble: PebbleInstance;
let work: string;
let accountKey: string;
let hook: string;
let hookLog: string;

beforeAll(async () => {
  lab = await sharedDnsLab();
  pebble = await sharedPebble({ dnsServer: lab.secondary, env: { PEBBLE_AUTHZREUSE: '0' } }); // every run must solve its challenges
  work = tempDir('hook-propagation');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
  hookLog = path.join(work, 'hook.log');
  hook = path.join(work, 'nsupdate-hook.sh');
  // Called as: begin|done|failed TYPE IDENT TOKEN AUTH (AUTH is the TXT value for dns-01).
  writeFileSync(hook, `#!/bin/sh
set -e
echo "$1 $2 $3" >> '${hookLog}'
[ "$2" = dns-01 ] || exit 1
case "$1" in begin) op=add ;; *) op=delete ;; esac
printf 'server %s %s\\nupdate %s %s. 60 TXT "%s"\\nsend\\n' "$DNS_HOST" "$DNS_PORT" "$op" "$ACMECLI_TXT_NAME" "$5" | nsupdate -k "$KEY_FILE"
`);
  chmodSync(hook, 0o755);
}, 90_000);
afterAll(async () => {
  await pebble?.stop();
  await lab?.stop();
});

const env = () => ({
  PATH: process.env.PATH,
  DNS_HOST: lab.primary.split(':')[0]!,
  DNS_PORT: lab.primary.split(':')[1]!,
  KEY_FILE: lab.keyFile,
});

const run = (args: string[], onStderr?: (text: string) => void, pollClock?: PollClock) =>
  runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey, ...args], { env: { ...env(), ACMECLI_HOME: path.join(work, 'home') }, ...(onStderr ? { onStderr } : {}), ...(pollClock ? { pollClock } : {}) });
const issue = (args: string[], onStderr?: (text: string) => void, pollClock?: PollClock) =>
  run(['cert', 'issue', '--agree-tos', '--email', 'ops@example.com', '--json', '--hook', hook, '--challenge', 'dns-01', ...args], onStderr, pollClock);

/** POSTs to a challenge URL: each one tells Pebble to validate. */
const challengePosts = async () => ((await pebble.readLog()).match(/POST \/chalZ\//g) ?? []).length;

const escape = (text: string) => text.replace(/[.[\]]/g, '\\$&');

/**
 * Issues `name` through the hook while the secondary lags: the secondary gets the zone only once
 * acmecli says it is waiting for it. A run that never waits fails the CA's validation instead.
 */
async function issueWithLaggingSecondary(name: string, extra: string[]) {
  const challenge = `_acme-challenge.${name}`;
  let seenWaiting: () => void = () => undefined;
  const waiting = new Promise<'waiting'>((resolve) => (seenWaiting = () => resolve('waiting')));
  let stderr = '';
  const running = issue(['-d', name, '--dns-resolver', lab.primary, '--dns-resolver', lab.secondary, '--out', path.join(work, name), '-v', ...extra], (text) => {
    stderr += text;
    if (stderr.includes(`waiting for TXT ${challenge} on ${lab.secondary}`)) seenWaiting();
  });
  if (await Promise.race([waiting, running.then(() => 'ended' as const)]) === 'waiting') {
    expect(await lab.txt(lab.primary, challenge)).toHaveLength(1);
    expect(await lab.txt(lab.secondary, challenge)).toEqual([]);
    await lab.catchUp();
  }
  return running;
}

describe('--hook dns-01: the propagation check asks every server before the CA looks', () => {
  test('the record reaches the secondary late: acmecli waits for it, then the CA validates', async () => {
    const name = `late-hook.${NAMES_ZONE}`;
    const r = await issueWithLaggingSecondary(name, ['--dns-timeout', '60']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`waiting for TXT _acme-challenge.${name} on ${lab.secondary}`);
    expect(r.json<{ lineages: Array<{ status: string; challenges: unknown[] }> }>().lineages[0]).toMatchObject({ status: 'issued', challenges: [{ type: 'dns-01', solver: 'hook' }] });
    expect(readFileSync(hookLog, 'utf8')).toMatch(new RegExp(`^done dns-01 ${escape(name)}$`, 'm'));
    expect(await challengePosts()).toBeGreaterThan(0);
  });

  test('the record never reaches the secondary: exit 1 naming it (not the primary), and the CA was never asked to look', async () => {
    const postsBefore = await challengePosts();
    const name = `never-hook.${NAMES_ZONE}`;
    // 2 s of the run's clock: the rounds' pauses are recorded and skipped, not spent.
    const clock = virtualClock();
    const r = await issue(['-d', name, '--dns-resolver', lab.primary, '--dns-resolver', lab.secondary, '--dns-timeout', '2', '--out', path.join(work, 'never')], undefined, clock);
    expect(r.code, r.stderr).toBe(1);
    expect(clock.waits).toEqual([250, 500, 1000, 250]);
    expect(r.stderr).toMatch(new RegExp(`TXT _acme-challenge\\.${escape(name)} is not on every authoritative server after 2 s \\(--dns-timeout\\); lacking it: ${escape(lab.secondary)}: no such name \\(NXDOMAIN\\)`));
    expect(r.stderr).not.toContain(`${lab.primary}:`);
    expect(await challengePosts()).toBe(postsBefore);
    // The hook was told the challenge failed, and removed the record.
    expect(readFileSync(hookLog, 'utf8')).toMatch(new RegExp(`^failed dns-01 ${escape(name)}$`, 'm'));
    expect(await lab.txt(lab.primary, `_acme-challenge.${name}`)).toEqual([]);
  });

  test('--no-dns-check is kept with the lineage: the renewal asks the CA at once (and fails, its server lacking the record); --dns-check restores the default', async () => {
    const name = `unchecked-hook.${NAMES_ZONE}`;
    const issued = await issueWithLaggingSecondary(name, []);
    expect(issued.code, issued.stderr).toBe(0);
    expect((await run(['cert', 'show', name])).stdout).toMatch(new RegExp(`^DNS check: +${escape(lab.primary)}, ${escape(lab.secondary)}, 120 s$`, 'm'));

    // A change of settings only: nothing is asked of the CA.
    expect((await run(['cert', 'issue', '--name', name, '--no-dns-check'])).code).toBe(0);
    expect((await run(['cert', 'show', name])).stdout).toMatch(/^DNS check: +off \(--no-dns-check\)$/m);
    // Pebble reuses the valid authorization about 1% of the time even with PEBBLE_AUTHZREUSE=0 (its test is
    // rand.Intn(100) > percent): that renewal rightly succeeds without a challenge and must say so; then again.
    let postsBefore = await challengePosts();
    let renewed = await run(['cert', 'renew', name, '--force']);
    for (let attempt = 0; renewed.code === 0 && attempt < 4; attempt++) {
      expect(renewed.stderr, renewed.stdout + renewed.stderr).toMatch(new RegExp(`${escape(name)}: valid \\(already valid\\)`));
      postsBefore = await challengePosts();
      renewed = await run(['cert', 'renew', name, '--force']);
    }
    expect(renewed.code, renewed.stdout + renewed.stderr).toBe(1);
    expect(renewed.stderr).toMatch(new RegExp(`dns-01 for ${escape(name)} failed: .*unauthorized`));
    expect(renewed.stderr).not.toMatch(/not on every authoritative server|waiting for TXT/);
    expect(await challengePosts()).toBeGreaterThan(postsBefore);

    // Back to the default: on, every name server of the zone (no --dns-resolver left), 120 s.
    expect((await run(['cert', 'issue', '--name', name, '--dns-check', '--dns-resolver', ''])).code).toBe(0);
    expect((await run(['cert', 'show', name])).stdout).toMatch(/^DNS check: +the zone's name servers, 120 s$/m);
  });
});
