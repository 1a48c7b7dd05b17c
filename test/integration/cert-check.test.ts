import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startNginx, type NginxInstance } from '../support/nginx.js';
import { runMain } from '../support/in-process.js';
import { virtualClock } from '../support/virtual-clock.js';
import type { PollClock } from '../../src/acme/poll.js';
import { freePort } from '../support/pebble.js';
import { tempDir } from '../support/cert-fixtures.js';

interface CheckJson {
  ok: boolean;
  checks: { lineage: string; endpoint: string; state: string; version: number | null; currentVersion: number | null; daysLeft: number | null }[];
}
// The monitoring-plugin output format: "SERVICE STATUS - text | 'label'=value;warn;crit;min;max ...".
const PLUGIN_LINE = /^ACMECLI (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+(?: \| '[^'=]+'=-?[\d.]+;[\d.:]*;[\d.:]*;;(?: '[^'=]+'=-?[\d.]+;[\d.:]*;[\d.:]*;;)*)?\n$/;

describe('cert check against a real nginx serving the lineage files', () => {
  let pebble: PebbleInstance;
  let nginx: NginxInstance | undefined;
  let run: (args: string[], pollClock?: PollClock) => ReturnType<typeof runMain>;
  let out: string;
  let servePort: number;

  beforeAll(async () => {
    // Validation is not what these tests are about: no responder port that another test file could take first.
    pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
    const work = tempDir('check');
    const key = path.join(work, 'account.pem');
    expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
    const home = path.join(work, 'home');
    run = (args, pollClock) => runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, ...args], { env: { ACMECLI_HOME: home }, ...(pollClock ? { pollClock } : {}) });
    out = path.join(work, 'out');
    servePort = await freePort();
    const issued = await run(['cert', 'issue', '-d', 'served.example.com', '--http-stateless', '--out', out, '--agree-tos', '--serve-check', `127.0.0.1:${servePort}`]);
    expect(issued.code, issued.stderr).toBe(0);
  });
  afterAll(async () => {
    await nginx?.stop();
    await pebble?.stop();
  });

  test('nothing listening: unreachable, exit 1; --nagios says CRITICAL with exit 2', async () => {
    const r = await run(['cert', 'check', '--json']);
    expect(r.code).toBe(1);
    expect(r.json<CheckJson>().checks).toMatchObject([{ lineage: 'served.example.com', endpoint: `127.0.0.1:${servePort}`, state: 'unreachable' }]);
    const plugin = await run(['cert', 'check', '--nagios']);
    expect(plugin.code).toBe(2);
    expect(plugin.stdout).toMatch(PLUGIN_LINE);
    expect(plugin.stdout).toMatch(/^ACMECLI CRITICAL - served.example.com at 127.0.0.1:\d+ unreachable \(ECONNREFUSED\)/);
    expect(plugin.stderr).toBe('');
  });

  test('served as issued: ok; renewed without a reload: stale; reloaded: ok again', async () => {
    // nginx must be serving on the port the lineage was issued with.
    nginx = await startNginx({ certificate: path.join(out, 'served.example.com.crt'), key: path.join(out, 'served.example.com.key') }, servePort);
    const first = await run(['cert', 'check', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json<CheckJson>()).toMatchObject({ ok: true, checks: [{ state: 'ok', version: 1, currentVersion: 1 }] });
    const okPlugin = await run(['cert', 'check', '--nagios']);
    expect(okPlugin.code).toBe(0);
    expect(okPlugin.stdout).toMatch(PLUGIN_LINE);
    expect(okPlugin.stdout).toMatch(/^ACMECLI OK - 1 endpoint serve the current certificate \| 'served.example.com 127.0.0.1:\d+'=[\d.]+;[\d.]+:;0:;;\n$/);

    const renewed = await run(['cert', 'renew', 'served.example.com', '--force']);
    expect(renewed.code, renewed.stderr).toBe(0);
    const stale = await run(['cert', 'check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/served\.example\.com\s+127\.0\.0\.1:\d+\s+stale\s+[\d.]+\s+version 1 is served, the current one is 2: reload the server/);
    expect(stale.stderr).toMatch(/^acmecli: 1 of 1 endpoint not ok: served.example.com at 127.0.0.1:\d+ stale\n$/);
    const warnPlugin = await run(['cert', 'check', '--nagios']);
    expect(warnPlugin.code).toBe(1);
    expect(warnPlugin.stdout).toMatch(/^ACMECLI WARNING - served.example.com at 127.0.0.1:\d+ stale /);

    await nginx.reload();
    const again = await run(['cert', 'check', 'served.example.com', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<CheckJson>().checks[0]).toMatchObject({ state: 'ok', version: 2, currentVersion: 2 });
  });

  test('after the deploy hook, renew waits for the endpoints: a hook that reloads passes, one that does not fails the lineage', async () => {
    if (!nginx) throw new Error('the previous test starts nginx');
    const work = tempDir('hooks');
    const reload = path.join(work, 'reload.sh');
    writeFileSync(reload, `#!/bin/sh\nkill -HUP "$(cat '${nginx.dir}/nginx.pid')"\n`);
    chmodSync(reload, 0o755);
    const noop = path.join(work, 'noop.sh');
    writeFileSync(noop, '#!/bin/sh\nexit 0\n');
    chmodSync(noop, 0o755);
    const common = ['cert', 'issue', '-d', 'served.example.com', '--http-stateless', '--out', out, '--serve-check', `127.0.0.1:${servePort}`, '--force', '--json'];

    const exits = nginx.workerExits();
    const good = await run([...common, '--deploy-hook', reload]);
    expect(good.code, good.stderr).toBe(0);
    await nginx.waitForWorkerExits(exits + 1);
    expect((await run(['cert', 'check', '--json'])).json<CheckJson>().checks[0]).toMatchObject({ state: 'ok', version: 3, currentVersion: 3 });

    // 1 s of the run's clock: the pauses between checks (100, 200, 400 ms) are recorded and skipped, not spent.
    const clock = virtualClock();
    const silent = await run([...common, '--deploy-hook', noop, '--serve-check-timeout', '1'], clock);
    expect(silent.code).toBe(1);
    expect(clock.waits.slice(-3)).toEqual([100, 200, 400]);
    expect(silent.stderr).toMatch(/deployed but not served: 127\.0\.0\.1:\d+ stale \(version 3 is served, the current one is 4: reload the server\)/);
    expect(silent.json<{ lineages: { status: string; error: { code: string } }[] }>().lineages[0]).toMatchObject({ status: 'failed', error: { code: 'NOT_SERVED' } });
  });

  test('--warn-days beyond the days left makes the served certificate expiring (WARNING)', async () => {
    await nginx!.reload(); // the previous test left version 3 served and version 4 current
    const r = await run(['cert', 'check', '--nagios', '--warn-days', '36500']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ACMECLI WARNING - served.example.com at 127.0.0.1:\d+ expiring/);
  });

  test('a certificate the lineage never issued is foreign (CRITICAL)', async () => {
    // Pebble's own listener certificate: a valid certificate that is not one of the lineage's.
    const listener = path.dirname(pebble.caFile);
    const foreign = await startNginx({ certificate: path.join(listener, 'cert.pem'), key: path.join(listener, 'key.pem') });
    try {
      const edit = await run(['cert', 'issue', '-d', 'served.example.com', '--http-stateless', '--out', out, '--serve-check', `127.0.0.1:${foreign.port}`, '--deploy-hook', '', '--force']);
      expect(edit.code, edit.stderr).toBe(0);
      const r = await run(['cert', 'check', '--nagios']);
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/^ACMECLI CRITICAL - served.example.com at 127.0.0.1:\d+ foreign /);
    } finally {
      await foreign.stop();
    }
  });

  test("--serve-check '' removes the endpoints: the lineage is no longer checked", async () => {
    const edit = await run(['cert', 'issue', '-d', 'served.example.com', '--serve-check', '']);
    expect(edit.code, edit.stderr).toBe(0);
    const shown = await run(['cert', 'list', '--json']);
    expect(shown.json<{ lineages: { settings: { serveChecks: string[] } }[] }>().lineages[0]!.settings.serveChecks).toEqual([]);
    const r = await run(['cert', 'check', '--nagios']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^ACMECLI UNKNOWN - no serve checks configured/);
  });

  test('bad input: an unknown lineage, a malformed endpoint', async () => {
    const unknown = await run(['cert', 'check', 'nope.example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('acmecli: no lineage named nope.example.com (see acmecli cert list)\n');
    const unknownPlugin = await run(['cert', 'check', 'nope.example.com', '--nagios']);
    expect(unknownPlugin.code).toBe(3);
    expect(unknownPlugin.stdout).toBe('ACMECLI UNKNOWN - no lineage named nope.example.com (see acmecli cert list)\n');
    const bad = await run(['cert', 'issue', '-d', 'x.example.com', '--http-stateless', '--serve-check', 'x.example.com']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^acmecli: --serve-check "x.example.com": the port is missing/);
  });
});
