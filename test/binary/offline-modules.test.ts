import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { groupRunAlone, programAsset } from '../../src/entry/command-groups.js';
import { repoRoot } from '../support/cli.js';

// Offline commands start near a bare Node (issue 14) only if they leave the network side alone: the
// ACME client, the transport and the solvers load TLS and HTTP, most of what a start-up evaluates.
// Each command runs the program the single executable evaluates for it (its group's, dist/groups/),
// under plain Node with a preload that records which of Node's own modules the run loaded.
// node:net too (sockets and c-ares, about 4.6 ms of CPU): `dns records` tells IP addresses from names
// without it (src/net/ip-address.ts).
const NETWORK_MODULES = ['net', 'tls', 'http', 'https', 'http2', '_http_client', '_http_server'];
// Nor what only other commands need: child processes (commander loads node:child_process for
// executable subcommands; the build gives it the module on first use) and node:v8 (--expose-gc, for
// the agent daemon alone); nor node:tty for chalk's own colour detection, which acmecli never uses
// (src/cli/output.ts decides; stdout and stderr here are not terminals, so nothing else needs tty).
// Nor readline/promises, which only a question on the terminal needs (src/cli/terminal-question.ts).
// And no node:fs/promises (it loads readline's interface, os and the REPL's history): these runs read
// with node:fs, which Node has loaded anyway, and the build hands our modules fs/promises on first call.
const OTHER_COMMANDS_MODULES = ['child_process', 'dgram', 'v8', 'tty', 'readline/promises', 'fs/promises'];

let work: string;
let home: string;
let preload: string;
let closedPort: number;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-offline-modules-'));
  home = path.join(work, 'home');
  mkdirSync(home, { mode: 0o700 });
  preload = path.join(work, 'record-modules.cjs');
  writeFileSync(preload, [
    "'use strict';",
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify({",
    '  modules: process.moduleLoadList,',
    // What the agent daemon reads to collect after each cycle (src/agent/daemon.ts).
    "  gc: require('node:vm').runInNewContext('typeof gc'),",
    '})));',
  ].join('\n'));
  run(['key', 'generate', 'ec256', '-o', 'k.pem']);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the program with these arguments; returns the names of Node's modules it loaded, and whether gc() was exposed. */
function run(args: string[]): { loaded: string[]; gc: string } {
  const out = path.join(work, 'modules.json');
  // stderr to a file, as a terminal or /dev/null would be: a pipe there makes Node load node:net for it.
  const stderrFile = path.join(work, 'stderr.txt');
  const stderr = openSync(stderrFile, 'w');
  const group = groupRunAlone(args);
  const program = group === undefined ? path.join(repoRoot, 'dist', 'acmecli.cjs') : path.join(repoRoot, 'dist', 'groups', programAsset(group).replace(/\.js$/, '.cjs'));
  try {
    execFileSync(process.execPath, ['--require', preload, program, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH, ACMECLI_HOME: home, NO_COLOR: '1', MODULES_OUT: out },
      stdio: ['ignore', 'ignore', stderr],
    });
  } catch (error) {
    throw new Error(`${args.join(' ')} failed: ${readFileSync(stderrFile, 'utf8').trim()}`, { cause: error });
  } finally {
    closeSync(stderr);
  }
  return recorded();
}

function recorded(): { loaded: string[]; gc: string } {
  const { modules, gc } = JSON.parse(readFileSync(path.join(work, 'modules.json'), 'utf8')) as { modules: string[]; gc: string };
  return { loaded: modules.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)), gc };
}

test.each([
  ['key thumbprint', ['-k', 'k.pem', 'key', 'thumbprint']],
  ['dns records --offline', ['-k', 'k.pem', 'dns', 'records', 'example.org', '--account-uri', 'https://acme.example/acct/1', '--offline']],
  ['cert list', ['cert', 'list']],
])('%s loads no network module, nor what only other commands need', (_what, args) => {
  const { loaded, gc } = run(args);
  expect(loaded).toContain('internal/fs/sync_write_stream'); // the preload saw the run (its output went to a file)
  expect(loaded.filter((m) => NETWORK_MODULES.includes(m) || OTHER_COMMANDS_MODULES.includes(m))).toEqual([]);
  expect(gc).toBe('undefined');
});

test('cert list loads no node:crypto: it neither hashes nor signs (the build requires crypto on first call)', () => {
  expect(run(['cert', 'list']).loaded.filter((m) => m === 'crypto' || m.startsWith('internal/crypto/'))).toEqual([]);
  expect(run(['-k', 'k.pem', 'key', 'thumbprint']).loaded).toContain('crypto'); // what the filter looks for is real
});

test('the agent, and the whole program (which may run it), expose gc() to the daemon', () => {
  expect(run(['agent', '--help']).gc).toBe('function');
  expect(run(['--help']).gc).toBe('function');
});

test('an online command does load them (what the preload records is real)', () => {
  // A closed loopback port: the command fails once it tries to connect, after the transport loaded.
  expect(() => run(['-a', `https://127.0.0.1:${closedPort}/dir`, '-k', 'k.pem', 'account', 'show'])).toThrow();
  expect(recorded().loaded).toEqual(expect.arrayContaining(['tls', 'net']));
});
