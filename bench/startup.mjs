// Part "startup" of the benchmark: how fast dist/acmecli starts and how much
// memory it takes, against a bare Node SEA (the floor for any SEA built on the
// same Node) and `lego --version` (a Go binary doing the least it can).
//
// Timing: hyperfine -N --warmup 5 --runs 30 (a process.hrtime loop with the same
// counts when hyperfine is missing). Peak RSS: /usr/bin/time -f %M, the largest of
// a few runs. Targets (a miss is reported as MISSED, it does not fail the run):
//   - `acmecli --version` within 1.2x of the bare SEA;
//   - offline acmecli commands within 1.5x of the bare SEA, and under 80 ms (mean);
//   - acmecli peak RSS under 100 MB.
// A command that fails (non-zero exit) is a failure of the run.
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureBareSea } from './bare-sea.mjs';
import { cleanEnv, mdTable, mean, shellQuote, stddev, textTable, toolVersion } from './lib.mjs';

const WARMUP = 5;
const RUNS = 30;
const RSS_RUNS = 5;
const TARGET_VERSION_RATIO = 1.2;
const TARGET_OFFLINE_RATIO = 1.5;
const TARGET_OFFLINE_MS = 80;
const TARGET_RSS_MB = 100;

/**
 * ctx: { root, acmecli, workDir, tmpDir(), tools: { hyperfine, time, lego }, machine,
 *        log(), writeSection(name, markdown), fail(message) }
 * Returns nothing; failures go through ctx.fail.
 */
export async function benchStartup(ctx) {
  const { log } = ctx;
  const notes = [];
  const note = (message) => {
    notes.push(message);
    log(`startup: note: ${message}`);
  };

  const loadAtStart = os.loadavg()[0];
  const dir = await ctx.tmpDir('startup-');
  // Both executables run as copies (as the issuance part's acmecli does). A file written by one large write, as
  // postject and strip write them, sits in the page cache as large folios that the kernel maps whole: a fresh
  // dist/acmecli peaked at 66 MB for --version and its copy at 43 MB, the same bytes (issue 14). A copy, like a
  // file that dpkg installed, is measured as a user runs it.
  const runnableCopy = async (file, name) => {
    const copy = path.join(dir, name);
    await copyFile(file, copy);
    await chmod(copy, 0o755);
    return copy;
  };
  const bare = await runnableCopy(await ensureBareSea({ workDir: ctx.workDir, log }), 'bare-sea');
  const acmecli = await runnableCopy(ctx.acmecli, 'acmecli');
  // ACMECLI_HOME: an empty state folder, for `cert list` (the other commands read no state).
  const home = path.join(dir, 'home');
  await mkdir(home, { mode: 0o700 });
  const env = cleanEnv({ ACMECLI_HOME: home });

  // Inputs: an account key made by the binary under test.
  const keygen = spawnSync(acmecli, ['key', 'generate', 'ec256', '-o', 'k.pem'], { cwd: dir, env, encoding: 'utf8' });
  const haveKey = !keygen.error && keygen.status === 0;
  if (!haveKey) {
    ctx.fail(`startup: \`acmecli key generate ec256 -o k.pem\` failed (${keygen.error?.message ?? `exit ${keygen.status}`}): ${(keygen.stderr ?? '').trim()}`);
  }

  /** @type {{ id: string, label: string, argv: string[], targets: string[], needsKey?: boolean, optional?: string }[]} */
  const commands = [
    { id: 'bare', label: 'bare SEA (empty script)', argv: [bare], targets: [] },
    { id: 'version', label: 'acmecli --version', argv: [acmecli, '--version'], targets: ['ratio', 'offline', 'rss'] },
    {
      id: 'thumbprint',
      label: 'acmecli -k k.pem key thumbprint',
      argv: [acmecli, '-k', 'k.pem', 'key', 'thumbprint'],
      targets: ['offline-ratio', 'offline', 'rss'],
      needsKey: true,
    },
    {
      id: 'dns',
      label: 'acmecli -k k.pem dns records example.org … --offline',
      argv: [
        acmecli, '-k', 'k.pem', 'dns', 'records', 'example.org',
        '--account-uri', 'https://acme.example/acct/1', '--caa-identity', 'letsencrypt.org', '--offline',
      ],
      targets: ['offline-ratio', 'offline', 'rss'],
      needsKey: true,
    },
    // An empty state folder: the start-up of the command, not the reading of lineages (bench/lineages.mjs reads 10,000).
    { id: 'list', label: 'acmecli cert list (ACMECLI_HOME empty)', argv: [acmecli, 'cert', 'list'], targets: ['offline-ratio', 'offline', 'rss'] },
    { id: 'lego', label: 'lego --version', argv: ctx.tools.lego ? [ctx.tools.lego, '--version'] : null, targets: [], optional: 'lego' },
  ];

  // Check every command once: a failing one is reported and left out of the timings
  // (hyperfine would stop the whole run on it).
  const rows = [];
  for (const c of commands) {
    const row = { ...c, status: 'ok' };
    rows.push(row);
    if (!c.argv) {
      row.status = 'skipped';
      note(`${c.optional} not found (Debian package ${c.optional}): \`${c.label}\` skipped`);
      continue;
    }
    if (c.needsKey && !haveKey) {
      row.status = 'failed';
      continue;
    }
    const r = spawnSync(c.argv[0], c.argv.slice(1), { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
    if (r.error || r.status !== 0) {
      row.status = 'failed';
      ctx.fail(`startup: \`${c.label}\` failed (${r.error?.message ?? `exit ${r.status}${r.signal ? `, ${r.signal}` : ''}`}): ${oneLineOf(r.stderr)}`);
    } else if (c.id === 'bare' && (r.stdout || r.stderr)) {
      note(`bare SEA printed something: ${oneLineOf(r.stdout + r.stderr)}`);
    }
  }
  const live = rows.filter((r) => r.status === 'ok');

  // Timings.
  if (ctx.tools.hyperfine) {
    const json = path.join(dir, 'hyperfine.json');
    const args = ['-N', '--warmup', String(WARMUP), '--runs', String(RUNS), '--export-json', json];
    for (const r of live) args.push('-n', r.label, r.argv.map(shellQuote).join(' '));
    log(`startup: hyperfine -N --warmup ${WARMUP} --runs ${RUNS} (${live.length} commands)`);
    const h = spawnSync(ctx.tools.hyperfine, args, { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (h.error || h.status !== 0) {
      ctx.fail(`startup: hyperfine failed (${h.error?.message ?? `exit ${h.status}`})`);
    } else {
      const results = JSON.parse(await readFile(json, 'utf8')).results;
      live.forEach((r, i) => {
        r.meanMs = results[i].mean * 1000;
        r.sdMs = results[i].stddev * 1000;
      });
    }
  } else {
    note(`hyperfine not found (Debian package hyperfine): timed with a process.hrtime loop instead (${WARMUP} warm-up, ${RUNS} runs, spawnSync)`);
    for (const r of live) {
      const times = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t0 = process.hrtime.bigint();
        const x = spawnSync(r.argv[0], r.argv.slice(1), { cwd: dir, env, stdio: 'ignore' });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (x.error || x.status !== 0) {
          r.status = 'failed';
          ctx.fail(`startup: \`${r.label}\` failed on run ${i + 1}`);
          break;
        }
        if (i >= WARMUP) times.push(ms);
      }
      if (r.status === 'ok') {
        r.meanMs = mean(times);
        r.sdMs = stddev(times);
      }
      log(`startup: ${r.label}: ${fmtMs(r)}`);
    }
  }

  // Peak RSS.
  if (ctx.tools.time) {
    const out = path.join(dir, 'time.out');
    for (const r of live) {
      if (r.status !== 'ok') continue;
      let peakKb = 0;
      for (let i = 0; i < RSS_RUNS; i++) {
        const x = spawnSync(ctx.tools.time, ['-f', '%M', '-o', out, ...r.argv], { cwd: dir, env, stdio: 'ignore' });
        const kb = Number((await readFile(out, 'utf8').catch(() => '')).trim().split('\n').pop());
        if (x.error || x.status !== 0 || !Number.isFinite(kb)) {
          ctx.fail(`startup: \`${r.label}\` failed under /usr/bin/time`);
          peakKb = NaN;
          break;
        }
        peakKb = Math.max(peakKb, kb);
      }
      r.rssMb = (peakKb * 1024) / 1e6;
    }
  } else {
    note('GNU time not found: peak RSS not measured (install Debian package time: apt-get install time)');
  }

  // Ratios and targets.
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const ratio = (r, ref) => (r.meanMs != null && ref?.meanMs != null ? r.meanMs / ref.meanMs : null);
  const missed = [];
  for (const r of rows) {
    r.toBare = ratio(r, byId.bare);
    r.toLego = ratio(r, byId.lego);
    r.checks = [];
    if (r.status !== 'ok') continue;
    for (const t of r.targets) {
      let check;
      if (t === 'ratio') {
        check = { name: `≤${TARGET_VERSION_RATIO}× bare`, ok: r.toBare == null ? null : r.toBare <= TARGET_VERSION_RATIO };
        if (check.ok === false) missed.push(`${r.label}: ${r.toBare.toFixed(2)}× the bare SEA (target ≤ ${TARGET_VERSION_RATIO}×)`);
      } else if (t === 'offline-ratio') {
        check = { name: `≤${TARGET_OFFLINE_RATIO}× bare`, ok: r.toBare == null ? null : r.toBare <= TARGET_OFFLINE_RATIO };
        if (check.ok === false) missed.push(`${r.label}: ${r.toBare.toFixed(2)}× the bare SEA (target ≤ ${TARGET_OFFLINE_RATIO}×)`);
      } else if (t === 'offline') {
        check = { name: `<${TARGET_OFFLINE_MS} ms`, ok: r.meanMs == null ? null : r.meanMs < TARGET_OFFLINE_MS };
        if (check.ok === false) missed.push(`${r.label}: ${r.meanMs.toFixed(1)} ms (target < ${TARGET_OFFLINE_MS} ms)`);
      } else if (t === 'rss') {
        check = { name: `<${TARGET_RSS_MB} MB`, ok: r.rssMb == null || Number.isNaN(r.rssMb) ? null : r.rssMb < TARGET_RSS_MB };
        if (check.ok === false) missed.push(`${r.label}: peak RSS ${r.rssMb.toFixed(1)} MB (target < ${TARGET_RSS_MB} MB)`);
      }
      r.checks.push(check);
    }
  }

  const headers = ['command', 'mean ± σ (ms)', '× bare SEA', '× lego --version', 'peak RSS (MB)', 'targets'];
  const right = new Set([1, 2, 3, 4]);
  const cells = rows.map((r) => [
    r.label,
    r.status === 'ok' ? fmtMs(r) : r.status.toUpperCase(),
    r.toBare == null ? '–' : `${r.toBare.toFixed(2)}×`,
    r.toLego == null ? '–' : `${r.toLego.toFixed(2)}×`,
    r.rssMb == null || Number.isNaN(r.rssMb) ? '–' : r.rssMb.toFixed(1),
    targetsCell(r),
  ]);

  log('');
  log(textTable(headers, cells, right));
  log('');
  if (missed.length) for (const m of missed) log(`startup: MISSED: ${m}`);
  else if (rows.some((r) => r.checks.length)) log('startup: all targets met');

  // RESULTS.md section.
  const m = ctx.machine;
  const versions = [
    `Node ${m.node} (the same binary, stripped, is inside both SEAs)`,
    ctx.tools.hyperfine ? toolVersion(ctx.tools.hyperfine) : null,
    ctx.tools.lego ? toolVersion(ctx.tools.lego) : null,
  ].filter(Boolean);
  const md = [
    `## Start-up — ${ctx.date}`,
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}; kernel ${m.kernel}; ${versions.join('; ')}. Load average (1 min) ${loadAtStart.toFixed(2)} when the part started, ${os.loadavg()[0].toFixed(2)} when it ended.`,
    '',
    mdTable(headers, cells.map((c, j) => c.map((x, i) => (i === 0 && rows[j].id !== 'bare' ? `\`${x}\`` : x))), right),
    '',
    ...(missed.length ? [...missed.map((x) => `- **MISSED**: ${x}`), ''] : rows.some((r) => r.checks.length) ? ['All targets met.', ''] : []),
    `Method: ${ctx.tools.hyperfine ? `\`hyperfine -N --warmup ${WARMUP} --runs ${RUNS}\`` : `process.hrtime loop around spawnSync (${WARMUP} warm-up, ${RUNS} runs)`}, all commands in one run, in a temp folder holding an EC P-256 account key \`k.pem\` made by \`acmecli key generate ec256\`. ` +
      `The dns command is \`acmecli -k k.pem dns records example.org --account-uri https://acme.example/acct/1 --caa-identity letsencrypt.org --offline\`. ` +
      (ctx.tools.time ? `Peak RSS: largest of ${RSS_RUNS} runs of \`/usr/bin/time -f %M\` (MB = 10⁶ bytes). ` : 'Peak RSS: not measured. ') +
      `The bare SEA is the pinned Node with an empty main script, built like \`dist/acmecli\` (code cache on, no snapshot; bench/bare-sea.mjs). ` +
      `Both executables run as copies made at the start of the part (copyFile, as the issuance part does): the file the build writes in one large write sits in the page cache as large folios that the kernel maps whole, which added ~20 MB to the peak RSS of a fresh dist/acmecli (and ~19 MB to the bare SEA) but not to a copy or an installed file. ` +
      `\`cert list\` runs with ACMECLI_HOME set to an empty folder (its start-up; bench/lineages.mjs times it over 10,000 lineages). ` +
      `Targets: \`--version\` ≤ ${TARGET_VERSION_RATIO}× the bare SEA; offline commands ≤ ${TARGET_OFFLINE_RATIO}× the bare SEA and < ${TARGET_OFFLINE_MS} ms; peak RSS < ${TARGET_RSS_MB} MB.`,
    ...(notes.length ? ['', ...notes.map((n) => `- Note: ${n}`)] : []),
  ].join('\n');
  await ctx.writeSection('startup', md);
}

function fmtMs(r) {
  return `${r.meanMs.toFixed(1)} ± ${r.sdMs.toFixed(1)}`;
}

function targetsCell(r) {
  if (r.status !== 'ok') return r.status === 'skipped' ? 'skipped' : 'FAILED';
  if (!r.targets.length) return 'reference';
  const parts = r.checks.map((c) => `${c.name} ${c.ok == null ? '?' : c.ok ? 'ok' : 'MISSED'}`);
  return parts.join(', ');
}

function oneLineOf(text) {
  return String(text ?? '').replace(/\s*\n\s*/g, ' ').trim().slice(0, 300);
}
