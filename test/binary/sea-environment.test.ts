import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { distBinary, runCli } from '../support/cli.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';

// What the environment of dist/acmecli may not do: run code in it (NODE_OPTIONS
// --require), open a debugger into it (--inspect), or turn off its TLS checks.
let binary: string;
let work: string;
let pebble: PebbleInstance;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-sea-env-'));
  binary = path.join(work, 'acmecli');
  copyFileSync(distBinary, binary);
  pebble = await sharedPebble();
}, 120_000);
afterAll(async () => pebble?.stop());

const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { cwd: work, env: { PATH: '/usr/bin:/bin', ...env }, bin: 'dist', binaryPath: binary, timeoutMs: 60_000 });

test('the binary ignores NODE_OPTIONS: a --require does not run, --inspect opens no debugger', async () => {
  const marker = path.join(work, 'required-file-ran');
  const evil = path.join(work, 'evil.cjs');
  writeFileSync(evil, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
  const r = await run(['key', 'generate', 'ec256', '-o', 'k.pem'], { NODE_OPTIONS: `--require ${evil} --inspect=127.0.0.1:0` });
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(marker)).toBe(false);
  expect(r.stderr).not.toMatch(/Debugger|inspector/i);
  expect(existsSync(path.join(work, 'k.pem'))).toBe(true);
}, 60_000);

test('NODE_TLS_REJECT_UNAUTHORIZED=0 is refused with one line and exit 2, before any request', async () => {
  // Without --ca-file, Pebble's certificate is untrusted: only the environment could make this "work".
  const args = ['-a', pebble.directoryUrl, '-k', 'k2.pem', 'account', 'create', 'mailto:env@example.com', '--agree-tos'];
  expect((await run(['key', 'generate', 'ec256', '-o', 'k2.pem'])).code).toBe(0);
  const r = await run(args, { NODE_TLS_REJECT_UNAUTHORIZED: '0' });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('acmecli: NODE_TLS_REJECT_UNAUTHORIZED=0 turns off TLS certificate checks; acmecli does not run so (unset it; for a private CA use --ca-file)\n');
  expect(r.stdout).toBe('');
  // The same command with the variable unset meets Pebble's untrusted certificate, as it should.
  const checked = await run(args);
  expect(checked.code).toBe(3);
}, 60_000);

test('NODE_EXTRA_CA_CERTS is not refused (a TLS-inspecting proxy may need it) but named in one warning line on every run', async () => {
  expect((await run(['key', 'generate', 'ec256', '-o', 'k3.pem'])).code).toBe(0);
  // No --ca-file: Pebble's TLS is trusted only through the variable, which is the point of the warning.
  const r = await run(['-a', pebble.directoryUrl, '-k', 'k3.pem', 'account', 'create', 'mailto:extra@example.com', '--agree-tos'], { NODE_EXTRA_CA_CERTS: pebble.caFile });
  expect(r.code, r.stderr).toBe(0);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('NODE_EXTRA_CA_CERTS'));
  expect(warnings).toEqual([`warning: NODE_EXTRA_CA_CERTS=${pebble.caFile} adds the CAs of that file to those trusted for every TLS connection (the CA, the manager, Vault); prefer --ca-file or --manager-ca-file, which trust a CA for one server only`]);
  for (const unseen of [undefined, '/etc/ssl/certs/ca-certificates.crt']) {
    // Unset, or naming the host's own trust store (as this machine's environment does): nothing to say.
    const quiet = await run(['key', 'generate', 'ec256', '-o', `k4-${unseen === undefined ? 'unset' : 'system'}.pem`], { NODE_EXTRA_CA_CERTS: unseen });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  }
}, 60_000);
