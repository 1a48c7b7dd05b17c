import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { DELEGATED_NAME, DELEGATION_TARGET, NAMES_ZONE, sharedDnsLab, type DnsLab } from '../../support/bind.js';
import { tempDir } from '../../support/cert-fixtures.js';
import { runMain } from '../../support/in-process.js';
import { sharedPebble, type PebbleInstance } from '../../support/pebble.js';

// lego's exec protocol, with scripts as a lego user writes them: they call nsupdate against the
// same BIND that Pebble validates through.
let lab: DnsLab;
let pebble: PebbleInstance;
let work: string;
let accountKey: string;
let legoScript: string;
let rawScript: string;
let argLog: string;

beforeAll(async () => {
  lab = await sharedDnsLab();
  pebble = await sharedPebble({ dnsServer: lab.recursive, env: { PEBBLE_AUTHZREUSE: '0' } }); // every run must solve its challenges
  work = tempDir('dns-exec');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
  argLog = path.join(work, 'args.log');
  legoScript = path.join(work, 'update-dns.sh');
  // Called as: present|cleanup FQDN. VALUE (lego's default mode).
  writeFileSync(legoScript, `#!/bin/sh
set -e
echo "$*" >> "$ARG_LOG"
case "$1" in present) op=add ;; cleanup) op=delete ;; *) echo "unknown action $1" >&2; exit 2 ;; esac
printf 'server %s %s\\nupdate %s %s 60 TXT "%s"\\nsend\\n' "$DNS_HOST" "$DNS_PORT" "$op" "$2" "$3" | nsupdate -k "$KEY_FILE"
`);
  chmodSync(legoScript, 0o755);
  rawScript = path.join(work, 'update-dns-raw.sh');
  // EXEC_MODE=RAW: present|cleanup -- DOMAIN TOKEN KEY_AUTH; the script computes the record itself.
  writeFileSync(rawScript, `#!/bin/sh
set -e
echo "$*" >> "$ARG_LOG"
[ "$2" = "--" ] || { echo "expected -- as the second argument" >&2; exit 2; }
case "$1" in present) op=add ;; cleanup) op=delete ;; esac
value=$(printf %s "$5" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
printf 'server %s %s\\nupdate %s _acme-challenge.%s. 60 TXT "%s"\\nsend\\n' "$DNS_HOST" "$DNS_PORT" "$op" "$3" "$value" | nsupdate -k "$KEY_FILE"
`);
  chmodSync(rawScript, 0o755);
}, 90_000);
afterAll(async () => {
  await pebble?.stop();
  await lab?.stop();
});

const scriptEnv = (extra: Record<string, string>) => ({
  PATH: process.env.PATH,
  ARG_LOG: argLog,
  DNS_HOST: lab.primary.split(':')[0]!,
  DNS_PORT: lab.primary.split(':')[1]!,
  KEY_FILE: lab.keyFile,
  ...extra,
});

const issue = (args: string[], env: Record<string, string | undefined>) =>
  runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', '--email', 'ops@example.com', '--json', ...args], { env });

describe('cert issue --dns exec (lego-compatible)', () => {
  test('a lego script: called with the CNAME target as FQDN (with lego\'s trailing dot) and the value, then cleanup', async () => {
    writeFileSync(argLog, '');
    const r = await issue(['-d', DELEGATED_NAME, '--dns', 'exec', '--dns-resolver', lab.primary, '--out', path.join(work, 'lego')], scriptEnv({ EXEC_PATH: legoScript }));
    expect(r.code, r.stderr).toBe(0);
    const calls = readFileSync(argLog, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(new RegExp(`^present ${DELEGATION_TARGET.replace(/\./g, '\\.')}\\. [A-Za-z0-9_-]{43}$`));
    expect(calls[1]).toBe(calls[0]!.replace(/^present/, 'cleanup'));
    expect(await lab.txt(lab.primary, DELEGATION_TARGET)).toEqual([]);
  });

  test('EXEC_MODE=RAW: present -- DOMAIN TOKEN KEY_AUTH, for a wildcard and its base name', async () => {
    writeFileSync(argLog, '');
    const name = `raw.${NAMES_ZONE}`;
    const r = await issue(['-d', name, '-d', `*.${name}`, '--dns', 'exec', '--dns-resolver', lab.primary, '--out', path.join(work, 'raw')], scriptEnv({ EXEC_PATH: rawScript, EXEC_MODE: 'RAW' }));
    expect(r.code, r.stderr).toBe(0);
    const calls = readFileSync(argLog, 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('present -- raw.example.test '))).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('cleanup -- raw.example.test '))).toHaveLength(2);
    expect(await lab.txt(lab.primary, `_acme-challenge.${name}`)).toEqual([]);
  });

  test('a script that fails at present: exit 1 with the end of its output, and no secret in its environment', async () => {
    const failing = path.join(work, 'failing.sh');
    writeFileSync(failing, '#!/bin/sh\necho "secret seen: ${RFC2136_TSIG_SECRET:-none}"\necho "API said no" >&2\nexit 3\n');
    chmodSync(failing, 0o755);
    const r = await issue(['-d', `fail.${NAMES_ZONE}`, '--dns', 'exec', '--dns-resolver', lab.primary, '--out', path.join(work, 'fail')],
      { ...scriptEnv({ EXEC_PATH: failing }), RFC2136_TSIG_SECRET: 'c2VjcmV0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EXEC_PATH .*failing\.sh present _acme-challenge\.fail\.example\.test exited with status 3: secret seen: none \| API said no/);
  });

  test('no EXEC_PATH, or one that is not there: a usage error before any order', async () => {
    const none = await issue(['-d', `x.${NAMES_ZONE}`, '--dns', 'exec', '--out', work], { PATH: process.env.PATH });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--dns exec needs EXEC_PATH/);
    const missing = await issue(['-d', `x.${NAMES_ZONE}`, '--dns', 'exec', '--out', work], { PATH: process.env.PATH, EXEC_PATH: '/nonexistent/update.sh' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/EXEC_PATH: \/nonexistent\/update\.sh not found/);
  });
});
