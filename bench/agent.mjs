// Part "agent" of the benchmark: the deploy agent (`acmecli agent`) against the
// ACME Manager stand-in (test/support/manager-standin.ts), which issues for real
// through a local Pebble (test/support/pebble.ts, PEBBLE_VA_ALWAYS_VALID=1, no
// challtestsrv). Everything listens on 127.0.0.1.
//
// 1. First sync: a client-config.yml with FIRST_SYNC certificates (certificate_deploy,
//    issuer pebble, c<N>.bench.example), a token with every scope, and one timed
//    `agent --once` that creates them all; where the time goes: the agent's CPU
//    (/usr/bin/time), the stand-in's (it runs in this process: process.cpuUsage),
//    Pebble's (/proc/PID/stat), and the requests.
//    Setup (its time is reported): the config grows to CERTS certificates and
//    `agent --once` runs until it exits 0.
// 2. In sync: ONCE_RUNS more `agent --once`. For each: the requests the stand-in
//    received (target: exactly 1, the metadata list: the owner is cached on disk),
//    wall time from spawn to exit (target < 1 s), the part of the cycle after the
//    metadata request (stand-in receipt → the agent's `sync done` ts), peak RSS
//    (/usr/bin/time -f %M).
// 3. Daemon: `agent --interval 10ms --metrics-listen 127.0.0.1:0 --log-level warn`
//    until DAEMON_CYCLES cycles (GET /certificate/metadata requests) have run, or the time
//    budget DAEMON_BUDGET_MS is spent (then the cycles that ran are reported, with a note);
//    VmRSS from /proc/<pid>/status every SAMPLE_EVERY cycles. Targets: a whole
//    in-sync cycle (mean gap between two metadata requests, less the interval)
//    < 0.5 s; RSS < 150 MB at the last cycle; no growth from the middle sample to
//    the last (tolerance GROWTH_TOLERANCE_MB); exit 0 on SIGTERM.
// A miss is printed as MISSED and does not fail the run; a command that does not
// run (setup never in sync, a crash, a timeout) is a failure.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchError, CLK_TCK, cleanEnv, findPebblePid, mdTable, procTicks, textTable, errorText, tailOf, oneLineOf } from './lib.mjs';

// ACMECLI_BENCH_QUICK=1: a smaller run, to try the bench itself.
const QUICK = Boolean(process.env.ACMECLI_BENCH_QUICK);
const FIRST_SYNC = QUICK ? Number(process.env.ACMECLI_BENCH_QUICK_CERTS ?? 10) : 1000;
const CERTS = QUICK ? 2 * FIRST_SYNC : 5000;
const ONCE_RUNS = QUICK ? 3 : 10;
// ACMECLI_BENCH_AGENT_CYCLES=N: another number of daemon cycles (default 1,000); the section says how many ran.
const DAEMON_CYCLES = Number(process.env.ACMECLI_BENCH_AGENT_CYCLES) > 0 ? Math.floor(Number(process.env.ACMECLI_BENCH_AGENT_CYCLES)) : QUICK ? 100 : 1000;
const SAMPLE_EVERY = Math.max(1, Math.floor(DAEMON_CYCLES / 20));
const SAMPLE_AT = [Math.max(1, Math.floor(DAEMON_CYCLES / 10)), Math.floor(DAEMON_CYCLES / 2), DAEMON_CYCLES];
const INTERVAL = '10ms';
const INTERVAL_MS = 10;
const SETUP_ATTEMPTS = 5;
const SETUP_TIMEOUT_MS = 30 * 60_000;
const ONCE_TIMEOUT_MS = 60_000;
// The daemon runs until DAEMON_CYCLES cycles or this budget (ACMECLI_BENCH_AGENT_MINUTES), whichever
// comes first: a run that is still too slow reports the cycles that fitted (and says so) instead of
// holding the whole benchmark for an hour.
const DAEMON_BUDGET_MS = (Number(process.env.ACMECLI_BENCH_AGENT_MINUTES) > 0 ? Number(process.env.ACMECLI_BENCH_AGENT_MINUTES) : 15) * 60_000;
const STOP_TIMEOUT_MS = 30_000;

const TARGET_REQUESTS = 1;
const TARGET_WALL_S = 1;
const TARGET_CYCLE_S = 0.5;
const TARGET_RSS_MB = 150;
const GROWTH_TOLERANCE_MB = 2;

const METADATA = 'GET /api/v1/certificate/metadata';
const MB = (bytes) => bytes / 1e6;

/** ctx: see bench/run.mjs makeContext(). Returns nothing; failures go through ctx.fail. */
export async function benchAgent(ctx) {
  const { log } = ctx;
  const notes = [];
  const note = (message) => {
    notes.push(message);
    log(`agent: note: ${message}`);
  };
  if (QUICK) note(`ACMECLI_BENCH_QUICK: ${CERTS} certificates, ${ONCE_RUNS} in-sync runs, ${DAEMON_CYCLES} daemon cycles`);
  else if (DAEMON_CYCLES !== 1000) note(`daemon: ${DAEMON_CYCLES} cycles asked, not 1,000 (ACMECLI_BENCH_AGENT_CYCLES)`);
  if (!ctx.tools.time) note('GNU time not found: peak RSS of `agent --once` not measured (Debian package time)');
  const loadAtStart = os.loadavg()[0];

  const { startManagerStandin } = await loadStandin(ctx);
  const { startPebble } = await import('../test/support/pebble.ts');
  log('agent: starting Pebble (PEBBLE_VA_ALWAYS_VALID=1) and the ACME Manager stand-in');
  const pebble = await startPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' }, withChallTestSrv: false });
  let manager;
  const results = {};
  try {
    manager = await startManagerStandin({ pebble });
    // Time of arrival of each logged request (the stand-in pushes to this array).
    const arrivals = [];
    const listeners = new Set();
    const requests = manager.requests;
    const push = requests.push.bind(requests);
    requests.push = (...items) => {
      const at = Date.now();
      for (let i = 0; i < items.length; i++) arrivals.push(at);
      const n = push(...items);
      for (const l of listeners) l(items);
      return n;
    };
    const since = (offset) => requests.slice(offset).map((q, i) => ({ line: `${q.method} ${q.path}${Object.keys(q.query).length ? `?${new URLSearchParams(q.query)}` : ''}`, at: arrivals[offset + i] }));

    const dir = await ctx.tmpDir('agent-');
    const acmecli = await privateCopy(ctx, dir);
    const config = path.join(dir, 'client-config.yml');
    const certDir = `${path.join(dir, 'certs')}/`;
    const home = path.join(dir, 'home');
    await mkdir(home, { recursive: true });
    const writeConfig = (count) => writeFile(config, [
      'common:',
      '  certificate_deploy: true',
      `  certificate_dir: ${certDir}`,
      'certificate:',
      ...Array.from({ length: count }, (_, i) => [`  - domain: c${i + 1}.bench.example`, '    issuer: pebble']).flat(),
      '',
    ].join('\n'));
    const token = manager.createToken({ username: 'bench', scope: ['create', 'read', 'update', 'delete'] });
    const env = cleanEnv({ ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home });
    const base = [acmecli, 'agent', '--config', config, '--manager-url', manager.url];

    // 1. First sync: FIRST_SYNC certificates created by one `agent --once`, and where its time goes.
    await writeConfig(FIRST_SYNC);
    results.first = await firstSync(ctx, { base, env, dir, requests, since, pebble, note });
    await writeConfig(CERTS);

    // Setup: the rest, up to CERTS.
    log(`agent: setup: ${CERTS} certificates through \`agent --once\` (not timed as a measure)`);
    const setupStart = performance.now();
    const setupOffset = requests.length;
    let attempts = 0;
    for (;;) {
      attempts++;
      const r = await spawnAsync([...base, '--once'], { env, cwd: dir, timeoutMs: SETUP_TIMEOUT_MS });
      if (r.error || r.signal) throw new BenchError(`setup: \`agent --once\` did not finish (${r.error?.message ?? `signal ${r.signal}`}): ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
      log(`agent: setup: run ${attempts}: exit ${r.code}, ${lastSyncDone(r.stdout)?.msg ?? 'no sync done line'} (${((performance.now() - setupStart) / 1000).toFixed(1)} s so far)`);
      if (r.code === 0) break;
      if (attempts >= SETUP_ATTEMPTS) throw new BenchError(`setup: \`agent --once\` still exits ${r.code} after ${attempts} runs: ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
    }
    const setupS = (performance.now() - setupStart) / 1000;
    const stored = manager.certificates('bench').size;
    if (stored !== CERTS) throw new BenchError(`setup: the stand-in holds ${stored} certificates for the token's owner, expected ${CERTS}`);
    const setupTally = tally(since(setupOffset).map((q) => q.line.replace(/\?.*$/, '')));
    results.setup = { seconds: setupS, attempts, tally: setupTally };
    log(`agent: setup: ${CERTS} certificates in ${setupS.toFixed(1)} s (${attempts} run${attempts > 1 ? 's' : ''}); requests: ${setupTally}`);

    // 2. In sync, --once.
    const once = [];
    const rssFile = path.join(dir, 'time.out');
    for (let i = 1; i <= ONCE_RUNS; i++) {
      const offset = requests.length;
      const argv = [...base, '--once'];
      const full = ctx.tools.time ? [ctx.tools.time, '-f', '%M', '-o', rssFile, ...argv] : argv;
      const t0 = Date.now();
      const r = await spawnAsync(full, { env, cwd: dir, timeoutMs: ONCE_TIMEOUT_MS });
      if (r.error || r.code !== 0) throw new BenchError(`in-sync run ${i}: \`agent --once\` failed (${r.error?.message ?? (r.signal ? `signal ${r.signal}` : `exit ${r.code}`)}): ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
      const reqs = since(offset);
      const done = lastSyncDone(r.stdout);
      const meta = reqs.find((q) => q.line === METADATA);
      let rssMb = null;
      if (ctx.tools.time) {
        const kb = Number((await readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n').pop());
        if (!Number.isFinite(kb) || kb <= 0) throw new BenchError('/usr/bin/time wrote no peak RSS for `agent --once`');
        rssMb = MB(kb * 1024);
      }
      const run = {
        wallS: (r.exitAt - t0) / 1000,
        requests: reqs,
        syncDone: done,
        // Stand-in receipt of the metadata request → the agent's `sync done` ts (both wall clock, ms).
        afterRequestMs: done && meta ? done.ts - meta.at : null,
        spawnToRequestMs: meta ? meta.at - t0 : null,
        doneToExitMs: done ? r.exitAt - done.ts : null,
        rssMb,
      };
      if (!done) note(`in-sync run ${i}: no \`sync done\` line in the agent's output`);
      else if (!/^sync done in \d+ ms: 0 created, 0 updated, 0 deleted, 0 files changed, 0 errors$/.test(done.msg)) note(`in-sync run ${i}: not in sync: ${done.msg}`);
      once.push(run);
      log(`agent: in sync ${i}/${ONCE_RUNS}: ${run.wallS.toFixed(3)} s, ${reqs.length} request(s)${rssMb != null ? `, ${rssMb.toFixed(1)} MB` : ''}${run.afterRequestMs != null ? `, request → sync done ${run.afterRequestMs} ms` : ''}`);
    }
    results.once = once;

    // 3. Daemon.
    results.daemon = await runDaemon(ctx, { base, env, dir, requests, listeners, arrivals, since, note });
  } finally {
    await manager?.stop().catch((error) => ctx.fail(`agent: stopping the stand-in: ${errorText(error)}`));
    await pebble.stop();
    await rm(pebble.dir, { recursive: true, force: true });
  }

  report(ctx, results, notes);
  await ctx.writeSection('agent', markdown(ctx, results, notes, loadAtStart));
}

/**
 * One timed `agent --once` that creates every certificate of the config (none exists
 * yet). The stand-in runs in this process, so its CPU is this process's over the run
 * (the bench does nothing else meanwhile); Pebble's comes from /proc/PID/stat.
 */
async function firstSync(ctx, { base, env, dir, requests, since, pebble, note }) {
  const statsFile = path.join(dir, 'first-sync.time');
  const argv = [...base, '--once'];
  const full = ctx.tools.time ? [ctx.tools.time, '-f', '%M %U %S', '-o', statsFile, ...argv] : argv;
  const pebblePid = findPebblePid(pebble.dir);
  const offset = requests.length;
  ctx.log(`agent: first sync: ${FIRST_SYNC} certificates created by one \`agent --once\``);
  const pebbleBefore = procTicks(pebblePid);
  const benchBefore = process.cpuUsage();
  const t0 = Date.now();
  const r = await spawnAsync(full, { env, cwd: dir, timeoutMs: SETUP_TIMEOUT_MS });
  const wallS = (r.exitAt - t0) / 1000;
  const benchCpu = process.cpuUsage(benchBefore);
  const pebbleCpuS = (procTicks(pebblePid) - pebbleBefore) / CLK_TCK;
  if (r.error || r.signal) throw new BenchError(`first sync: \`agent --once\` did not finish (${r.error?.message ?? `signal ${r.signal}`}): ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
  if (r.code !== 0) note(`first sync: \`agent --once\` exited ${r.code}: ${oneLineOf(tailOf(r.stderr || r.stdout, 2))}`);
  const created = createdSince(requests, offset);
  let agent = { rssMb: null, cpuS: null };
  if (ctx.tools.time) {
    const f = (await readFile(statsFile, 'utf8').catch(() => '')).trim().split('\n').pop().split(' ').map(Number);
    if (f.length === 3 && f.every(Number.isFinite)) agent = { rssMb: MB(f[0] * 1024), cpuS: f[1] + f[2] };
  }
  const done = lastSyncDone(r.stdout);
  const result = {
    wallS,
    code: r.code,
    created,
    agentCpuS: agent.cpuS,
    agentRssMb: agent.rssMb,
    standinCpuS: (benchCpu.user + benchCpu.system) / 1e6,
    pebbleCpuS,
    tally: tally(since(offset).map((q) => q.line.replace(/\?.*$/, ''))),
    syncDone: done?.msg ?? null,
  };
  ctx.log(`agent: first sync: ${wallS.toFixed(1)} s, ${created} POSTs; CPU: agent ${result.agentCpuS?.toFixed(1) ?? '?'} s, stand-in ${result.standinCpuS.toFixed(1)} s, Pebble ${pebbleCpuS.toFixed(1)} s; ${result.syncDone ?? 'no sync done line'}`);
  return result;
}

/** POST /certificate requests logged since `offset`. */
function createdSince(requests, offset) {
  return requests.slice(offset).filter((q) => q.method === 'POST' && q.path === '/api/v1/certificate').length;
}

async function runDaemon(ctx, { base, env, dir, requests, listeners, arrivals, since, note }) {
  const { log } = ctx;
  const argv = [...base, '--interval', INTERVAL, '--metrics-listen', '127.0.0.1:0', '--log-level', 'warn'];
  log(`agent: daemon: \`agent --interval ${INTERVAL} --metrics-listen 127.0.0.1:0 --log-level warn\` until ${DAEMON_CYCLES} cycles`);
  const offset = requests.length;
  let cycles = 0;
  const samples = [];
  const scrapes = [];
  let child;
  let reachedAll;
  const reached = new Promise((resolve) => {
    reachedAll = resolve;
  });
  const readStatus = () => {
    try {
      const text = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
      return { rssMb: MB(kb('VmRSS') * 1024), hwmMb: MB(kb('VmHWM') * 1024) };
    } catch {
      return null;
    }
  };
  const onRequests = (items) => {
    for (const q of items) {
      if (`${q.method} ${q.path}` !== METADATA) continue;
      cycles++;
      if (cycles % SAMPLE_EVERY === 0 || cycles === 1 || SAMPLE_AT.includes(cycles)) {
        const s = readStatus();
        if (s) {
          const sample = { cycle: cycles, at: Date.now(), ...s };
          samples.push(sample);
          // The agent's own /metrics (prom-client default metrics): heap and live handles.
          if (cycles === 1 || SAMPLE_AT.includes(cycles)) scrapes.push(scrapeMetrics(child.pid).then((m) => { sample.metrics = m; }, () => undefined));
        }
      }
      if (cycles === DAEMON_CYCLES) reachedAll();
    }
  };
  listeners.add(onRequests);
  const t0 = Date.now();
  try {
    const proc = spawnLive(argv, { env, cwd: dir });
    child = proc.child;
    const outcome = await Promise.race([
      reached.then(() => 'cycles'),
      proc.exited.then(() => 'exited'),
      new Promise((resolve) => setTimeout(resolve, DAEMON_BUDGET_MS, 'budget').unref()),
    ]);
    if (outcome === 'budget' && cycles >= 20) {
      // Out of time with enough cycles to say something: the last cycle is the end sample.
      const s = readStatus();
      if (s) samples.push({ cycle: cycles, at: Date.now(), ...s });
      note(`daemon: ${cycles} cycles, not ${DAEMON_CYCLES}: the ${DAEMON_BUDGET_MS / 60_000}-minute budget (ACMECLI_BENCH_AGENT_MINUTES) ran out first`);
    } else if (outcome !== 'cycles') {
      child.kill('SIGKILL');
      const r = await proc.exited;
      throw new BenchError(`daemon: ${outcome === 'budget' ? `only ${cycles} cycles in ${DAEMON_BUDGET_MS / 60_000} min` : `exited (${r.signal ? `signal ${r.signal}` : `exit ${r.code}`}) after ${cycles} cycles`}: ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
    }
    const elapsedS = (Date.now() - t0) / 1000;
    listeners.delete(onRequests);
    await Promise.all(scrapes);
    const scraped = samples.filter((x) => x.metrics);
    if (!scraped.length) note('daemon: could not read the agent\'s /metrics (port not found in /proc, or no answer)');
    const final = readStatus();
    const reqs = since(offset);
    const metaTimes = reqs.filter((q) => q.line === METADATA).map((q) => q.at);
    const others = reqs.filter((q) => q.line !== METADATA).map((q) => q.line);
    // A whole cycle, back to back: the gap between two metadata requests, less the interval.
    const gaps = metaTimes.slice(1).map((t, i) => t - metaTimes[i]);
    const steady = gaps.slice(Math.min(10, Math.floor(gaps.length / 10)));
    const cycleMs = steady.reduce((a, b) => a + b, 0) / steady.length - INTERVAL_MS;
    const sortedGaps = [...steady].sort((a, b) => a - b);
    const p99GapMs = sortedGaps[Math.min(sortedGaps.length - 1, Math.floor(sortedGaps.length * 0.99))];
    log(`agent: daemon: ${cycles} cycles in ${elapsedS.toFixed(1)} s; cycle ≈ ${cycleMs.toFixed(1)} ms; RSS ${samples.map((s) => `@${s.cycle} ${s.rssMb.toFixed(1)}`).join(', ')} MB`);

    child.kill('SIGTERM');
    const stopT0 = Date.now();
    const r = await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, null).unref())]);
    let exit;
    if (!r) {
      child.kill('SIGKILL');
      await proc.exited;
      exit = { text: `no exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM (killed)`, ok: false };
    } else {
      exit = { text: r.signal ? `killed by ${r.signal}` : `exit ${r.code}`, ok: r.code === 0, ms: Date.now() - stopT0 };
      if (r.code !== 0 && (r.stderr || r.stdout)) note(`daemon output at exit: ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
    }
    if (proc.stdoutText().trim()) note(`daemon logged at warn or above: ${oneLineOf(tailOf(proc.stdoutText(), 3))}`);
    log(`agent: daemon: SIGTERM → ${exit.text}${exit.ms != null ? ` after ${exit.ms} ms` : ''}`);
    return { cycles, elapsedS, cycleMs, p99GapMs, samples, final, others, exit, metaCount: metaTimes.length };
  } finally {
    listeners.delete(onRequests);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------
// Report.

function checks(results) {
  const out = [];
  const check = (label, value, target, ok) => out.push({ label, value, target, ok });
  const once = results.once ?? [];
  if (results.setup) check(`setup: the config grown to ${CERTS} certificates, the ${CERTS - FIRST_SYNC} new ones created (\`agent --once\` until exit 0)`, `${results.setup.seconds.toFixed(1)} s, ${results.setup.attempts} run(s)`, '–', null);
  if (once.length) {
    const counts = once.map((r) => r.requests.length);
    check(`in sync: requests per \`agent --once\` (${once.length} runs)`, fmtRange(Math.min(...counts), Math.max(...counts)), `exactly ${TARGET_REQUESTS}`, counts.every((c) => c === TARGET_REQUESTS));
    const walls = once.map((r) => r.wallS);
    check('in sync: `agent --once` wall time, spawn → exit (median, min–max)', `${median(walls).toFixed(3)} s (${Math.min(...walls).toFixed(3)}–${Math.max(...walls).toFixed(3)})`, `< ${TARGET_WALL_S} s`, Math.max(...walls) < TARGET_WALL_S);
    const after = once.map((r) => r.afterRequestMs).filter((x) => x != null);
    if (after.length) check('in sync: metadata request received → `sync done` logged (median, max)', `${median(after).toFixed(0)} ms (max ${Math.max(...after)})`, '(part of the cycle)', null);
    const toReq = once.map((r) => r.spawnToRequestMs).filter((x) => x != null);
    if (toReq.length) check('in sync: spawn → metadata request received (median)', `${median(toReq).toFixed(0)} ms`, '(start-up + config)', null);
    const rss = once.map((r) => r.rssMb).filter((x) => x != null);
    if (rss.length) check('in sync: `agent --once` peak RSS (largest)', `${Math.max(...rss).toFixed(1)} MB`, '(reported)', null);
  }
  const d = results.daemon;
  if (d) {
    check(`daemon: whole in-sync cycle (mean gap between metadata requests − ${INTERVAL}; p99 gap)`, `${d.cycleMs.toFixed(1)} ms (p99 gap ${d.p99GapMs} ms)`, `< ${TARGET_CYCLE_S * 1000} ms`, d.cycleMs < TARGET_CYCLE_S * 1000);
    check(`daemon: ${d.cycles} cycles`, `${d.elapsedS.toFixed(1)} s, ${d.others.length} other request(s)`, '0 other requests', d.others.length === 0);
    // The sample points of the cycles that ran (all DAEMON_CYCLES, or those the time budget allowed).
    const nearest = (cycle) => d.samples.reduce((a, b) => (Math.abs(b.cycle - cycle) < Math.abs(a.cycle - cycle) ? b : a), d.samples[0]);
    const points = [nearest(Math.min(SAMPLE_AT[0], Math.max(1, Math.floor(d.cycles / 10)))), nearest(Math.floor(d.cycles / 2)), nearest(d.cycles)];
    points.forEach((s, i) => {
      const last = i === points.length - 1;
      check(`daemon: VmRSS at cycle ${s?.cycle ?? '?'}`, s ? `${s.rssMb.toFixed(1)} MB` : 'not sampled', last ? `< ${TARGET_RSS_MB} MB` : '–', last ? (s ? s.rssMb < TARGET_RSS_MB : null) : null);
    });
    const [, mid, end] = points;
    if (mid && end && end.cycle > mid.cycle) {
      const growth = end.rssMb - mid.rssMb;
      check(`daemon: RSS growth, cycle ${mid.cycle} → ${end.cycle}`, `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB`, `none (≤ ${GROWTH_TOLERANCE_MB} MB)`, growth <= GROWTH_TOLERANCE_MB);
    }
    if (d.final) check('daemon: VmHWM (peak RSS) at the end', `${d.final.hwmMb.toFixed(1)} MB`, '(reported)', null);
    check('daemon: SIGTERM', d.exit.text, 'exit 0', d.exit.ok);
  }
  return out;
}

const verdict = (ok) => (ok == null ? '' : ok ? 'ok' : 'MISSED');

function report(ctx, results, notes) {
  const { log } = ctx;
  const rows = checks(results);
  log('');
  log(textTable(['measure', 'value', 'target', ''], rows.map((c) => [c.label, c.value, c.target, verdict(c.ok)])));
  log('');
  const first = results.once?.[0];
  if (first) {
    log(`agent: requests of in-sync run 1 (${first.requests.length}):`);
    first.requests.forEach((q, i) => log(`  ${i + 1}. ${q.line}`));
  }
  const d = results.daemon;
  if (d) log(`agent: daemon VmRSS every ${SAMPLE_EVERY} cycles (MB): ${d.samples.map((s) => `${s.cycle}:${s.rssMb.toFixed(1)}`).join(' ')}`);
  if (d && d.samples.some((s) => s.metrics)) {
    log('agent: the daemon\'s /metrics at the sample points:');
    log(textTable(['cycle', 'VmRSS (MB)', 'heap used (MB)', 'heap total (MB)', 'external (MB)', 'active handles', 'active Timeouts'], metricsRows(d), new Set([0, 1, 2, 3, 4, 5, 6])));
  }
  for (const c of rows) if (c.ok === false) log(`agent: MISSED: ${c.label}: ${c.value} (target ${c.target})`);
  if (rows.every((c) => c.ok !== false)) log('agent: all targets met');
}

function markdown(ctx, results, notes, loadAtStart) {
  const m = ctx.machine;
  const rows = checks(results);
  const first = results.once?.[0];
  const d = results.daemon;
  const f = results.first;
  return [
    `## Deploy agent — ${ctx.date}`,
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}; kernel ${m.kernel}; Node ${m.node}. Load average (1 min) ${loadAtStart.toFixed(2)} when the part started, ${os.loadavg()[0].toFixed(2)} when it ended.`,
    '',
    mdTable(['measure', 'value', 'target', 'result'], rows.map((c) => [c.label, c.value, c.target, c.ok === false ? '**MISSED**' : verdict(c.ok)])),
    '',
    ...(first ? [`Requests of the first in-sync \`agent --once\` (${first.requests.length}): ${first.requests.map((q) => `\`${q.line}\``).join(', ')}.`, ''] : []),
    ...(results.setup ? [`Setup requests: ${results.setup.tally}.`, ''] : []),
    ...(f ? [
      `First sync, ${FIRST_SYNC} certificates created by one \`agent --once\`: ${f.wallS.toFixed(1)} s wall (${(FIRST_SYNC / f.wallS).toFixed(1)} certificates/s), exit ${f.code}. Where the time goes (CPU seconds over the run): ` +
        `the agent ${f.agentCpuS != null ? f.agentCpuS.toFixed(1) : '?'} s (key, CSR, checks, files; peak RSS ${f.agentRssMb != null ? f.agentRssMb.toFixed(1) : '?'} MB), ` +
        `the manager stand-in ${f.standinCpuS.toFixed(1)} s (its ACME client orders each certificate from Pebble), Pebble ${f.pebbleCpuS.toFixed(1)} s; ` +
        `the rest of the ${f.wallS.toFixed(1)} s × ${ctx.machine.nproc} CPUs is waiting and the machine's other work. The agent's own summary: \`${f.syncDone ?? '–'}\`. Requests: ${f.tally}.`,
      '',
    ] : []),
    ...(d ? [`Daemon VmRSS every ${SAMPLE_EVERY} cycles (cycle: MB): ${d.samples.map((s) => `${s.cycle}: ${s.rssMb.toFixed(1)}`).join(', ')}.`, ''] : []),
    ...(d && d.samples.some((s) => s.metrics) ? [
      `The daemon's own \`/metrics\` (prom-client default metrics) at the sample points:`,
      '',
      mdTable(['cycle', 'VmRSS (MB)', 'heap used (MB)', 'heap total (MB)', 'external (MB)', 'active handles', 'active Timeout resources'], metricsRows(d), new Set([0, 1, 2, 3, 4, 5, 6])),
      '',
    ] : []),
    `Method: one Pebble on 127.0.0.1 (test/support/pebble.ts, \`PEBBLE_VA_ALWAYS_VALID=1\`) behind the ACME Manager stand-in (test/support/manager-standin.ts, bundled with esbuild into bench/work/standins/ at run time; it runs in the bench's process and logs every request). ` +
      `The binary is a copy of dist/acmecli taken at the start (a rebuild during the run cannot swap it). A client-config.yml with ${FIRST_SYNC} certificates (\`certificate_deploy: true\`, issuer \`pebble\`, \`c<N>.bench.example\`), a token with every scope, \`ACMECLI_HOME\` in a temp folder. **First sync**: one timed \`agent --once\` creates them all; CPU seconds of the agent (\`/usr/bin/time\`), of the stand-in (the bench's own process.cpuUsage(): the stand-in runs in it and the bench does nothing else meanwhile) and of Pebble (/proc/PID/stat). Then the config grows to ${CERTS} certificates. ` +
      `**Setup**: \`acmecli agent --config F --manager-url URL --once\` until it exits 0 (each certificate is a real ACME order at Pebble, run by the stand-in). ` +
      `**In sync**: ${ONCE_RUNS} more \`agent --once\`; requests counted in the stand-in's log; wall time from spawn to exit${ctx.tools.time ? ' (under `/usr/bin/time -f %M`, which gives the peak RSS; MB = 10⁶ bytes)' : ''}; the agent logs one line per in-sync cycle, so the part of the cycle after the request is the stand-in's receipt of it to the \`ts\` of \`sync done\`. ` +
      `**Daemon**: \`agent --interval ${INTERVAL} --metrics-listen 127.0.0.1:0 --log-level warn\` until ${DAEMON_CYCLES} metadata requests (or ${DAEMON_BUDGET_MS / 60_000} minutes, whichever comes first); a whole cycle (config re-read, list, compare, state write) is the mean gap between two metadata requests less the ${INTERVAL} interval (first ${Math.min(10, Math.floor(DAEMON_CYCLES / 10))} gaps left out); VmRSS read from /proc/PID/status as the request of cycle N arrives; "no growth" allows ${GROWTH_TOLERANCE_MB} MB of noise; then SIGTERM. ` +
      'The machine may be shared with other work while the bench runs.',
    ...(notes.length ? ['', ...notes.map((n) => `- Note: ${n}`)] : []),
  ].join('\n');
}

function metricsRows(d) {
  const f = (x, digits = 1) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(digits));
  return d.samples.filter((s) => s.metrics).map((s) => [
    s.cycle,
    f(s.rssMb),
    f(MB(s.metrics.heapUsed)),
    f(MB(s.metrics.heapTotal)),
    f(MB(s.metrics.external)),
    f(s.metrics.handles, 0),
    f(s.metrics.timeouts, 0),
  ]);
}

/**
 * The agent's /metrics, found without its log (--log-level warn hides the port):
 * the listening TCP socket among /proc/PID/fd, looked up in /proc/net/tcp.
 */
async function scrapeMetrics(pid) {
  const { readdir, readlink } = await import('node:fs/promises');
  const inodes = new Set();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]);
  }
  let port = null;
  for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) port = parseInt(f[1].split(':')[1], 16);
  }
  if (!port) return null;
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  const value = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  return {
    port,
    heapUsed: value(/^nodejs_heap_size_used_bytes (\S+)$/m),
    heapTotal: value(/^nodejs_heap_size_total_bytes (\S+)$/m),
    external: value(/^nodejs_external_memory_bytes (\S+)$/m),
    handles: value(/^nodejs_active_handles_total (\S+)$/m),
    timeouts: value(/^nodejs_active_resources\{type="Timeout"\} (\S+)$/m),
  };
}

// ---------------------------------------------------------------------------
// The stand-in: its `.js` imports name `.ts` files, which Node's type stripping
// does not resolve, so it is bundled (npm packages left external) at run time.
// (test/support/pebble.ts imports only Node built-ins and is imported as it is.)

async function loadStandin(ctx) {
  const outdir = path.join(ctx.workDir, 'standins');
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new BenchError(`esbuild is needed to bundle test/support/manager-standin.ts (npm install): ${error.message}`);
  }
  await esbuild.build({
    entryPoints: {
      'manager-standin': path.join(ctx.root, 'test', 'support', 'manager-standin.ts'),
      'reflect-metadata-shim': path.join(ctx.root, 'test', 'support', 'reflect-metadata-shim.ts'),
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outdir,
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: ctx.root,
  });
  // With the npm packages external, their imports are evaluated before any bundled
  // code, so the Reflect shim that @peculiar/x509 needs (the stand-in reaches it through
  // test/support/x509.ts) is loaded on its own beforehand.
  await import(pathToFileURL(path.join(outdir, 'reflect-metadata-shim.js')).href);
  return import(pathToFileURL(path.join(outdir, 'manager-standin.js')).href);
}

// ---------------------------------------------------------------------------
// Processes.

/**
 * A copy of dist/acmecli for this part: it runs for many minutes, and a rebuild of
 * dist/ meanwhile (others work in the same tree) would swap the binary mid-run.
 * Checked with --version, and taken again if it was caught half-written.
 */
async function privateCopy(ctx, dir) {
  const file = path.join(dir, 'acmecli');
  for (let attempt = 1; ; attempt++) {
    await copyFile(ctx.acmecli, file);
    await chmod(file, 0o755);
    const r = await spawnAsync([file, '--version'], { env: cleanEnv(), cwd: dir, timeoutMs: 30_000 });
    if (!r.error && r.code === 0) return file;
    if (attempt >= 5) throw new BenchError(`a copy of ${ctx.acmecli} does not run (${r.error?.message ?? `exit ${r.code}`}): ${oneLineOf(tailOf(r.stderr))}`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

/** spawn, collecting output; resolves at exit (exitAt: ms since the epoch). */
function spawnAsync(argv, { env, cwd, timeoutMs }) {
  const p = spawnLive(argv, { env, cwd });
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  return p.exited.finally(() => clearTimeout(timer));
}

/** spawn; `exited` resolves with { code, signal, error, exitAt, stdout, stderr }. */
function spawnLive(argv, { env, cwd }) {
  let stdout = '';
  let stderr = '';
  const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.length > 4e6) stdout = stdout.slice(-2e6);
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 4e6) stderr = stderr.slice(-2e6);
  });
  const exited = new Promise((resolve) => {
    let settled = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      resolve({ stdout, stderr, ...result });
    };
    child.once('error', (error) => done({ error, code: null, signal: null, exitAt: Date.now() }));
    child.once('exit', (code, signal) => {
      const result = { code, signal, exitAt: Date.now() };
      child.once('close', () => done(result));
      setTimeout(() => done(result), 2_000).unref();
    });
  });
  return { child, exited, stdoutText: () => stdout };
}

// ---------------------------------------------------------------------------
// Small helpers.

/** The last `sync done in N ms: …` line of logfmt output: { ts (ms since the epoch), msg }. */
function lastSyncDone(stdout) {
  let found = null;
  for (const line of String(stdout).split('\n')) {
    const m = /^ts=(\S+) level=\w+ msg="(sync done\b[^"]*)"/.exec(line);
    if (m) found = { ts: Date.parse(m[1]), msg: m[2] };
  }
  return found;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function fmtRange(lo, hi) {
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/** "N× METHOD /path" for each request kind, in the order first seen. */
function tally(list) {
  const counts = new Map();
  for (const r of list) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n}× \`${r}\``).join(', ');
}



