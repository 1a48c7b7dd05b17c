import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

import { NAMES_ZONE, sharedDnsLab, type DnsLab } from '../support/bind.js';
import { runCli } from '../support/cli.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';

// The single executable, as a user runs it against their own BIND: only RFC2136_NAMESERVER and a
// key file, no --dns-resolver (the zone is private, so the primary is where it is looked up).
let lab: DnsLab;
let pebble: PebbleInstance;
let work: string;

beforeAll(async () => {
  lab = await sharedDnsLab();
  pebble = await sharedPebble({ dnsServer: lab.recursive, env: { PEBBLE_AUTHZREUSE: '0' } });
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-bin-dns-'));
}, 90_000);
afterAll(async () => {
  await pebble?.stop();
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('dist/acmecli cert issue -d "*.ZONE" -d ZONE --dns rfc2136 --tsig-key-file: issued, and the records are gone', async () => {
  const run = (args: string[]) => runCli(args, { cwd: work, env: { RFC2136_NAMESERVER: lab.primary }, bin: 'dist', timeoutMs: 120_000 });
  expect((await run(['key', 'generate', 'ec256', '-o', 'account.pem'])).code).toBe(0);
  const r = await run(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', 'account.pem', 'cert', 'issue', '-d', `*.bin.${NAMES_ZONE}`, '-d', `bin.${NAMES_ZONE}`,
    '--dns', 'rfc2136', '--tsig-key-file', lab.keyFile, '--out', 'certs', '--agree-tos', '--email', 'ops@example.com']);
  expect(r.code, r.stderr).toBe(0);
  const cert = new X509Certificate(readFileSync(path.join(work, 'certs', `_wildcard.bin.${NAMES_ZONE}.crt`)));
  expect(cert.subjectAltName).toContain(`DNS:*.bin.${NAMES_ZONE}`);
  expect(await lab.txt(lab.primary, `_acme-challenge.bin.${NAMES_ZONE}`)).toEqual([]);
});
