// Part "lineages" of the benchmark: `cert renew --all` and `cert list` over many
// lineages, against one local Pebble (test/support/pebble.ts, PEBBLE_VA_NOSLEEP=1).
//
// (a) 10,000 lineages, none due: `cert renew --all` must decide every one without
//     a request to the CA (Pebble's log is counted), in under 1 s, with peak RSS
//     under 150 MB; `cert list` of them in under 1 s.
// (b) 1,000 lineages due: `cert renew --all --force --concurrency N` for N = 1, 4,
//     16, 64: certificates per second, and the CPU Pebble itself used meanwhile
//     (utime + stime from /proc/PID/stat), so the table shows where Pebble is the limit.
//
// How the state is made (the fastest honest way): SEEDS lineages are issued
// through Pebble with the binary under test (`cert issue --http-standalone`), then
// one `cert renew --all` over them stores what a cron run stores (the output
// files' stamp; Pebble 2.4 offers no ARI). Each clone is a copy of a seed's lineage.json
// with its name and identifiers rewritten; its version files and its output files
// are hard links to the seed's (same bytes, same inode, so the output stamp the
// seed recorded is right for the clone too; every writer replaces files by rename,
// so a renewal never writes through a link). The clones' certificates therefore
// name the seed, not the clone: a not-due run only stats them, and a due run
// issues a real certificate for the clone's own name.
import { spawn } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, cp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BenchError, CLK_TCK, cleanEnv, findPebblePid, machineTicks, mdTable, oneLineOf, procTicks, tailOf, textTable } from './lib.mjs';
import { countRequests } from './issuance.mjs';

// ACMECLI_BENCH_QUICK=1: small sizes, to try the bench itself.
const QUICK = Boolean(process.env.ACMECLI_BENCH_QUICK);
const QUIET_COUNT = QUICK ? 300 : 10_000;
const DUE_COUNT = QUICK ? 24 : 1_000;
const CONCURRENCY = QUICK ? [1, 4] : [1, 4, 16, 64];
const QUIET_RUNS = QUICK ? 2 : 5;
const SEEDS = 3;
const HOST = '127.0.0.1';
const PROCESS_TIMEOUT_MS = 900_000;

const TARGET_QUIET_S = 1;
const TARGET_RSS_MB = 150;

/** ctx: see bench/run.mjs makeContext(). */
export async function benchLineages(ctx) {
  const { log } = ctx;
  const notes = [];
  const note = (message) => {
    notes.push(message);
    log(`lineages: note: ${message}`);
  };
  if (QUICK) note(`ACMECLI_BENCH_QUICK is set: ${QUIET_COUNT} and ${DUE_COUNT} lineages: not a real measurement`);
  if (!ctx.tools.time) note('GNU time not found: peak RSS and the client\'s CPU not measured (Debian package time)');
  const loadAtStart = os.loadavg()[0];
  const work = await ctx.tmpDir('lineages-');
  const binary = path.join(work, 'acmecli');
  // Others may rebuild dist/acmecli while this part runs: measure a private copy.
  await copyFile(ctx.acmecli, binary);
  await chmod(binary, 0o755);

  const { startPebble } = await import('../test/support/pebble.ts');
  log('lineages: starting Pebble (PEBBLE_VA_NOSLEEP=1)');
  const pebble = await startPebble();
  const results = {};
  try {
    const pebblePid = findPebblePid(pebble.dir);
    const logOffset = async () => (await pebble.readLog()).length;
    const requestsSince = async (offset) => countRequests((await pebble.readLog()).slice(offset));
    const accountKey = path.join(work, 'account.pem');
    const envFor = (home) => cleanEnv({ ACMECLI_HOME: home, ACMECLI_ACME_URL: pebble.directoryUrl, ACMECLI_CA_FILE: pebble.caFile, ACMECLI_KEY: accountKey });
    const run = (argv, home, { timed = false } = {}) => runCommand(ctx, [binary, ...argv], { env: envFor(home), cwd: work, timed });

    // Seeds: real issuances, then one cron run to store the ARI answers and output stamps.
    const seedHome = path.join(work, 'seed-home');
    const seedOut = path.join(work, 'seed-out');
    await run(['key', 'generate', 'ec256', '-o', accountKey], seedHome);
    await run(['account', 'create', '--agree-tos'], seedHome);
    const seeds = [];
    for (let i = 1; i <= SEEDS; i++) {
      const name = `seed${i}.bench.example`;
      await run(['cert', 'issue', '-d', name, '--http-standalone', `${HOST}:${pebble.httpPort}`, '--out', seedOut], seedHome);
      seeds.push(name);
    }
    await run(['cert', 'renew', '--all'], seedHome);
    log(`lineages: ${SEEDS} seed lineages issued through Pebble`);

    // (a) none due.
    const quietHome = path.join(work, 'quiet-home');
    const quietOut = path.join(work, 'quiet-out');
    const made = await cloneLineages({ seedHome, seedOut, seeds, home: quietHome, outDir: quietOut, count: QUIET_COUNT, prefix: 'q' });
    log(`lineages: ${QUIET_COUNT} lineages made from ${SEEDS} seeds in ${made.seconds.toFixed(1)} s`);
    results.made = made;
    // Untimed first pass: the page cache holds the state, as it does for the second cron run of a day.
    let offset = await logOffset();
    await run(['cert', 'renew', '--all'], quietHome);
    const warmRequests = await requestsSince(offset);
    if (warmRequests.length) note(`the untimed first cert renew --all sent ${warmRequests.length} requests to the CA`);
    const quiet = { renew: [], list: [] };
    for (let i = 0; i < QUIET_RUNS; i++) {
      offset = await logOffset();
      const r = await run(['cert', 'renew', '--all'], quietHome, { timed: true });
      quiet.renew.push({ ...r, requests: await requestsSince(offset) });
      const l = await run(['cert', 'list'], quietHome, { timed: true });
      const listed = l.stdout.split('\n').filter((line) => /\.bench\.example\b/.test(line)).length;
      quiet.list.push({ ...l, listed });
      log(`lineages: none due: renew --all ${(r.ms / 1000).toFixed(3)} s (${r.rssMb?.toFixed(1) ?? '?'} MB, ${quiet.renew.at(-1).requests.length} requests); list ${(l.ms / 1000).toFixed(3)} s (${listed} lines)`);
    }
    results.quiet = quiet;
    await rm(quietHome, { recursive: true, force: true });
    await rm(quietOut, { recursive: true, force: true });

    // (b) due.
    const dueHome = path.join(work, 'due-home');
    const dueOut = path.join(work, 'due-out');
    await cloneLineages({ seedHome, seedOut, seeds, home: dueHome, outDir: dueOut, count: DUE_COUNT, prefix: 'd' });
    results.due = [];
    for (const n of CONCURRENCY) {
      offset = await logOffset();
      const cpuBefore = [procTicks(pebblePid), machineTicks()];
      const r = await run(['cert', 'renew', '--all', '--force', '--concurrency', String(n)], dueHome, { timed: true });
      const cpuAfter = [procTicks(pebblePid), machineTicks()];
      const requests = await requestsSince(offset);
      const issued = /(\d+) issued/.exec(r.stdout + r.stderr)?.[1];
      const orders = requests.filter((q) => q === 'POST /finalize-order/').length;
      if (orders !== DUE_COUNT) throw new BenchError(`cert renew --all --force --concurrency ${n}: ${orders} finalize requests at Pebble for ${DUE_COUNT} lineages (output: ${oneLineOf(tailOf(r.stdout + r.stderr, 2))})`);
      const seconds = r.ms / 1000;
      const row = {
        n,
        seconds,
        perSecond: DUE_COUNT / seconds,
        pebbleCpuS: (cpuAfter[0] - cpuBefore[0]) / CLK_TCK,
        machineBusy: 1 - (cpuAfter[1].idle - cpuBefore[1].idle) / Math.max(1, cpuAfter[1].total - cpuBefore[1].total),
        clientCpuS: r.cpuS,
        rssMb: r.rssMb,
        requests: requests.length,
        issuedSaid: issued,
      };
      results.due.push(row);
      log(`lineages: due, --concurrency ${n}: ${seconds.toFixed(2)} s, ${row.perSecond.toFixed(1)} certificates/s, Pebble CPU ${row.pebbleCpuS.toFixed(1)} s (${((100 * row.pebbleCpuS) / seconds).toFixed(0)}% of one core), machine busy ${(row.machineBusy * 100).toFixed(0)}%`);
    }
  } finally {
    await pebble.stop();
    await rm(pebble.dir, { recursive: true, force: true });
  }
  await report(ctx, results, notes, loadAtStart);
}

// ---------------------------------------------------------------------------
// The state.

/**
 * `count` lineages in `home` (a copy of the seed home's accounts and directory
 * cache), `prefix<N>.bench.example`, round-robin over the seeds: lineage.json
 * rewritten, version files and output files hard-linked. Synchronous: it is one
 * tight loop of mkdir/link/write, with nothing else to do meanwhile.
 */
async function cloneLineages({ seedHome, seedOut, seeds, home, outDir, count, prefix }) {
  const t0 = performance.now();
  await cp(seedHome, home, { recursive: true, filter: (src) => !src.startsWith(path.join(seedHome, 'lineages') + path.sep) });
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const templates = seeds.map((seed) => {
    const folder = path.join(seedHome, 'lineages', seed);
    const record = JSON.parse(readFileSync(path.join(folder, 'lineage.json'), 'utf8'));
    if (!record.outputs) throw new BenchError(`seed ${seed}: no stored output stamp after cert renew --all (its record has changed shape?)`);
    const versions = readdirSync(path.join(folder, 'versions')).map((v) => ({ v, files: readdirSync(path.join(folder, 'versions', v)) }));
    const outputs = readdirSync(seedOut).filter((f) => f.startsWith(`${seed}.`)).map((f) => f.slice(seed.length));
    return { seed, folder, record, versions, outputs };
  });
  for (let i = 0; i < count; i++) {
    const t = templates[i % templates.length];
    const name = `${prefix}${i}.bench.example`;
    const folder = path.join(home, 'lineages', name);
    const record = structuredClone(t.record);
    record.config.name = name;
    record.config.identifiers = [{ type: 'dns', value: name }];
    record.config.outDir = outDir;
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    mkdirSync(path.join(folder, 'versions'), { mode: 0o700 });
    for (const { v, files } of t.versions) {
      mkdirSync(path.join(folder, 'versions', v), { mode: 0o700 });
      for (const f of files) linkSync(path.join(t.folder, 'versions', v, f), path.join(folder, 'versions', v, f));
    }
    for (const suffix of t.outputs) linkSync(path.join(seedOut, t.seed + suffix), path.join(outDir, name + suffix));
    writeFileSync(path.join(folder, 'lineage.json'), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  }
  return { seconds: (performance.now() - t0) / 1000, filesPerLineage: 1 + templates[0].versions.reduce((a, v) => a + v.files.length, 0) + templates[0].outputs.length };
}

// ---------------------------------------------------------------------------
// Processes.

let seq = 0;

/**
 * Runs one command to the end; throws BenchError when it fails. Timed: wall time
 * from spawn to exit, and under /usr/bin/time for the peak RSS and CPU seconds.
 */
async function runCommand(ctx, argv, { env, cwd, timed }) {
  const statsFile = path.join(cwd, `.stats-${process.pid}-${++seq}`);
  const full = timed && ctx.tools.time ? [ctx.tools.time, '-f', '%M %U %S', '-o', statsFile, ...argv] : argv;
  const t0 = performance.now();
  const r = await new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(full[0], full.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
    child.stdout.on('data', (d) => {
      if (stdout.length < 4e6) stdout += d;
    });
    child.stderr.on('data', (d) => {
      if (stderr.length < 1e6) stderr += d;
    });
    let exitAt = null;
    child.once('exit', () => {
      exitAt = performance.now();
    });
    child.once('error', (error) => resolve({ error, stdout, stderr }));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, exitAt });
    });
  });
  if (r.error || r.code !== 0) {
    throw new BenchError(`\`${argv.join(' ')}\` failed (${r.error?.message ?? (r.signal ? `signal ${r.signal}` : `exit ${r.code}`)}): ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
  }
  const result = { ms: (r.exitAt ?? performance.now()) - t0, stdout: r.stdout, stderr: r.stderr, rssMb: null, cpuS: null };
  if (timed && ctx.tools.time) {
    const fields = (await readFile(statsFile, 'utf8').catch(() => '')).trim().split('\n').pop().split(' ').map(Number);
    await rm(statsFile, { force: true });
    if (fields.length !== 3 || fields.some((x) => !Number.isFinite(x))) throw new BenchError(`/usr/bin/time wrote no figures for \`${argv.join(' ')}\``);
    result.rssMb = (fields[0] * 1024) / 1e6;
    result.cpuS = fields[1] + fields[2];
  }
  return result;
}

// ---------------------------------------------------------------------------
// Report.

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function report(ctx, results, notes, loadAtStart) {
  const { log } = ctx;
  const checks = [];
  const check = (label, value, target, ok) => checks.push({ label, value, target, ok });
  const q = results.quiet;
  const secs = (list) => list.map((r) => r.ms / 1000);
  const renewS = secs(q.renew);
  const listS = secs(q.list);
  const rss = (list) => list.map((r) => r.rssMb).filter((x) => x != null);
  const requests = q.renew.reduce((a, r) => a + r.requests.length, 0);
  check(`\`cert renew --all\`, ${QUIET_COUNT} lineages none due: wall time (median of ${QUIET_RUNS}; max)`, `${median(renewS).toFixed(3)} s; ${Math.max(...renewS).toFixed(3)} s`, `< ${TARGET_QUIET_S} s`, median(renewS) < TARGET_QUIET_S);
  check('… requests to the CA (all runs, from Pebble\'s log)', String(requests), '0', requests === 0);
  if (rss(q.renew).length) check('… peak RSS (largest)', `${Math.max(...rss(q.renew)).toFixed(1)} MB`, `< ${TARGET_RSS_MB} MB`, Math.max(...rss(q.renew)) < TARGET_RSS_MB);
  check(`\`cert list\`, ${QUIET_COUNT} lineages: wall time (median of ${QUIET_RUNS}; max)`, `${median(listS).toFixed(3)} s; ${Math.max(...listS).toFixed(3)} s`, `< ${TARGET_QUIET_S} s`, median(listS) < TARGET_QUIET_S);
  const listed = Math.min(...q.list.map((r) => r.listed));
  check('… lineages listed', String(listed), String(QUIET_COUNT), listed === QUIET_COUNT);
  if (rss(q.list).length) check('… peak RSS (largest)', `${Math.max(...rss(q.list)).toFixed(1)} MB`, '(reported)', null);
  const verdict = (ok) => (ok == null ? '' : ok ? 'ok' : 'MISSED');
  const dueHeaders = ['--concurrency', 'wall (s)', 'certificates / s', 'Pebble CPU (s)', 'Pebble CPU (% of one core)', 'acmecli CPU (s)', 'machine busy (% of all CPUs)', 'peak RSS (MB)', 'requests / cert'];
  const dueRows = results.due.map((d) => [
    d.n,
    d.seconds.toFixed(2),
    d.perSecond.toFixed(1),
    d.pebbleCpuS.toFixed(1),
    `${((100 * d.pebbleCpuS) / d.seconds).toFixed(0)}%`,
    d.clientCpuS != null ? d.clientCpuS.toFixed(1) : '–',
    `${(100 * d.machineBusy).toFixed(0)}%`,
    d.rssMb != null ? d.rssMb.toFixed(1) : '–',
    (d.requests / DUE_COUNT).toFixed(1),
  ]);
  const right = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  log('');
  log(textTable(['measure', 'value', 'target', ''], checks.map((c) => [c.label.replace(/`/g, ''), c.value, c.target, verdict(c.ok)])));
  log('');
  log(textTable(dueHeaders, dueRows, right));
  const limit = whereTheLimitIs(results.due, Number(ctx.machine.nproc));
  log(`lineages: ${limit}`);

  const m = ctx.machine;
  const md = [
    `## Many lineages — ${ctx.date}`,
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}; kernel ${m.kernel}; Node ${m.node}. Load average (1 min) ${loadAtStart.toFixed(2)} when the part started, ${os.loadavg()[0].toFixed(2)} when it ended.`,
    '',
    mdTable(['measure', 'value', 'target', 'result'], checks.map((c) => [c.label, c.value, c.target, c.ok === false ? '**MISSED**' : verdict(c.ok)])),
    '',
    `${DUE_COUNT} lineages due, \`cert renew --all --force --concurrency N\` against one Pebble:`,
    '',
    mdTable(dueHeaders, dueRows, right),
    '',
    limit,
    '',
    `Method: one Pebble on 127.0.0.1 (test/support/pebble.ts, \`PEBBLE_VA_NOSLEEP=1\`, http-01 validated for real against \`--http-standalone 127.0.0.1:PORT\`); the binary is a copy of dist/acmecli. ` +
      `**State**: ${SEEDS} lineages issued through Pebble with \`cert issue\`, then one \`cert renew --all\` over them (it stores the output files' stamp, as any cron run does; Pebble 2.4's directory has no renewalInfo, so no ARI question is pending: with a CA that offers ARI, a lineage asks once per Retry-After, at most daily). ` +
      `Each of the ${QUIET_COUNT} lineages is a copy of a seed's lineage.json with its name, identifiers and --out folder rewritten; its version files and output files are hard links to the seed's (${results.made.filesPerLineage} files per lineage; same inode, so the stamp the seed recorded holds for the clone; acmecli replaces files by rename, never writes through a link). ` +
      `Making the ${QUIET_COUNT} took ${results.made.seconds.toFixed(1)} s (bench/lineages.mjs cloneLineages). The clones' certificates name their seed: a run that is not due only stats them; a due run issues a real certificate for the clone's own name. ` +
      `**None due**: one untimed \`cert renew --all\` first (page cache warm), then ${QUIET_RUNS} × (\`cert renew --all\`, \`cert list\`), wall time from spawn to exit; requests are the lines \`<METHOD> <path> -> calling handler()\` in Pebble's log during the runs (ARI included); ` +
      `peak RSS from \`/usr/bin/time -f %M\` (MB = 10⁶ bytes). ` +
      `**Due**: ${DUE_COUNT} more clones in a separate state folder; each \`--concurrency N\` run renews all of them (\`--force\`: every lineage due, a real order each, the certificates of the previous run replaced), and Pebble must log ${DUE_COUNT} finalize requests. ` +
      `Pebble CPU: utime + stime of the \`pebble\` process (/proc/PID/stat) over the run; acmecli CPU: user + system from \`/usr/bin/time\`; machine busy: 1 − idle share of /proc/stat over the run (all work on the machine, not only this bench). Pebble signs every certificate and answers every request, so where its CPU nears the machine's free CPU, Pebble (or the machine) is the limit, not the client.`,
    ...(notes.length ? ['', ...notes.map((n) => `- Note: ${n}`)] : []),
  ].join('\n');
  await ctx.writeSection('lineages', md);
}

/** One sentence on where the throughput stops growing, from the measured rows. */
function whereTheLimitIs(rows, nproc) {
  if (!rows.length) return '';
  const best = rows.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const pebbleCores = best.pebbleCpuS / best.seconds;
  const clientCores = (best.clientCpuS ?? 0) / best.seconds;
  const larger = pebbleCores > clientCores ? 'Pebble' : 'acmecli';
  const head = `Best: ${best.perSecond.toFixed(1)} certificates/s at --concurrency ${best.n}. There Pebble used ${pebbleCores.toFixed(2)} of the machine's ${nproc} CPUs and acmecli ${clientCores.toFixed(2)} (machine ${(100 * best.machineBusy).toFixed(0)}% busy)`;
  if (best.machineBusy > 0.9) return `${head}: the machine's CPUs are saturated (${larger} the larger share), so more concurrency cannot help on this machine.`;
  return `${head}: the CPUs are not saturated; the rest of the time is waiting (validation round trips, polls).`;
}

