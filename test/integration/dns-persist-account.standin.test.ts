// Stand-in: Pebble 2.4 has no ARI / profiles / dns-persist-01 / dns-account-01; test/support/acme-standin.ts serves them and issues through the real Pebble.
import { X509Certificate } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dnsAccountLabel } from '../../src/dns/dns-account.js';
import { startAcmeStandin, type AcmeStandin } from '../support/acme-standin.js';
import { makeTempHome } from '../support/cli.js';
import { runMain } from '../support/in-process.js';
import { virtualClock } from '../support/virtual-clock.js';
import { setTxtRecord, sharedPebble, type PebbleInstance } from '../support/pebble.js';

let pebble: PebbleInstance;
let standin: AcmeStandin;
let work: string;

beforeAll(async () => {
  pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
  standin = await startAcmeStandin({ pebble });
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-standin-dns-'));
});
afterAll(async () => {
  await standin?.stop();
  await pebble?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const ca = () => ['-a', standin.directoryUrl, '--ca-file', standin.caFile];

async function newKey(name: string): Promise<string> {
  const file = path.join(work, `${name}.pem`);
  const r = await runMain(['key', 'generate', 'ec256', '-o', file]);
  expect(r.code, r.stderr).toBe(0);
  return file;
}

/** The owner and the character-strings, joined, of a zone-file TXT line. */
function parseTxtLine(line: string): { owner: string; value: string } {
  const strings = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
  return { owner: line.split(/\s+/)[0]!, value: strings.join('') };
}

interface IssueJson {
  ok: boolean;
  lineages: { name: string; status: string; message: string; files?: { certificate: string }; challenges?: { identifier: string; type: string; solver: string }[] }[];
}

describe('dns-persist-01 (draft-ietf-acme-dns-persist-01 record form)', () => {
  test('the record printed by `dns records` lets `cert issue --dns-persist` succeed', async () => {
    const key = await newKey('persist');
    const home = makeTempHome();
    const env = { ACMECLI_HOME: home };
    const zone = 'persist.example.org';
    const created = await runMain([...ca(), '-k', key, 'account', 'create', '--agree-tos', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const accountUrl = created.json<{ accountUrl: string }>().accountUrl;

    const records = await runMain([...ca(), '-k', key, 'dns', 'records', zone, '--json'], { env });
    expect(records.code, records.stderr).toBe(0);
    const printed = records.json<{ issuerDomain: string; caaIdentities: string[]; zones: { dnsPersist: string[] }[] }>();
    // The issuer domain is the stand-in directory's caaIdentities.
    expect(printed.caaIdentities).toEqual(['standin.example']);
    expect(printed.issuerDomain).toBe('standin.example');
    const txt = parseTxtLine(printed.zones[0]!.dnsPersist[0]!);
    expect(txt.owner).toBe(`_validation-persist.${zone}.`);
    expect(txt.value).toBe(`standin.example; accounturi=${accountUrl}`);
    await setTxtRecord(pebble, txt.owner, txt.value);

    const out = mkdtempSync(path.join(work, 'out-'));
    const ordersBefore = standin.orders.length;
    const issued = await runMain(
      [...ca(), '-k', key, 'cert', 'issue', '-d', zone, '--dns-persist', '--challenge', 'dns-persist-01', '--dns-resolver', pebble.dnsServer, '--out', out, '--agree-tos', '--json'],
      { env },
    );
    expect(issued.code, issued.stderr).toBe(0);
    const outcome = issued.json<IssueJson>().lineages[0]!;
    expect(outcome.status).toBe('issued');
    expect(outcome.challenges).toEqual([{ identifier: zone, type: 'dns-persist-01', solver: 'dns-persist' }]);
    expect(standin.orders.length).toBe(ordersBefore + 1);
    expect(standin.orders.at(-1)).toMatchObject({ account: accountUrl, identifiers: [{ type: 'dns', value: zone }] });
    // The certificate is Pebble's, for the name the stand-in validated.
    const cert = new X509Certificate(readFileSync(outcome.files!.certificate));
    expect(cert.subjectAltName).toBe(`DNS:${zone}`);
    expect(cert.issuer).toMatch(/Pebble/);
  });

  test('the pre-check reads the whole record: another account\'s record, or another CA\'s, is not taken', async () => {
    const key = await newKey('persist-other');
    const zone = 'someone-elses.example.org';
    await setTxtRecord(pebble, `_validation-persist.${zone}`, 'standin.example; accounturi=https://standin.example/acme/acct/not-ours');
    await setTxtRecord(pebble, `_validation-persist.${zone}`, 'other-ca.example; accounturi=https://other-ca.example/acct/1');
    const ordersBefore = standin.orders.length;
    const r = await runMain([...ca(), '-k', key, 'cert', 'issue', '-d', zone, '--dns-persist', '--challenge', 'dns-persist-01', '--dns-resolver', pebble.dnsServer, '--dns-timeout', '1',
      '--out', mkdtempSync(path.join(work, 'out-')), '--agree-tos'], { pollClock: virtualClock() }); // 1 s of a clock that skips its pauses
    // The shared propagation check: a DNS error (exit 1) naming the server, before the CA is asked.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/: a dns-persist-01 record for issuer standin\.example with this account's accounturi \(the last one seen: (accounturi "https:\/\/standin\.example\/acme\/acct\/not-ours" is not this account's|issuer "other-ca\.example" is not one the CA named \(standin\.example\))\)/);
    expect(r.stderr).toContain(`is not on every authoritative server after 1 s (--dns-timeout); lacking it: ${pebble.dnsServer}: only "`);
    expect(standin.orders.length).toBe(ordersBefore + 1);
  });

  test('without the record, issuance fails with a message naming the identifier', async () => {
    const key = await newKey('no-persist');
    const zone = 'unpublished.example.org';
    const out = mkdtempSync(path.join(work, 'out-'));
    const r = await runMain([...ca(), '-k', key, 'cert', 'issue', '-d', zone, '--dns-persist', '--challenge', 'dns-persist-01', '--out', out, '--agree-tos']);
    expect(r.code, r.stderr).toBe(1);
    const lastLine = r.stderr.trim().split('\n').at(-1)!;
    expect(lastLine).toContain(`dns-persist-01 for ${zone} failed`);
    expect(lastLine).toContain(`_validation-persist.${zone}`);
    // The stand-in did look, and said no: the authorization is invalid, not abandoned.
    expect(standin.requests.some((q) => q.method === 'POST' && q.path.startsWith('/chall/'))).toBe(true);
  });

  test('a wildcard needs policy=wildcard in the record', async () => {
    const key = await newKey('wild');
    const home = makeTempHome();
    const env = { ACMECLI_HOME: home };
    const zone = 'wild.example.org';
    expect((await runMain([...ca(), '-k', key, 'account', 'create', '--agree-tos'], { env })).code).toBe(0);
    const plain = await runMain([...ca(), '-k', key, 'dns', 'records', zone, '--json'], { env });
    const plainTxt = parseTxtLine(plain.json<{ zones: { dnsPersist: string[] }[] }>().zones[0]!.dnsPersist[0]!);
    await setTxtRecord(pebble, plainTxt.owner, plainTxt.value);
    const issue = (name: string) => runMain(
      [...ca(), '-k', key, 'cert', 'issue', '-d', `*.${zone}`, '--dns-persist', '--out', mkdtempSync(path.join(work, 'out-')), '--name', name, '--json'],
      { env },
    );
    const refused = await issue('wild-plain');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`*.${zone}`);

    const wild = await runMain([...ca(), '-k', key, 'dns', 'records', zone, '--wildcard', '--json'], { env });
    const wildTxt = parseTxtLine(wild.json<{ zones: { dnsPersist: string[] }[] }>().zones[0]!.dnsPersist[0]!);
    expect(wildTxt.value).toMatch(/; policy=wildcard$/);
    await setTxtRecord(pebble, wildTxt.owner, wildTxt.value);
    const accepted = await issue('wild-policy');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.json<IssueJson>().lineages[0]!.status).toBe('issued');
  });
});

describe('dns-account-01 (draft-ietf-acme-dns-account-label-02) through a hook', () => {
  test('the hook publishes at _<label>._acme-challenge.<domain> and cleans up after', async () => {
    const key = await newKey('account-label');
    const zone = 'label.example.org';
    const hookDir = mkdtempSync(path.join(work, 'hook-'));
    const hook = path.join(hookDir, 'challtestsrv-hook.sh');
    const log = path.join(hookDir, 'calls.log');
    writeFileSync(hook, [
      '#!/bin/sh',
      '# uacme-style hook: METHOD TYPE IDENT TOKEN AUTH; publishes ACMECLI_TXT_NAME on pebble-challtestsrv.',
      'set -e',
      'echo "$1 $ACMECLI_TXT_NAME $ACMECLI_TXT_VALUE" >> "$HOOK_LOG"',
      'case "$1" in',
      '  begin) curl -fsS -X POST -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\",\\"value\\":\\"$ACMECLI_TXT_VALUE\\"}" "$CHALLTESTSRV/set-txt" ;;',
      '  done|failed) curl -fsS -X POST -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\"}" "$CHALLTESTSRV/clear-txt" ;;',
      'esac',
      '',
    ].join('\n'));
    chmodSync(hook, 0o755);

    const out = mkdtempSync(path.join(work, 'out-'));
    const r = await runMain(
      [...ca(), '-k', key, 'cert', 'issue', '-d', zone, '--hook', hook, '--challenge', 'dns-account-01', '--dns-resolver', pebble.dnsServer, '--out', out, '--agree-tos', '--json'],
      { env: { CHALLTESTSRV: pebble.challTestSrvUrl, HOOK_LOG: log } },
    );
    expect(r.code, r.stderr).toBe(0);
    const outcome = r.json<IssueJson>().lineages[0]!;
    expect(outcome.status).toBe('issued');
    expect(outcome.challenges).toEqual([{ identifier: zone, type: 'dns-account-01', solver: 'hook' }]);

    const accountUrl = String(standin.orders.at(-1)!.account);
    const expectedName = `_${dnsAccountLabel(accountUrl)}._acme-challenge.${zone}`;
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split(' '));
    expect(calls.map((c) => c[0])).toEqual(['begin', 'done']);
    expect(calls[0]![1]).toBe(expectedName);
    expect(calls[0]![2]).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // done removed the record again.
    const resolver = new Resolver({ timeout: 1_000, tries: 1 });
    resolver.setServers([pebble.dnsServer]);
    const left = await resolver.resolveTxt(expectedName).catch(() => []);
    expect(left).toEqual([]);
  });
});
