#!/usr/bin/env node
// `npm run demo`: the main job, end to end, against a local Pebble started here.
// Every step runs the single executable dist/acmecli exactly as a person would,
// and prints the command and what it printed. Files land in ./demo-output/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPebble } from '../test/support/pebble.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binary = path.join(root, 'dist', 'acmecli');
const out = path.join(root, 'demo-output');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const pebble = await startPebble();
const env = { ...process.env, ACMECLI_HOME: path.join(out, 'state'), ACMECLI_ACME_URL: pebble.directoryUrl, ACMECLI_CA_FILE: pebble.caFile, ACMECLI_KEY: path.join(out, 'account.pem'), NO_COLOR: '1' };
let failed = false;

function step(title, args) {
  console.log(`\n# ${title}\n$ acmecli ${args.join(' ')}`);
  const r = spawnSync(binary, args, { cwd: out, env, encoding: 'utf8' });
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stdout.write(r.stderr.replace(/^(?=.)/gm, '  (stderr) '));
  if (r.status !== 0) {
    console.log(`  -> exit ${r.status}`);
    failed = true;
    throw new Error(`demo step failed: ${title}`);
  }
  return r.stdout;
}

try {
  console.log(`Pebble is at ${pebble.directoryUrl} (ACMECLI_ACME_URL), trusted through ACMECLI_CA_FILE; the account key is ACMECLI_KEY.`);
  step('Make an account key (0600)', ['key', 'generate', 'ec256', '-o', 'account.pem']);
  step('Create the account', ['account', 'create', 'mailto:demo@example.com', '--agree-tos']);
  step('Show it (the URL is now cached: later commands need no look-up)', ['account', 'show']);
  step('The key thumbprint, for stateless http-01', ['key', 'thumbprint']);
  step('DNS records to paste (Pebble lists no caaIdentities, so the CA identity is given)', ['dns', 'records', 'example.org', '--caa-identity', 'pebble.example', '--wildcard']);
  step('The same, offline, from the cache', ['dns', 'records', 'example.org', '--caa-identity', 'pebble.example', '--offline', '--json']);
  step('A stateless http-01 snippet for nginx', ['dns', 'http-snippet', 'nginx']);
  step('Issue a certificate: the built-in http-01 responder listens where Pebble validates', ['cert', 'issue', '-d', 'demo.example.com', '-d', 'www.demo.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', 'certs', '--name', 'demo', '--deploy-hook', 'ls -l certs']);
  step('What was deployed', ['cert', 'show', 'certs/demo.crt']);
  step('The lineage cert renew will repeat', ['cert', 'list']);
  step('The cron entry: nothing is due, so nothing is sent', ['cert', 'renew', '--all']);
  step('Renew anyway, as after a key compromise', ['cert', 'renew', 'demo', '--force']);
  step('Revoke it, signed with the account key', ['cert', 'revoke', 'certs/demo.crt', '--reason', 'superseded']);
  console.log(`\nDemo finished: files are in ${path.relative(process.cwd(), out) || '.'}/`);
} catch (err) {
  console.error(String(err.message ?? err));
} finally {
  await pebble.stop();
}
process.exitCode = failed ? 1 : 0;
