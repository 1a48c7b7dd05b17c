import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { NAMES_ZONE, sharedDnsLab, type DnsLab } from '../../support/bind.js';
import { runMain } from '../../support/in-process.js';

// `dns publish` against a real BIND primary: what it writes is read back with dig.
let lab: DnsLab;

beforeAll(async () => {
  lab = await sharedDnsLab();
}, 60_000);
afterAll(async () => lab?.stop());

const name = `shop.${NAMES_ZONE}`;
const owner = `_validation-persist.${name}`;
const account = 'https://ca.example/acme/acct/1';

function nsupdate(commands: string): void {
  const [host, port] = lab.primary.split(':') as [string, string];
  execFileSync('nsupdate', ['-k', lab.keyFile], { input: `server ${host} ${port}\n${commands}\nsend\n` });
}

function dig(type: string, at: string): string[] {
  const [host, port] = lab.primary.split(':') as [string, string];
  return execFileSync('dig', ['+short', '-p', port, `@${host}`, type, at], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).sort();
}

const publish = (extra: string[]) => runMain(['dns', 'publish', name, '--dns', 'rfc2136', '--tsig-key-file', lab.keyFile, '--account-uri', account, '--caa-identity', 'ca.example',
  '--persist-draft', '01', '--wildcard', '--offline', '--ttl', '300', '--json', ...extra], { env: { RFC2136_NAMESERVER: lab.primary } });

describe('dns publish --dns rfc2136', () => {
  test('replaces our stale records, keeps other CAs\' records, and a second run changes nothing', async () => {
    nsupdate([
      `update add ${name}. 300 CAA 0 issue "other-ca.example"`,
      `update add ${name}. 300 CAA 0 issue "ca.example; accounturi=https://ca.example/acme/acct/old"`,
      `update add ${owner}. 300 TXT "other-ca.example; accounturi=https://other-ca.example/a/9"`,
      `update add ${owner}. 300 TXT "ca.example; accounturi=https://ca.example/acme/acct/old"`,
    ].join('\n'));
    const before = { caa: dig('CAA', name), txt: dig('TXT', owner) };

    const dry = await publish(['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = dry.json<{ dryRun: boolean; zones: Array<{ changes: Array<{ action: string; record: string }> }> }>();
    expect(planned.dryRun).toBe(true);
    expect(planned.zones[0]!.changes).toEqual([
      { action: 'delete', record: `${name}. CAA 0 issue "ca.example; accounturi=https://ca.example/acme/acct/old"` },
      { action: 'delete', record: `${owner}. TXT "ca.example; accounturi=https://ca.example/acme/acct/old"` },
      { action: 'add', record: `${name}. 300 CAA 0 issue "ca.example; accounturi=${account}"` },
      { action: 'add', record: `${name}. 300 CAA 0 issuewild "ca.example; accounturi=${account}"` },
      { action: 'add', record: `${owner}. 300 TXT "ca.example; accounturi=${account}; policy=wildcard"` },
    ]);
    expect({ caa: dig('CAA', name), txt: dig('TXT', owner) }).toEqual(before); // --dry-run sent nothing

    const r = await publish([]);
    expect(r.code, r.stderr).toBe(0);
    expect(dig('CAA', name)).toEqual([
      `0 issue "ca.example; accounturi=${account}"`,
      '0 issue "other-ca.example"',
      `0 issuewild "ca.example; accounturi=${account}"`,
    ].sort());
    expect(dig('TXT', owner)).toEqual([
      `"ca.example; accounturi=${account}; policy=wildcard"`,
      '"other-ca.example; accounturi=https://other-ca.example/a/9"',
    ].sort());

    const again = await publish([]);
    expect(again.code, again.stderr).toBe(0);
    const second = again.json<{ zones: Array<{ changes: unknown[]; unchanged: string[]; kept: string[] }> }>().zones[0]!;
    expect(second.changes).toEqual([]);
    expect(second.unchanged).toHaveLength(3);
    expect(second.kept).toHaveLength(2);
  });

  test('the dry run prints nsupdate input that nsupdate accepts', async () => {
    const other = `other.${NAMES_ZONE}`;
    const r = await runMain(['dns', 'publish', other, '--dns', 'rfc2136', '--tsig-key-file', lab.keyFile, '--account-uri', account, '--caa-identity', 'ca.example',
      '--persist-draft', '01', '--offline', '--dry-run'], { env: { RFC2136_NAMESERVER: lab.primary } });
    expect(r.code, r.stderr).toBe(0);
    const script = r.stdout.split('\n').filter((l) => !l.startsWith(';')).join('\n');
    execFileSync('nsupdate', ['-k', lab.keyFile], { input: `${script}\n` });
    expect(dig('CAA', other)).toEqual([`0 issue "ca.example; accounturi=${account}"`]);
  });

  test('providers that only write challenge records are refused', async () => {
    const r = await runMain(['dns', 'publish', name, '--dns', 'exec', '--account-uri', account, '--caa-identity', 'ca.example', '--persist-draft', '01', '--offline']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dns publish writes CAA and TXT records, which only --dns rfc2136 can; "exec" writes only challenge records/);
  });
});
