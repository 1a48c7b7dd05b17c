import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startHostileAcmeProxy, type HostileAcmeProxy } from '../support/hostile-acme-proxy.js';
import { startNodeExporter, type NodeExporter } from '../support/node-exporter.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

/** The failure hook writes each call's environment as one JSON line. */
function writeFailureHook(dir: string): { path: string; calls: () => Record<string, string>[] } {
  const log = path.join(dir, 'failure.log');
  const hook = path.join(dir, 'failure-hook.sh');
  const vars = ['ACMECLI_LINEAGE', 'ACMECLI_DOMAINS', 'ACMECLI_RESULT', 'ACMECLI_ERROR_TYPE', 'ACMECLI_ERROR_DETAIL', 'ACMECLI_ATTEMPTS', 'ACMECLI_DAYS_LEFT', 'ACMECLI_LAST_SUCCESS', 'ACMECLI_PRIMARY_ACME_URL', 'ACMECLI_FALLBACK_ACME_URL', 'ACMECLI_EAB_HMAC_KEY'];
  writeFileSync(hook, `#!/usr/bin/env node\nconst names = ${JSON.stringify(vars)};\nrequire('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(Object.fromEntries(names.map((n) => [n, process.env[n] ?? null]))) + '\\n');\n`);
  chmodSync(hook, 0o755);
  return { path: hook, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>) : []) };
}

/** The samples of one metric family in a scrape, by lineage label. */
function samples(text: string, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^${name}\\{[^}]*lineage="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))) found[match[1]!] = Number(match[2]);
  return found;
}

describe('a failing renewal says so: the failure hook, the metrics file through node_exporter, cert list --expiring', () => {
  let pebble: PebbleInstance;
  let proxy: HostileAcmeProxy;
  let exporter: NodeExporter;
  beforeAll(async () => {
    // Validation is not what these tests are about: no responder port that another test file could take first.
    pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
    proxy = await startHostileAcmeProxy(pebble);
    exporter = await startNodeExporter();
  });
  afterAll(async () => {
    await exporter?.stop();
    await proxy?.stop();
    await pebble?.stop();
  });

  test('the hook runs once per failed run with the documented environment; metrics count the failures; a success resets both', async () => {
    const work = tempDir('alerts');
    const key = path.join(work, 'account.pem');
    expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
    const env = { ACMECLI_HOME: path.join(work, 'home'), ACMECLI_EAB_HMAC_KEY: 'a-secret-that-no-hook-may-see' };
    const run = (args: string[]) => runMain(['-a', proxy.directoryUrl, '--ca-file', proxy.caFile, '-k', key, ...args], { env });
    const hook = writeFailureHook(work);
    const metrics = path.join(exporter.textfileDir, 'acmecli.prom');

    const issued = await run(['cert', 'issue', '-d', 'alert.example.com', '--http-stateless', '--out', path.join(work, 'out'), '--agree-tos', '--failure-hook', hook.path]);
    expect(issued.code, issued.stderr).toBe(0);
    expect(hook.calls()).toEqual([]);

    // The CA falls over: every new order is a 500 serverInternal problem.
    proxy.rewrite('newOrder', (ex) => {
      ex.status = 500;
      ex.headers['content-type'] = 'application/problem+json';
      ex.json = { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'stand-in outage\u001b[2J', status: 500 };
    });
    for (const attempt of [1, 2]) {
      const failed = await run(['cert', 'renew', '--all', '--force', '--metrics-file', metrics, '--json']);
      expect(failed.code).toBe(1);
      expect(failed.json<{ lineages: { consecutiveFailures: number }[] }>().lineages[0]!.consecutiveFailures).toBe(attempt);
      const calls = hook.calls();
      expect(calls).toHaveLength(attempt);
      const call = calls[attempt - 1]!;
      expect(call).toMatchObject({
        ACMECLI_LINEAGE: 'alert.example.com',
        ACMECLI_DOMAINS: 'alert.example.com',
        ACMECLI_RESULT: 'failed',
        ACMECLI_ERROR_TYPE: 'urn:ietf:params:acme:error:serverInternal',
        ACMECLI_ATTEMPTS: String(attempt),
        ACMECLI_PRIMARY_ACME_URL: proxy.directoryUrl,
        ACMECLI_FALLBACK_ACME_URL: '',
        ACMECLI_EAB_HMAC_KEY: null,
      });
      expect(call.ACMECLI_ERROR_DETAIL).toContain('stand-in outage');
      expect(call.ACMECLI_ERROR_DETAIL).not.toContain('\u001b');
      expect(Number(call.ACMECLI_DAYS_LEFT)).toBeGreaterThan(300); // Pebble issues 5-year certificates
      expect(Date.parse(call.ACMECLI_LAST_SUCCESS!)).toBeGreaterThan(0);

      const scraped = await exporter.scrape();
      expect(scraped).toMatch(/^node_textfile_scrape_error 0$/m);
      expect(samples(scraped, 'acmecli_renewal_consecutive_failures')).toEqual({ 'alert.example.com': attempt });
      expect(samples(scraped, 'acmecli_renewal_last_attempt_success')).toEqual({ 'alert.example.com': 0 });
      expect(samples(scraped, 'acmecli_certificate_expiry_timestamp_seconds')['alert.example.com']).toBeGreaterThan(Date.now() / 1000);
    }

    proxy.clearRules();
    const recovered = await run(['cert', 'renew', '--all', '--force', '--metrics-file', metrics]);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(hook.calls()).toHaveLength(2);
    const scraped = await exporter.scrape();
    expect(scraped).toMatch(/^node_textfile_scrape_error 0$/m);
    expect(samples(scraped, 'acmecli_renewal_consecutive_failures')).toEqual({ 'alert.example.com': 0 });
    expect(samples(scraped, 'acmecli_renewal_last_attempt_success')).toEqual({ 'alert.example.com': 1 });
    expect(samples(scraped, 'acmecli_renewal_last_success_timestamp_seconds')['alert.example.com']).toBeGreaterThan(Date.now() / 1000 - 120);

    // Nothing due and no metrics file: a quiet run, and the next failure counts from one again.
    const list = await run(['cert', 'list', '--json']);
    expect(list.json<{ lineages: { health: { consecutiveFailures: number; lastAttemptOk: boolean } }[] }>().lineages[0]!.health).toMatchObject({ consecutiveFailures: 0, lastAttemptOk: true });
  });

  test('cert list --expiring DAYS exits 1 when a lineage expires within DAYS, 0 otherwise', async () => {
    const work = tempDir('expiring');
    const key = path.join(work, 'account.pem');
    expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
    const env = { ACMECLI_HOME: path.join(work, 'home') };
    const run = (args: string[]) => runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, ...args], { env });
    expect((await run(['cert', 'issue', '-d', 'soon.example.com', '--http-stateless', '--out', path.join(work, 'out'), '--agree-tos'])).code).toBe(0);
    const far = await run(['cert', 'list', '--expiring', '30']);
    expect(far.code, far.stderr).toBe(0);
    const near = await run(['cert', 'list', '--expiring', '36500']);
    expect(near.code).toBe(1);
    expect(near.stdout).toContain('soon.example.com');
    expect(near.stderr).toMatch(/^acmecli: 1 lineage expires within 36500 days: soon\.example\.com \(\d{4}-/);
    const bad = await run(['cert', 'list', '--expiring', 'soon']);
    expect(bad.code).toBe(2);
  });
});
