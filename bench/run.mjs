#!/usr/bin/env node
// The benchmark (`npm run bench` builds first, then runs this). Runs its parts in
// order, each printing a table and rewriting its own section of bench/RESULTS.md
// (between `<!-- NAME:begin -->` and `<!-- NAME:end -->`).
//
//   node bench/run.mjs                 all parts
//   node bench/run.mjs --only startup  one part (or a comma-separated list)
//   node bench/run.mjs --list          the parts' names
//
// Exits 1 only when something failed to run (a command, a build, a tool);
// a missed target is printed as MISSED and does not change the exit status.
// Benchmarks talk to 127.0.0.1 only.
// ACMECLI_BENCH_WITHOUT=hyperfine,time,lego acts as if those tools were missing.
//
// Adding a part: write bench/<name>.mjs exporting `async function bench<Name>(ctx)`
// and add it to PARTS below. ctx is described in makeContext().
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BenchError, ensurePinnedNode, findTool, machineInfo, replaceSection, root } from './lib.mjs';

ensurePinnedNode(import.meta.url);

/** In the order they run. `load` returns the part's function. */
const PARTS = [
  { name: 'startup', what: 'start-up time and peak RSS of offline commands', load: async () => (await import('./startup.mjs')).benchStartup },
  { name: 'issuance', what: 'issuance against a local Pebble: 1 and 50 certificates, beside lego, certbot, uacme', load: async () => (await import('./issuance.mjs')).benchIssuance },
  { name: 'lineages', what: 'cert renew --all and cert list over 10,000 lineages none due; 1,000 due at --concurrency 1, 4, 16, 64', load: async () => (await import('./lineages.mjs')).benchLineages },
  { name: 'agent', what: 'deploy agent against the ACME Manager stand-in: a first sync creating 1,000 certificates, then 5,000 in sync, --once and a 1,000-cycle daemon', load: async () => (await import('./agent.mjs')).benchAgent },
];

function usage() {
  return `usage: node bench/run.mjs [--only PART[,PART…]] [--list]\nparts: ${PARTS.map((p) => p.name).join(', ')}`;
}

function parseArgs(argv) {
  const opts = { only: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!value) throw new BenchError(`--only needs a part name\n${usage()}`);
      opts.only = [...(opts.only ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
    } else if (a === '--list') {
      opts.list = true;
    } else if (a === '-h' || a === '--help') {
      console.log(usage());
      process.exit(0);
    } else {
      throw new BenchError(`unknown argument ${a}\n${usage()}`);
    }
  }
  for (const name of opts.only ?? []) {
    if (!PARTS.some((p) => p.name === name)) throw new BenchError(`no part named ${name}\n${usage()}`);
  }
  return opts;
}

async function makeContext() {
  const workDir = path.join(root, 'bench', 'work');
  await mkdir(workDir, { recursive: true });
  const acmecli = path.join(root, 'dist', 'acmecli');
  if (!existsSync(acmecli)) {
    console.log('bench: dist/acmecli is missing: building it (scripts/build-sea.mjs)');
    const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-sea.mjs')], { cwd: root, stdio: 'inherit' });
    if (b.error || b.status !== 0 || !existsSync(acmecli)) throw new BenchError('could not build dist/acmecli');
  }
  const tools = {
    hyperfine: findTool('hyperfine'),
    time: existsSync('/usr/bin/time') ? '/usr/bin/time' : null,
    lego: findTool('lego'),
    certbot: findTool('certbot'),
    uacme: findTool('uacme'),
  };
  // ACMECLI_BENCH_WITHOUT=hyperfine,time,… : act as if those tools were missing (to try the fallbacks).
  for (const name of (process.env.ACMECLI_BENCH_WITHOUT ?? '').split(',').map((s) => s.trim())) {
    if (name in tools) tools[name] = null;
  }
  const missing = Object.entries(tools).filter(([, file]) => !file).map(([name]) => name);
  if (missing.length) console.log(`bench: not installed, going on without: ${missing.join(', ')} (Debian packages ${missing.join(' ')})`);
  const tmpDirs = [];
  const failures = [];
  const resultsFile = path.join(root, 'bench', 'RESULTS.md');
  const now = new Date();
  return {
    root,
    /** Absolute path of the binary under test. */
    acmecli,
    /** bench/work/ (gitignored): caches kept between runs. */
    workDir,
    /** Absolute paths of the tools found, or null: hyperfine, time (/usr/bin/time), lego, certbot, uacme. */
    tools,
    /** { nproc, cpu, kernel, node } */
    machine: machineInfo(),
    /** e.g. "2025-01-31 14:05 UTC", for section headings. */
    date: `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    resultsFile,
    failures,
    log: (message) => console.log(message),
    /** Records a failure (the run exits 1 at the end) and prints it. */
    fail: (message) => {
      failures.push(message);
      console.error(`bench: FAILED: ${message}`);
    },
    /** A new temp folder, removed at the end of the run. */
    tmpDir: async (prefix = 'part-') => {
      const dir = await mkdtemp(path.join(os.tmpdir(), `acmecli-bench-${prefix}`));
      tmpDirs.push(dir);
      return dir;
    },
    /** Rewrites this part's section of bench/RESULTS.md. */
    writeSection: async (name, markdown) => {
      await replaceSection(resultsFile, name, markdown);
      console.log(`bench: wrote the ${name} section of ${path.relative(root, resultsFile)}`);
    },
    cleanup: async () => {
      await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const p of PARTS) console.log(`${p.name}\t${p.what}`);
    return 0;
  }
  const parts = opts.only ? PARTS.filter((p) => opts.only.includes(p.name)) : PARTS;
  const ctx = await makeContext();
  try {
    for (const part of parts) {
      console.log(`\n== bench: ${part.name} (${part.what})`);
      try {
        const fn = await part.load();
        await fn(ctx);
      } catch (error) {
        ctx.fail(`${part.name}: ${error instanceof BenchError ? error.message : (error?.stack ?? error)}`);
      }
    }
  } finally {
    await ctx.cleanup();
  }
  await quoteHeadlineInReadme();
  if (ctx.failures.length) {
    console.error(`\nbench: ${ctx.failures.length} failure(s):`);
    for (const f of ctx.failures) console.error(`  - ${f}`);
    return 1;
  }
  return 0;
}

/** The README's speed line, quoted again from RESULTS.md (bench/headline.mjs), so the two never disagree. */
async function quoteHeadlineInReadme() {
  const { headlineFrom, withHeadline } = await import('./headline.mjs');
  const headline = headlineFrom(await readFile(path.join(root, 'bench', 'RESULTS.md'), 'utf8'));
  if (!headline) return;
  const readmeFile = path.join(root, 'README.md');
  const readme = await readFile(readmeFile, 'utf8');
  const next = withHeadline(readme, headline);
  if (next === readme) return;
  await writeFile(readmeFile, next);
  console.log('bench: quoted the issuance headline in README.md');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`bench: ${error instanceof BenchError ? error.message : (error?.stack ?? error)}`);
    process.exitCode = 1;
  },
);
