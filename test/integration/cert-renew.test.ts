import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { sharedPebble, startPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { distBinary } from '../support/cli.js';
import { pairMatches, tempDir } from '../support/cert-fixtures.js';

interface RenewJson {
  ok: boolean;
  counts: Record<string, number>;
  lineages: { name: string; status: string; serial?: string; message: string; repaired?: boolean }[];
}

async function setup(pebble: PebbleInstance) {
  const work = tempDir('renew');
  const home = path.join(work, 'home');
  const key = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
  const base = ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key];
  const run = (args: string[], now?: () => Date) => runMain([...base, ...args], { env: { ACMECLI_HOME: home }, ...(now ? { now } : {}) });
  return { work, home, key, base, run };
}

describe('cert renew: a due lineage is renewed and its deploy hook runs', () => {
  let pebble: PebbleInstance;
  // Six-second certificates: the short-lifetime rule renews them between 50 % and 75 % of their life.
  beforeAll(async () => {
    pebble = await startPebble({ config: { certificateValidityPeriod: 6 } });
  });
  afterAll(async () => pebble?.stop());

  test('renewed after it became due, with the hook given the paths and names', async () => {
    const { work, run } = await setup(pebble);
    const hookLog = path.join(work, 'deploy.log');
    const hook = path.join(work, 'deploy.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$ACMECLI_CERT_PATH|$ACMECLI_KEY_PATH|$ACMECLI_CA_PATH|$ACMECLI_DOMAINS|$1" >> '${hookLog}'\n`);
    chmodSync(hook, 0o755);
    const out = path.join(work, 'out');
    const issued = await run(['cert', 'issue', '-d', 'due.example.com', '-d', 'www.due.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out, '--agree-tos', '--deploy-hook', `${hook} issued`, '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const firstSerial = issued.json<RenewJson>().lineages[0]!.serial;

    // The clock is moved, not waited for: at notBefore the lineage is not due; renewal comes between 50 % and
    // 75 % of its six seconds, so 4.6 s after notBefore it is (or the real time, when that is later already).
    const notBefore = new X509Certificate(readFileSync(path.join(out, 'due.example.com.crt'))).validFromDate.getTime();
    const early = await run(['cert', 'renew', '--all', '--json'], () => new Date(notBefore));
    expect(early.code, early.stderr).toBe(0);
    expect(early.json<RenewJson>().lineages[0]!.status).toBe('not-due');

    const renewed = await run(['cert', 'renew', '--all', '--json'], () => new Date(Math.max(Date.now(), notBefore + 4_600)));
    expect(renewed.code, renewed.stderr).toBe(0);
    const outcome = renewed.json<RenewJson>().lineages[0]!;
    expect(outcome.status).toBe('issued');
    expect(outcome.serial).not.toBe(firstSerial);
    expect(pairMatches(path.join(out, 'due.example.com.crt'), path.join(out, 'due.example.com.key'))).toBe(true);
    const calls = readFileSync(hookLog, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe(`${path.join(out, 'due.example.com.crt')}|${path.join(out, 'due.example.com.key')}|${path.join(out, 'due.example.com.ca.crt')}|due.example.com www.due.example.com|issued`);
  });
});

describe('cert renew against a Pebble issuing 5-year certificates', () => {
  let pebble: PebbleInstance;
  beforeAll(async () => {
    // The worker's Pebble: these tests count its log from a before, and never stop it.
    pebble = await sharedPebble();
  });

  test('nothing due: exit 0 and not one request to the CA', async () => {
    const { work, run } = await setup(pebble);
    expect((await run(['cert', 'issue', '-d', 'quiet.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out'), '--agree-tos'])).code).toBe(0);
    const requestsBefore = (await pebble.readLog()).split('\n').length;
    const r = await run(['cert', 'renew', '--all']);
    expect(r.code, r.stderr).toBe(0);
    // Cron mails what is printed: nothing due, nothing printed.
    expect(r.stdout).toBe('');
    expect((await pebble.readLog()).split('\n').length).toBe(requestsBefore);
  });

  test('one lineage failing does not stop the others; the exit status and summary say which', async () => {
    const { work, run } = await setup(pebble);
    const webroot = tempDir('gone');
    expect((await run(['cert', 'issue', '-d', 'good.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out'), '--agree-tos'])).code).toBe(0);
    // Issued through a web server on the validation port that serves the webroot.
    const { serveOn, closeServer } = await import('../support/cert-fixtures.js');
    const server = await serveOn(pebble.httpPort, (p) => {
      const file = path.join(webroot, p);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    });
    try {
      expect((await run(['cert', 'issue', '-d', 'broken.example.com', '--webroot', webroot, '--out', path.join(work, 'out'), '--agree-tos'])).code).toBe(0);
    } finally {
      await closeServer(server);
    }
    rmSync(webroot, { recursive: true, force: true });
    const r = await run(['cert', 'renew', '--all', '--force', '--json']);
    expect(r.code).toBe(1);
    const summary = r.json<RenewJson>();
    expect(summary.counts).toEqual({ issued: 1, failed: 1 });
    expect(summary.lineages.find((l) => l.name === 'broken.example.com')?.message).toMatch(/webroot/i);
    expect(r.stderr).toMatch(/broken\.example\.com/);
  });

  test('the lock: a second run does not touch a lineage another live run holds', async () => {
    const { work, home, run } = await setup(pebble);
    expect((await run(['cert', 'issue', '-d', 'locked.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out'), '--agree-tos'])).code).toBe(0);
    const holder: ChildProcess = spawn('sleep', ['30'], { stdio: 'ignore' });
    const holderGone = new Promise((r) => holder.once('exit', r));
    try {
      writeFileSync(path.join(home, 'lineages', 'locked.example.com', 'lock'), `${holder.pid}\n`);
      const r = await run(['cert', 'renew', 'locked.example.com', '--force', '--json']);
      expect(r.code).toBe(1);
      expect(r.json<RenewJson>().lineages[0]).toMatchObject({ status: 'locked' });
      expect(r.stderr).toMatch(new RegExp(`locked by another acmecli run \\(pid ${holder.pid}\\)`));
    } finally {
      holder.kill('SIGKILL');
    }
    // Once its holder is gone (reaped: no zombie answers kill -0 for it), the lock is stale and the next run goes ahead.
    await holderGone;
    const after = await run(['cert', 'renew', 'locked.example.com', '--force', '--json']);
    expect(after.code, after.stderr).toBe(0);
  });

  test('kill -9 at any moment: the next run leaves a matching certificate and key', async () => {
    const { work, home, key } = await setup(pebble);
    const out = path.join(work, 'out');
    const env = { ACMECLI_HOME: home, ACMECLI_ACME_URL: pebble.directoryUrl, ACMECLI_CA_FILE: pebble.caFile, ACMECLI_KEY: key };
    // Only the killed runs need to be processes; issuing first and checking after each kill is done in-process.
    const first = await runMain(['cert', 'issue', '-d', 'crash.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out, '--agree-tos'], { env });
    expect(first.code, first.stderr).toBe(0);
    const certFile = path.join(out, 'crash.example.com.crt');
    const keyFile = path.join(out, 'crash.example.com.key');
    // Kill a forced renewal at moments spread over its whole run (it takes a few hundred ms).
    for (const delayMs of [5, 20, 40, 60, 80, 100, 120, 140, 170, 200]) {
      const child = spawn(distBinary, ['cert', 'renew', 'crash.example.com', '--force'], { env: { ...process.env, ...env }, stdio: 'ignore' });
      // Listen for the end at once: a fast run may be over before the kill.
      const closed = new Promise((r) => child.once('close', r));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await closed;
      const next = await runMain(['cert', 'renew', 'crash.example.com'], { env });
      expect(next.code, `after a kill at ${delayMs} ms: ${next.stderr}`).toBe(0);
      expect(pairMatches(certFile, keyFile), `after a kill at ${delayMs} ms`).toBe(true);
    }
  });

  test('cron-proof: a relative deploy hook still runs from another folder, without our secrets; rekey moves lineages to the new key', async () => {
    const { work, home, key } = await setup(pebble);
    const hookLog = path.join(work, 'env.log');
    writeFileSync(path.join(work, 'deploy.sh'), `#!/bin/sh\nenv >> '${hookLog}'\necho --- >> '${hookLog}'\n`);
    chmodSync(path.join(work, 'deploy.sh'), 0o755);
    const env = { ACMECLI_HOME: home, ACMECLI_ACME_URL: pebble.directoryUrl, ACMECLI_CA_FILE: pebble.caFile, ACMECLI_EAB_HMAC_KEY: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ' };
    // In-process runs with their own working folder: the relative paths are the subject, not the process.
    const issued = await runMain(['-k', 'account.pem', 'cert', 'issue', '-d', 'cron.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', 'out', '--deploy-hook', './deploy.sh', '--agree-tos'], { env, cwd: work });
    expect(issued.code, issued.stderr).toBe(0);
    const newKey = path.join(work, 'new.pem');
    expect((await runMain(['key', 'generate', 'ec384', '-o', newKey], { env, cwd: work })).code).toBe(0);
    const rekey = await runMain(['-k', key, 'account', 'rekey', newKey, '--json'], { env, cwd: work });
    expect(rekey.code, rekey.stderr).toBe(0);
    expect(JSON.parse(rekey.stdout).lineagesMoved).toEqual(['cron.example.com']);
    const renewed = await runMain(['cert', 'renew', '--all', '--force'], { env, cwd: '/' });
    expect(renewed.code, renewed.stderr).toBe(0);
    const runs = readFileSync(hookLog, 'utf8').split('---\n').filter((r) => r.trim());
    expect(runs).toHaveLength(2);
    expect(runs[1]).toContain(`ACMECLI_CERT_PATH=${path.join(work, 'out', 'cron.example.com.crt')}`);
    expect(readFileSync(hookLog, 'utf8')).not.toContain('ACMECLI_EAB_HMAC_KEY');
  });

  test('a deploy hook that failed runs again on the next run, even when nothing is due', async () => {
    const { work, run } = await setup(pebble);
    const marker = path.join(work, 'hook-may-succeed');
    const hookLog = path.join(work, 'hook.log');
    const hook = path.join(work, 'flaky.sh');
    writeFileSync(hook, `#!/bin/sh\necho run >> '${hookLog}'\n[ -e '${marker}' ] || exit 1\n`);
    chmodSync(hook, 0o755);
    const issued = await run(['cert', 'issue', '-d', 'flaky.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out'), '--agree-tos', '--deploy-hook', hook]);
    expect(issued.code).toBe(1);
    expect(issued.stderr).toMatch(/deploy hook for flaky\.example\.com failed \(exited with status 1\)/);
    writeFileSync(marker, '');
    const next = await run(['cert', 'renew', 'flaky.example.com', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toHaveLength(2);
    // Once it succeeded, it is not run again.
    expect((await run(['cert', 'renew', 'flaky.example.com'])).code).toBe(0);
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  test('a torn write (new key, old certificate) is repaired from the lineage on the next run', async () => {
    const { work, run } = await setup(pebble);
    const out = path.join(work, 'out');
    expect((await run(['cert', 'issue', '-d', 'torn.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', out, '--agree-tos'])).code).toBe(0);
    const keyFile = path.join(out, 'torn.example.com.key');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(pairMatches(path.join(out, 'torn.example.com.crt'), keyFile)).toBe(false);
    const r = await run(['cert', 'renew', 'torn.example.com', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<RenewJson>().lineages[0]).toMatchObject({ status: 'not-due', repaired: true });
    expect(pairMatches(path.join(out, 'torn.example.com.crt'), keyFile)).toBe(true);
  });
});
