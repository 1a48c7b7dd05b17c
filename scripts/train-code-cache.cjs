#!/usr/bin/env node
// Makes the V8 code cache the single executable starts with (scripts/sea-loader.cjs):
//
//   node scripts/train-code-cache.cjs BUNDLE SOURCE_OUT CACHE_OUT FILENAME [GROUP]
//
// BUNDLE is dist/acmecli.cjs (or a one-group program, dist/groups/acmecli-GROUP.cjs: then only the
// command lines of that GROUP below run), whose entry exports `done`, the promise of run(). FILENAME is
// the SEA asset's name, which the loader gives the script (stack traces name it). BUNDLE is wrapped as a
// CommonJS function (SOURCE_OUT, the SEA asset the loader compiles: the cache only fits the exact
// source it was made from), compiled once, and run in this process for a few typical command lines
// (below), all offline or against a closed loopback port. V8 keeps the bytecode of every function they
// ran on the script's shared function infos, so the cache made afterwards (CACHE_OUT) holds those
// functions as well as the top-level code; Node's own SEA code cache (useCodeCache) holds the top-level
// code only. The commands run in a temporary folder, with ACMECLI_HOME there and every other ACMECLI_*
// variable removed; their output is dropped. Must run under the Node the executable embeds: V8 refuses
// a cache made by another version or with other flags.
// Any failure prints one line and exits 1.
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

/**
 * Command lines that load and run what most runs need: commander and --help, keys, dns, the state, and
 * an issue up to its first request; each with the group whose program runs it (null: the whole program
 * only). `key generate` comes first in every program that uses k.pem.
 */
function trainingCommands(closedPort) {
  const keygen = ['key', 'generate', 'ec256', '-o', 'k.pem'];
  return [
    [null, ['--help']],
    ['key', keygen],
    ['key', ['-k', 'k.pem', 'key', 'thumbprint']],
    ['dns', keygen],
    ['dns', ['-k', 'k.pem', 'dns', 'records', 'example.org', '--account-uri', 'https://acme.example/acct/1', '--caa-identity', 'letsencrypt.org', '--offline']],
    ['cert', ['cert', 'issue', '--help']],
    ['cert', ['cert', 'list']],
    ['cert', ['--json', 'cert', 'list']],
    ['cert', keygen],
    ['cert', ['-a', `https://127.0.0.1:${closedPort}/dir`, '-k', 'k.pem', 'cert', 'issue', '-d', 'example.org', '--http-standalone', '127.0.0.1:0', '--out', 'out']],
    ['account', keygen],
    ['account', ['-a', `https://127.0.0.1:${closedPort}/dir`, '-k', 'k.pem', 'account', 'create', '--agree-tos']],
    ['manager', ['manager', '--help']],
    ['agent', ['agent', '--help']],
    ['version', ['version']],
  ];
}

async function closedLoopbackPort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function main() {
  const [bundlePath, sourceOut, cacheOut, filename, group] = process.argv.slice(2);
  if (!filename) throw new Error('usage: train-code-cache.cjs BUNDLE SOURCE_OUT CACHE_OUT FILENAME [GROUP]');
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundlePath, 'utf8')}\n})`;
  writeFileSync(sourceOut, source);
  const script = new Script(source, { filename });
  const bundleFunction = script.runInThisContext();

  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-code-cache-'));
  const cwd = process.cwd();
  const argv = process.argv;
  const { write: stdoutWrite } = process.stdout;
  const { write: stderrWrite } = process.stderr;
  for (const name of Object.keys(process.env)) if (name.startsWith('ACMECLI_') || name.startsWith('NODE_')) delete process.env[name];
  process.env.ACMECLI_HOME = path.join(dir, 'home');
  process.env.NO_COLOR = '1';
  try {
    process.chdir(dir);
    // The whole program runs every command line once (key generate once, though listed per group).
    const all = trainingCommands(await closedLoopbackPort());
    const lines = group ? all.filter(([g]) => g === group).map(([, args]) => args) : [...new Map(all.map(([, args]) => [args.join(' '), args])).values()];
    if (lines.length === 0) throw new Error(`no training command line for the group ${group}`);
    for (const args of lines) {
      process.argv = [argv[0], filename, ...args];
      process.stdout.write = process.stderr.write = (_chunk, encoding, callback) => {
        (typeof encoding === 'function' ? encoding : callback)?.();
        return true;
      };
      try {
        const bundle = { exports: {} };
        bundleFunction(bundle.exports, require, bundle, filename, dir);
        await bundle.exports.done;
      } finally {
        process.stdout.write = stdoutWrite;
        process.stderr.write = stderrWrite;
      }
    }
  } finally {
    process.argv = argv;
    process.exitCode = 0;
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
  // run() turns on --expose-gc (src/entry/run.ts) after the script is compiled; V8 stamps a cache with the
  // flags in force when it is made and refuses it under others, so the cache is made under the start-up ones.
  setFlagsFromString('--no-expose-gc');
  writeFileSync(cacheOut, script.createCachedData());
}

main().catch((error) => {
  process.stderr.write(`train-code-cache: ${String(error?.message ?? error).split('\n')[0]}\n`);
  process.exit(1);
});
