import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { getCertStatusBySerial, sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { closeServer, serveOn, tempDir } from '../support/cert-fixtures.js';

let pebble: PebbleInstance;
let server: Server | undefined;

beforeAll(async () => {
  // The worker's Pebble: it reuses almost no authorization, so a renewal must answer its challenge again. Each test has
  // its own account key and names; this file's web servers take Pebble's validation port only while a test runs.
  pebble = await sharedPebble();
});
afterEach(async () => {
  await closeServer(server);
  server = undefined;
});

interface ListJson {
  lineages: { name: string; identifiers: string[] }[];
}
interface RunJson {
  ok: boolean;
  counts: Record<string, number>;
  lineages: { name: string; status: string; serial?: string; message: string; basis?: string }[];
}

/** A fresh account key and state folder against this Pebble. */
async function setup(prefix: string) {
  const work = tempDir(prefix);
  const home = path.join(work, 'home');
  const key = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
  const run = (args: string[], env: Record<string, string> = {}) =>
    runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, ...args], { env: { ACMECLI_HOME: home, ...env } });
  const standalone = ['--http-standalone', `127.0.0.1:${pebble.httpPort}`];
  return { work, home, key, run, standalone };
}

/** A web server on Pebble's validation port serving `root` (the webroot solver's counterpart). */
async function serveWebroot(root: string): Promise<Server> {
  return serveOn(pebble.httpPort, (urlPath) => {
    const file = path.join(root, urlPath);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  });
}

describe('cert delete', () => {
  test('removes the lineage from list and renew, keeps the deployed files, refuses an unknown name', async () => {
    const { work, home, run, standalone } = await setup('delete');
    const out = path.join(work, 'out');
    for (const name of ['keep.example.com', 'gone.example.com']) {
      const r = await run(['cert', 'issue', '-d', name, ...standalone, '--out', out, '--agree-tos']);
      expect(r.code, r.stderr).toBe(0);
    }

    const unknown = await run(['cert', 'delete', 'nope.example.com']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no lineage named nope\.example\.com/);

    const deleted = await run(['cert', 'delete', 'gone.example.com', '--json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toMatchObject({ name: 'gone.example.com', deleted: true, removedFiles: [] });
    expect(existsSync(path.join(home, 'lineages', 'gone.example.com'))).toBe(false);
    // The web server may still be using them: without --remove-files they stay.
    expect(existsSync(path.join(out, 'gone.example.com.crt'))).toBe(true);
    expect(existsSync(path.join(out, 'gone.example.com.key'))).toBe(true);

    const list = await run(['cert', 'list', '--json']);
    expect(list.json<ListJson>().lineages.map((l) => l.name)).toEqual(['keep.example.com']);
    const renew = await run(['cert', 'renew', '--all', '--force', '--json']);
    expect(renew.code, renew.stderr).toBe(0);
    expect(renew.json<RunJson>().lineages.map((l) => l.name)).toEqual(['keep.example.com']);
    const again = await run(['cert', 'delete', 'gone.example.com']);
    expect(again.code).toBe(2);

    const removed = await run(['cert', 'delete', 'keep.example.com', '--remove-files']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/Deleted lineage keep\.example\.com/);
    expect(readdirSync(out).filter((f) => f.startsWith('keep.example.com'))).toEqual([]);
    expect(readdirSync(out).filter((f) => f.startsWith('gone.example.com')).length).toBeGreaterThan(0);
    expect((await run(['cert', 'list'])).stdout).toMatch(/No lineages/);
  });
});

describe('a failed issuance leaves nothing behind', () => {
  test('a first issuance that fails: no lineage, no key, and cert renew --all has nothing to retry', async () => {
    const { work, home, run } = await setup('firstfail');
    const root = path.join(work, 'www');
    mkdirSync(root);
    // Nothing serves the webroot: the CA's validation fails.
    const r = await run(['cert', 'issue', '-d', 'fails.example.com', '--webroot', root, '--out', path.join(work, 'out'), '--agree-tos']);
    expect(r.code).toBe(1);
    expect(existsSync(path.join(home, 'lineages', 'fails.example.com'))).toBe(false);
    expect(existsSync(path.join(work, 'out', 'fails.example.com.key'))).toBe(false);
    expect((await run(['cert', 'list', '--json'])).json<ListJson>().lineages).toEqual([]);
    const renew = await run(['cert', 'renew', '--all']);
    expect(renew.code, renew.stderr).toBe(0);
    expect(renew.stdout + renew.stderr).toBe('');
  });

  test('a failed renewal removes its key and version folder; the current version stays', async () => {
    const { work, home, run } = await setup('renewfail');
    const root = path.join(work, 'www');
    mkdirSync(root);
    server = await serveWebroot(root);
    const issued = await run(['cert', 'issue', '-d', 'renewfail.example.com', '--webroot', root, '--out', path.join(work, 'out'), '--agree-tos', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    await closeServer(server);
    server = undefined;

    const versions = path.join(home, 'lineages', 'renewfail.example.com', 'versions');
    expect(readdirSync(versions)).toEqual(['1']);
    // Pebble hands back the valid authorization of the first issuance about 1% of the time even with
    // PEBBLE_AUTHZREUSE=0 (it reuses when rand.Intn(100) > percent is false): then no challenge is needed
    // and the renewal rightly succeeds. Such a run must say so; two runs that needed the closed server must fail.
    let failures = 0;
    let reused = 0;
    for (let attempt = 0; failures < 2 && attempt < 6; attempt++) {
      const renew = await run(['cert', 'renew', 'renewfail.example.com', '--force']);
      if (renew.code === 0) {
        expect(renew.stderr, renew.stdout + renew.stderr).toMatch(/renewfail\.example\.com: valid \(already valid\)/);
        reused++;
        continue;
      }
      expect(renew.code, renew.stdout + renew.stderr).toBe(1);
      expect(renew.stdout).toMatch(/^failed\s+renewfail\.example\.com: /m);
      failures++;
    }
    expect(failures).toBe(2);
    expect(readdirSync(versions)).toEqual(Array.from({ length: 1 + reused }, (_, i) => String(i + 1)));
    const list = await run(['cert', 'list', '--json']);
    expect(list.json<ListJson>().lineages.map((l) => l.name)).toEqual(['renewfail.example.com']);
  });
});

interface ShowJson {
  name: string;
  status: string;
  settings: { solvers: string[]; outDir: string; deployHook: string | null; keyType: string; renewDays: string; directoryUrl: string; accountKey: string };
}

describe('editing a lineage keeps what you did not change', () => {
  test('cert issue with only --deploy-hook: settings merged, nothing issued, the next renewal uses the stored solver and folder', async () => {
    const { work, key, run } = await setup('edit');
    const root = path.join(work, 'www');
    mkdirSync(root);
    server = await serveWebroot(root);
    const out = path.join(work, 'out');
    const first = await run(['cert', 'issue', '-d', 'edit.example.com', '--webroot', root, '--out', out, '--renew-days', '15', '--agree-tos', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const serial = first.json<RunJson>().lineages[0]!.serial;

    const hookLog = path.join(work, 'hook.log');
    const hook = `sh -c 'echo "$ACMECLI_CERT_PATH" >> ${hookLog}'`;
    const edit = await run(['cert', 'issue', '-d', 'edit.example.com', '--deploy-hook', hook, '--json']);
    expect(edit.code, edit.stderr).toBe(0);
    const outcome = edit.json<{ lineages: { status: string; savedSettings?: string[]; serial?: string }[] }>().lineages[0]!;
    expect(outcome.status).toBe('not-due');
    expect(outcome.savedSettings).toEqual(['deployHook']);
    // Nothing copied into the current folder (the old default --out).
    expect(existsSync(path.join(process.cwd(), 'edit.example.com.crt'))).toBe(false);

    const shown = await run(['cert', 'show', 'edit.example.com', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const settings = shown.json<ShowJson>().settings;
    expect(settings).toMatchObject({ solvers: [`webroot ${root}`], outDir: out, deployHook: hook, keyType: 'ec256', renewDays: '15', directoryUrl: pebble.directoryUrl, accountKey: key });
    const text = await run(['cert', 'show', 'edit.example.com']);
    expect(text.stdout).toMatch(/^Solvers: +webroot /m);
    expect(text.stdout).toMatch(/^Deploy hook: +sh -c/m);

    const list = await run(['cert', 'list', '--json']);
    expect(list.json<{ lineages: ShowJson[] }>().lineages[0]!.settings.deployHook).toBe(hook);

    const renewed = await run(['cert', 'renew', 'edit.example.com', '--force', '--json']);
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.json<RunJson>().lineages[0]!.serial).not.toBe(serial);
    expect(readFileSync(hookLog, 'utf8').trim()).toBe(path.join(out, 'edit.example.com.crt'));

    // An empty value removes a hook; the other settings stay.
    const removed = await run(['cert', 'issue', '--name', 'edit.example.com', '--deploy-hook', '', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    const after = (await run(['cert', 'show', 'edit.example.com', '--json'])).json<ShowJson>().settings;
    expect(after).toMatchObject({ deployHook: null, solvers: [`webroot ${root}`], outDir: out });

    // A different certificate (here the key type) is issued at once, with the stored solver.
    const rekeyed = await run(['cert', 'issue', '-d', 'edit.example.com', '--key-type', 'rsa2048', '--json']);
    expect(rekeyed.code, rekeyed.stderr).toBe(0);
    expect(rekeyed.json<RunJson>().lineages[0]!.status).toBe('issued');
  });

  test('cert list aligns its columns for people', async () => {
    const { work, run, standalone } = await setup('align');
    for (const name of ['a.example.com', 'much-longer-name.example.com']) {
      expect((await run(['cert', 'issue', '-d', name, ...standalone, '--out', path.join(work, 'out'), '--agree-tos'])).code).toBe(0);
    }
    const lines = (await run(['cert', 'list'])).stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.join('')).not.toMatch(/\t/);
    const column = (line: string, text: string) => line.indexOf(text);
    expect(column(lines[1]!, ' ok ')).toBe(column(lines[0]!, ' STATUS ') );
    expect(column(lines[2]!, ' ok ')).toBe(column(lines[0]!, ' STATUS '));
  });

  test('cert show of a name that is neither a file nor a lineage: one line, exit 2', async () => {
    const { run } = await setup('shownone');
    const r = await run(['cert', 'show', 'nothing.example.com']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no such file, and no lineage of that name/);
  });
});

describe('revoke uses the lineage', () => {
  test('cert revoke NAME goes to the lineage\'s CA with its account (not the default CA), marks it revoked, and cert renew replaces it with a new key', async () => {
    const { work, home, run, standalone } = await setup('revoke');
    const out = path.join(work, 'out');
    const issued = await run(['cert', 'issue', '-d', 'rev.example.com', ...standalone, '--out', out, '--reuse-key', '--agree-tos', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const serial = issued.json<RunJson>().lineages[0]!.serial!;
    const keyBefore = readFileSync(path.join(out, 'rev.example.com.key'), 'utf8');

    // No -a, -k or --ca-file: only the lineage knows its CA and account.
    const revoked = await runMain(['cert', 'revoke', 'rev.example.com', '--reason', 'keyCompromise', '--json'], { env: { ACMECLI_HOME: home } });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json()).toMatchObject({ lineage: 'rev.example.com', lineageStatus: 'revoked', directoryUrl: pebble.directoryUrl, reason: 1 });
    expect((await getCertStatusBySerial(pebble, serial))?.Status).toBe('Revoked');

    const list = await run(['cert', 'list', '--json']);
    expect(list.json<{ lineages: ShowJson[] }>().lineages[0]!.status).toBe('revoked');
    expect((await run(['cert', 'list'])).stdout).toMatch(/rev\.example\.com +revoked /);

    const renewed = await runMain(['cert', 'renew', '--all', '--json'], { env: { ACMECLI_HOME: home } });
    expect(renewed.code, renewed.stderr).toBe(0);
    const outcome = renewed.json<RunJson>().lineages[0]!;
    expect(outcome).toMatchObject({ status: 'issued', basis: 'revoked' });
    expect(outcome.serial).not.toBe(serial);
    // keyCompromise: a new key even though the lineage reuses its key.
    expect(readFileSync(path.join(out, 'rev.example.com.key'), 'utf8')).not.toBe(keyBefore);
    expect((await run(['cert', 'list', '--json'])).json<{ lineages: ShowJson[] }>().lineages[0]!.status).toBe('ok');
  });

  test('a file that belongs to a lineage is revoked at that lineage\'s CA', async () => {
    const { work, home, run, standalone } = await setup('revokefile');
    const out = path.join(work, 'out');
    const issued = await run(['cert', 'issue', '-d', 'revfile.example.com', ...standalone, '--out', out, '--agree-tos', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const serial = issued.json<RunJson>().lineages[0]!.serial!;
    const revoked = await runMain(['cert', 'revoke', path.join(out, 'revfile.example.com.crt')], { env: { ACMECLI_HOME: home } });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/Lineage revfile\.example\.com is now marked revoked/);
    expect((await getCertStatusBySerial(pebble, serial))?.Status).toBe('Revoked');
  });
});

describe('--pre-hook and --post-hook (certbot\'s meaning)', () => {
  test('once per run around the lineages actually issued, never when nothing is due; the pre-hook frees the standalone port', async () => {
    const { work, run, standalone } = await setup('prepost');
    const log = path.join(work, 'hooks.log');
    // A "web server" holding the validation port, as nginx holds :80; the pre-hook stops it, the post-hook notes it.
    const blockerScript = `require('net').createServer().listen(${pebble.httpPort}, '127.0.0.1', () => console.log('up'))`;
    const startBlocker = async () => {
      const child = spawn(process.execPath, ['-e', blockerScript], { stdio: ['ignore', 'pipe', 'ignore'] });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      writeFileSync(path.join(work, 'blocker.pid'), String(child.pid));
      return child;
    };
    const pre = `sh -c 'echo "pre $ACMECLI_HOOK" >> ${log}; p=$(cat ${path.join(work, 'blocker.pid')}); kill $p 2>/dev/null; while kill -0 $p 2>/dev/null; do sleep 0.05; done; exit 0'`;
    const post = `sh -c 'echo "post $ACMECLI_HOOK" >> ${log}'`;
    const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

    const blocker = await startBlocker();
    const first = await run(['cert', 'issue', '-d', 'pp1.example.com', ...standalone, '--out', path.join(work, 'out'), '--pre-hook', pre, '--post-hook', post, '--agree-tos']);
    expect(first.code, first.stderr).toBe(0);
    expect(blocker.exitCode !== null || blocker.signalCode !== null).toBe(true);
    expect(lines()).toEqual(['pre pre-hook', 'post post-hook']);
    const second = await run(['cert', 'issue', '-d', 'pp2.example.com', ...standalone, '--out', path.join(work, 'out'), '--pre-hook', pre, '--post-hook', post]);
    expect(second.code, second.stderr).toBe(0);
    expect(lines()).toHaveLength(4);

    // Nothing due: no hook at all.
    const quiet = await run(['cert', 'renew', '--all']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(lines()).toHaveLength(4);

    // Two lineages due: one pre-hook before the first, one post-hook after the last, with the port held again.
    const again = await startBlocker();
    const renewed = await run(['cert', 'renew', '--all', '--force', '--json']);
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.json<RunJson>().counts).toEqual({ issued: 2 });
    expect(again.exitCode !== null || again.signalCode !== null).toBe(true);
    expect(lines().slice(4)).toEqual(['pre pre-hook', 'post post-hook']);

    const shown = (await run(['cert', 'show', 'pp1.example.com', '--json'])).json<{ settings: { preHook: string; postHook: string } }>();
    expect(shown.settings).toMatchObject({ preHook: pre, postHook: post });
  }, 120_000);
});

describe('-q, --quiet: cron mails only failures', () => {
  test('a successful forced renewal with a talking deploy hook prints nothing; a failing one prints everything it held back', async () => {
    const { work, run } = await setup('quiet');
    const root = path.join(work, 'www');
    mkdirSync(root);
    server = await serveWebroot(root);
    const hook = `sh -c 'echo reloading the web server; echo a warning from the hook >&2'`;
    const issued = await run(['-q', 'cert', 'issue', '-d', 'quiet.example.com', '--webroot', root, '--out', path.join(work, 'out'), '--deploy-hook', hook, '--agree-tos']);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stdout).toBe('');
    expect(issued.stderr).toBe('');

    const renewed = await run(['cert', 'renew', 'quiet.example.com', '--force', '--quiet']);
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.stdout).toBe('');
    expect(renewed.stderr).toBe('');

    // Without -q the same run talks: the test would pass for the wrong reason otherwise.
    const loud = await run(['cert', 'renew', 'quiet.example.com', '--force']);
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stderr).toMatch(/reloading the web server/);

    await closeServer(server);
    server = undefined;
    // Pebble reuses the valid authorization about 1% of the time even with PEBBLE_AUTHZREUSE=0 (see the
    // renewfail test, which holds that a reuse says so): then no challenge is needed and the quiet run rightly
    // succeeds, in silence. The subject here is what a failing quiet run prints: one must fail within 4.
    let failed = await run(['-q', 'cert', 'renew', 'quiet.example.com', '--force']);
    for (let attempt = 1; failed.code === 0 && attempt < 4; attempt++) {
      expect(failed.stdout + failed.stderr).toBe('');
      failed = await run(['-q', 'cert', 'renew', 'quiet.example.com', '--force']);
    }
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/quiet\.example\.com: .*order/);
    expect(failed.stderr).toMatch(/^acmecli: .*quiet\.example\.com/m);
    expect(failed.stdout).toMatch(/failed +quiet\.example\.com/);
  });
});

describe('cert renew --dry-run runs the real order and keeps nothing', () => {
  test('the solvers answer a real order, no version, file or deploy hook is kept; a broken webroot fails it without marking the lineage', async () => {
    const { work, home, run } = await setup('dryrun');
    const root = path.join(work, 'www');
    mkdirSync(root);
    const served: string[] = [];
    server = await serveOn(pebble.httpPort, (urlPath) => {
      served.push(urlPath);
      const file = path.join(root, urlPath);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    });
    const out = path.join(work, 'out');
    const hookLog = path.join(work, 'deploy.log');
    const issued = await run(['cert', 'issue', '-d', 'dry.example.com', '--webroot', root, '--out', out, '--deploy-hook', `sh -c 'echo deployed >> ${hookLog}'`, '--agree-tos']);
    expect(issued.code, issued.stderr).toBe(0);
    const before = readFileSync(path.join(out, 'dry.example.com.fullchain.crt'), 'utf8');
    const validationsBefore = served.length;

    const dry = await run(['cert', 'renew', '--all', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const outcome = dry.json<RunJson>().lineages[0]!;
    expect(outcome.status).toBe('dry-run');
    expect(outcome.message).toMatch(/nothing was kept/);
    expect(served.length).toBeGreaterThan(validationsBefore); // Pebble really validated the webroot
    expect(readdirSync(path.join(home, 'lineages', 'dry.example.com', 'versions'))).toEqual(['1']);
    expect(readdirSync(path.join(home, 'lineages')).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readFileSync(path.join(out, 'dry.example.com.fullchain.crt'), 'utf8')).toBe(before);
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toEqual(['deployed']);

    await closeServer(server);
    server = undefined;
    const broken = await run(['cert', 'renew', 'dry.example.com', '--dry-run', '--json']);
    expect(broken.code).toBe(1);
    expect(broken.json<RunJson>().lineages[0]!.status).toBe('failed');
    const list = (await run(['cert', 'list', '--json'])).json<{ lineages: ShowJson[] }>();
    expect(list.lineages[0]!.status).toBe('ok');
    expect(readdirSync(path.join(home, 'lineages', 'dry.example.com', 'versions'))).toEqual(['1']);
  });
});
