import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { COMMAND_GROUPS } from '../../src/entry/command-groups.js';
import { distBinary, repoRoot, runCli } from '../support/cli.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';

// The single executable, copied away from the repository so it cannot lean on
// node_modules, run with a PATH that has no node on it.
let binary: string;
let work: string;
let pebble: PebbleInstance;
const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-sea-'));
  binary = path.join(work, 'acmecli');
  copyFileSync(distBinary, binary);
  pebble = await sharedPebble();
});
afterAll(async () => pebble?.stop());

const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { cwd: work, env: { PATH: '/usr/bin:/bin', ...env }, bin: 'dist', binaryPath: binary });

test('dist/acmecli is one executable and prints its version', async () => {
  expect(statSync(binary).mode & 0o111).not.toBe(0);
  const r = await run(['--version']);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(version);
});

test('the program starts from its trained code cache, which V8 accepts (a refused one would compile everything again)', async () => {
  const r = await run(['-k', 'missing.pem', 'key', 'thumbprint'], { ACMECLI_SEA_CODE_CACHE: '1' });
  expect(r.stderr.split('\n')[0]).toBe('code cache accepted (acmecli-key.js)');
  expect(r.code).toBe(1);
});

test('each command group runs from its own program and code cache; --help, completion and a mistyped group from the whole program', async () => {
  // The executable carries one program per group (scripts/build-sea.mjs), so `key thumbprint` does not
  // read and deserialise the certificate and agent code; what names no group plainly needs every command.
  for (const group of COMMAND_GROUPS) {
    const r = await run([group, '--help'], { ACMECLI_SEA_CODE_CACHE: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`code cache accepted (${group === 'completion' ? 'acmecli.js' : `acmecli-${group}.js`})\n`);
    expect(r.stdout).toMatch(new RegExp(`^Usage: acmecli ${group} `));
  }
  const help = await run(['--help'], { ACMECLI_SEA_CODE_CACHE: '1' });
  expect(help.stderr).toBe('code cache accepted (acmecli.js)\n');
  for (const group of COMMAND_GROUPS) expect(help.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
  const mistyped = await run(['-k', 'k.pem', 'kye', 'thumbprint'], { ACMECLI_SEA_CODE_CACHE: '1' });
  expect([mistyped.code, mistyped.stderr]).toEqual([2, "code cache accepted (acmecli.js)\nacmecli: unknown command 'kye' (Did you mean key?) (see --help)\n"]);
});

test('--version is answered before the program loads, under the same environment rules as every run', async () => {
  // The loader answers alone (src/entry/sea-loader.ts): it never compiles the program, so it says nothing of its cache.
  const quick = await run(['--version'], { ACMECLI_SEA_CODE_CACHE: '1' });
  expect([quick.code, quick.stdout, quick.stderr]).toEqual([0, `${version}\n`, '']);
  const refused = await run(['-V'], { NODE_TLS_REJECT_UNAUTHORIZED: '0' });
  expect(refused.code).toBe(2);
  expect(refused.stdout).toBe('');
  expect(refused.stderr).toMatch(/^acmecli: NODE_TLS_REJECT_UNAUTHORIZED=0 turns off TLS certificate checks/);
  const warned = await run(['--version'], { NODE_EXTRA_CA_CERTS: path.join(work, 'extra-ca.pem') });
  expect(warned.code).toBe(0);
  expect(warned.stdout).toBe(`${version}\n`);
  expect(warned.stderr.match(/^warning: NODE_EXTRA_CA_CERTS=/gm)).toHaveLength(1);
  // Anything else runs the program, which prints its own answer.
  const long = await run(['version'], { ACMECLI_SEA_CODE_CACHE: '1' });
  expect(long.code).toBe(0);
  expect(long.stdout.startsWith(`acmecli ${version}\n`)).toBe(true);
  expect(long.stderr).toBe('code cache accepted (acmecli-version.js)\n');
});

test('offline key commands work from the binary alone', async () => {
  const gen = await run(['key', 'generate', 'ec384', '-o', 'account.pem', '--json']);
  expect(gen.code, gen.stderr).toBe(0);
  expect(statSync(path.join(work, 'account.pem')).mode & 0o777).toBe(0o600);
  const thumb = await run(['-k', 'account.pem', 'key', 'thumbprint', '--json']);
  expect(thumb.code, thumb.stderr).toBe(0);
  expect(JSON.parse(thumb.stdout).thumbprint).toBe(JSON.parse(gen.stdout).thumbprint);
  const bad = await run(['-k', 'missing.pem', 'key', 'thumbprint']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toBe('acmecli: cannot read key missing.pem: no such file or folder\n');
});

test('an online command against Pebble: account create, then show', async () => {
  const args = ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', 'account.pem'];
  const home = mkdtempSync(path.join(tmpdir(), 'acmecli-sea-home-'));
  const created = await run([...args, 'account', 'create', 'mailto:sea@example.com', '--agree-tos', '--json'], { ACMECLI_HOME: home });
  expect(created.code, created.stderr).toBe(0);
  const accountUrl = JSON.parse(created.stdout).accountUrl as string;
  const shown = await run([...args, 'account', 'show'], { ACMECLI_HOME: home });
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(`Account URI: ${accountUrl}`);
});

test('a closed stdout pipe is not an error', async () => {
  const r = await runCli(['--help'], { cwd: work, bin: 'dist', binaryPath: binary, closeStdoutEarly: true });
  expect(r.stderr).not.toMatch(/EPIPE/);
  expect(r.code).toBe(0);
});

test('acmecli version (and --version --verbose) says what was built and what runs it, for bug reports', async () => {
  const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const r = await run(['version', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout) as Record<string, string>;
  expect(info.version).toBe(version);
  expect(info.commit).toMatch(new RegExp(`^${head}(-dirty)?$`));
  expect(info.buildDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // The Node inside the executable (PATH has none), not the one running the tests by accident.
  expect(info.node).toMatch(/^v24\./);
  expect(info.platform).toBe(`${process.platform}-${process.arch}`);
  expect(info.openssl).toMatch(/^\d+\.\d+\.\d+/);
  const verbose = await run(['--version', '--verbose']);
  expect(verbose.code).toBe(0);
  expect(verbose.stdout).toBe([`acmecli ${version}`, `commit:     ${info.commit}`, `built:      ${info.buildDate}`, `node:       ${info.node}`, `platform:   ${info.platform}`, `openssl:    ${info.openssl}`, ''].join('\n'));
});

test('on a terminal, warnings are coloured (acmecli decides colour itself; the build removed only the colour detection inside chalk)', () => {
  const key = path.join(work, 'colour.pem');
  expect((spawnSync(binary, ['key', 'generate', 'ec256', '-o', key], { env: { PATH: '/usr/bin:/bin' } })).status).toBe(0);
  const line = [binary, '-k', key, 'dns', 'records', 'example.org', '--account-uri', 'https://acme.example/acct/1', '--offline'].map((a) => `'${a}'`).join(' ');
  // util-linux `script` gives the command a pseudo-terminal; stdout goes to /dev/null, stderr to the terminal.
  const onTerminal = (env: Record<string, string>) => spawnSync('script', ['-q', '-e', '-c', `${line} >/dev/null`, '/dev/null'], { encoding: 'latin1', env: { PATH: '/usr/bin:/bin', HOME: work, TERM: 'xterm', ...env } });
  const coloured = onTerminal({});
  expect(coloured.status, coloured.stderr).toBe(0);
  expect(coloured.stdout).toContain('\u001b[33mwarning:\u001b[39m the CA\'s directory lists no caaIdentities');
  const plain = onTerminal({ NO_COLOR: '1' });
  expect(plain.stdout).toContain('warning: the CA\'s directory lists no caaIdentities');
  expect(plain.stdout).not.toContain('\u001b[');
});
