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
// variable (and the proxy variables) removed; their output is dropped. Must run under the Node the executable embeds: V8 refuses
// a cache made by another version or with other flags.
// Any failure prints one line and exits 1.
'use strict';
const { generateKeyPairSync } = require('node:crypto');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

/**
 * Command lines that load and run what most runs need: commander and --help, keys, dns, the state, an
 * issue up to its first request, and a whole issue against the scripted CA; each with the group whose program runs it (null: the whole program
 * only). k.pem is made beforehand; `key generate -o k.pem` is the key group's (it replaces it).
 */
function trainingCommands(closedPort, scriptedCaUrl) {
  const issue = ['-a', scriptedCaUrl, '--allow-http', '-k', 'k.pem', 'cert', 'issue', '--agree-tos', '-d', 'example.org', '--http-standalone', '127.0.0.1:0', '--out', 'out'];
  const keygen = ['key', 'generate', 'ec256', '-o', 'k.pem', '--force'];
  return [
    [null, ['--help']],
    ['key', keygen],
    ['key', ['-k', 'k.pem', 'key', 'thumbprint']],
    ['dns', ['-k', 'k.pem', 'dns', 'records', 'example.org', '--account-uri', 'https://acme.example/acct/1', '--caa-identity', 'letsencrypt.org', '--offline']],
    ['cert', ['cert', 'issue', '--help']],
    ['cert', ['cert', 'list']],
    ['cert', ['--json', 'cert', 'list']],
    ['cert', ['-a', `https://127.0.0.1:${closedPort}/dir`, '-k', 'k.pem', 'cert', 'issue', '-d', 'example.org', '--http-standalone', '127.0.0.1:0', '--out', 'out']],
    // The whole flow, twice: the account is made by the first and found by the second, as in a cron run.
    ['cert', issue],
    ['cert', issue],
    ['account', ['-a', `https://127.0.0.1:${closedPort}/dir`, '-k', 'k.pem', 'account', 'create', '--agree-tos']],
    ['manager', ['manager', '--help']],
    ['agent', ['agent', '--help']],
    ['version', ['version']],
  ];
}

/**
 * A scripted CA on a loopback port (plain http: the training runs use --allow-http), so that `cert issue`
 * runs its whole flow while the cache is trained: account, order, authorization, challenge, polls,
 * finalize, download. It answers what the protocol asks in the shape RFC 8555 gives and checks nothing
 * (no signature, no validation: every challenge is valid once answered); the certificate it returns is
 * not one, so each run ends in the issued-certificate check's refusal, which is trained too.
 * Training only: nothing of it is in the executable.
 */
async function startScriptedCa() {
  const { createServer: createHttpServer } = require('node:http');
  let nonce = 0;
  let answered = false;
  const server = createHttpServer((req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let payload = {};
      try {
        const jws = JSON.parse(body || '{}');
        payload = jws.payload ? JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) : {};
      } catch {
        payload = {};
      }
      const identifiers = () => (scripted.identifiers ??= payload.identifiers ?? [{ type: 'dns', value: 'example.org' }]);
      const order = (status) => ({
        status, expires: new Date(Date.now() + 86_400_000).toISOString(), identifiers: identifiers(),
        authorizations: identifiers().map((_, i) => `${base}/authz/${i}`), finalize: `${base}/finalize/1`,
        ...(status === 'valid' ? { certificate: `${base}/cert/1` } : {}),
      });
      const send = (status, json, headers = {}) => {
        res.writeHead(status, { 'replay-nonce': `nonce-${++nonce}`, 'content-type': typeof json === 'string' ? 'application/pem-certificate-chain' : 'application/json', ...headers });
        res.end(typeof json === 'string' ? json : JSON.stringify(json));
      };
      const [, kind, id] = req.url.split('/');
      switch (kind) {
        case 'dir': return send(200, { newNonce: `${base}/nonce`, newAccount: `${base}/new-acct`, newOrder: `${base}/new-order`, revokeCert: `${base}/revoke`, keyChange: `${base}/key-change`, meta: { termsOfService: `${base}/terms` } });
        case 'nonce': return send(req.method === 'HEAD' ? 200 : 204, '');
        case 'new-acct': return send(payload.onlyReturnExisting ? 200 : 201, { status: 'valid', contact: payload.contact ?? [], orders: `${base}/orders` }, { location: `${base}/acct/1` });
        case 'new-order': scripted.identifiers = undefined; answered = false; return send(201, order('pending'), { location: `${base}/order/1` });
        case 'authz': {
          const identifier = identifiers()[Number(id)] ?? identifiers()[0];
          const challenge = { type: 'http-01', url: `${base}/chall/${id}`, token: 'tRaInInGtOkEn0123456789-_abcdefghijklmnopq', status: answered ? 'valid' : 'pending' };
          return send(200, { status: answered ? 'valid' : 'pending', expires: new Date(Date.now() + 86_400_000).toISOString(), identifier, challenges: [challenge] });
        }
        case 'chall': answered = true; return send(200, { type: 'http-01', url: `${base}/chall/${id}`, token: 'tRaInInGtOkEn0123456789-_abcdefghijklmnopq', status: 'processing' });
        case 'finalize': return send(200, order('processing'), { location: `${base}/order/1`, 'retry-after': '0' });
        case 'order': return send(200, order('valid'));
        case 'cert': return send(200, '-----BEGIN CERTIFICATE-----\nTUlJ\n-----END CERTIFICATE-----\n');
        default: return send(404, { type: 'urn:ietf:params:acme:error:malformed', detail: 'not scripted' });
      }
    });
  });
  const scripted = { identifiers: undefined };
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/dir`, close: () => new Promise((resolve) => server.close(resolve)) };
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
  let scriptedCa;
  const cwd = process.cwd();
  const argv = process.argv;
  const { write: stdoutWrite } = process.stdout;
  const { write: stderrWrite } = process.stderr;
  // Nor a proxy of the builder's (HTTPS_PROXY, HTTP_PROXY, either case): it would take the scripted CA's loopback
  // requests off the machine, and the cache would depend on whether they got there.
  for (const name of Object.keys(process.env)) if (name.startsWith('ACMECLI_') || name.startsWith('NODE_') || /^(?:https?|no|all)_proxy$/i.test(name)) delete process.env[name];
  process.env.ACMECLI_HOME = path.join(dir, 'home');
  process.env.NO_COLOR = '1';
  try {
    process.chdir(dir);
    // The account key the command lines use: made here, since `key generate` belongs to the key group's program only.
    writeFileSync(path.join(dir, 'k.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // The whole program runs every command line once (key generate once, though listed per group).
    scriptedCa = await startScriptedCa();
    const all = trainingCommands(await closedLoopbackPort(), scriptedCa.url);
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
    await scriptedCa?.close();
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
