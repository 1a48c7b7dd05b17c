// Part "issuance" of the benchmark: how fast dist/acmecli gets certificates from a
// CA, side by side with lego, certbot and uacme, all against one local Pebble
// (test/support/pebble.ts: PEBBLE_VA_NOSLEEP=1; here also PEBBLE_AUTHZREUSE=0, so
// that every order needs a fresh http-01 validation, whichever client sends it).
//
// (a) One certificate: http-01 on Pebble's httpPort, account registered beforehand,
//     one untimed warm-up issue per client, then RUNS rounds in which the clients
//     take turns (order reversed every other round), each issue for a fresh name.
//     Beside them, the floor: the same command run by main() inside one warm Node
//     process (bench/issuance-floor.ts), i.e. acmecli without a process start.
//     Wall time from spawn to exit (the files are on disk by then), median of RUNS;
//     peak RSS with /usr/bin/time -f %M (largest of the runs); requests to the CA
//     counted in Pebble's log (see countRequests).
// (b) 50 certificates: acmecli issues 50 lineages (setup, untimed), then
//     `cert renew --all --force` is timed (default concurrency). The peers run one
//     process per certificate, one after the other, as cron would; when the first
//     PEER_PROBE of them project more than PEER_BUDGET_S for 50, the run stops there
//     and the 50-certificate time is extrapolated (and said so).
//
// Pebble validates http-01 on its one httpPort, so the clients run one at a time.
// uacme has no option for a CA file and verifies TLS with the system bundle
// (libcurl): each uacme process runs in a private mount namespace (`unshare -m`)
// where /etc/ssl/certs/ca-certificates.crt is bind-mounted to a copy with Pebble's
// listener CA appended; nothing outside that process sees it. Its wall time starts
// when the wrapper execs uacme (a timestamp written just before), so the wrapper's
// own cost is not counted.
//
// Targets (a miss is printed as MISSED, it does not fail the run):
//   - one certificate in under 0.35 s (median), and at most 0.75x uacme's median;
//   - 50 certificates (cert renew --all --force) in under 4 s;
//   - peak RSS under 120 MB, and under 70 MB for one certificate;
//   - at most 9 requests per single-name certificate with a cached account.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BenchError, cleanEnv, findTool, mdTable, textTable, errorText, tailOf, oneLineOf } from './lib.mjs';

// ACMECLI_BENCH_QUICK=1: 2 runs and 4 "fifty" certificates, to try the bench itself.
const QUICK = Boolean(process.env.ACMECLI_BENCH_QUICK);
// One certificate: acmecli, its in-process floor and uacme take part in every round
// (alternating: the order is reversed every other round); lego and certbot, at
// seconds each, in the first PEER_RUNS rounds only.
const RUNS = QUICK ? 2 : 11;
const PEER_RUNS = QUICK ? 2 : 5;
const FIFTY = QUICK ? 4 : 50;
const PEER_PROBE = QUICK ? 2 : 10;
const PEER_BUDGET_S = 180;
const PROCESS_TIMEOUT_MS = 120_000;
const HOST = '127.0.0.1';
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const EMAIL = 'x@example.com';

const TARGET_ONE_S = 0.35;
/** acmecli's median for one certificate at most this share of uacme's (issue 14). */
const TARGET_VS_UACME = 0.75;
const TARGET_FIFTY_S = 4;
const TARGET_RSS_MB = 120;
/** Issue 14: peak RSS for one certificate (a bare single executable is ~40 MB). */
const TARGET_RSS_ONE_MB = 70;
const TARGET_REQUESTS = 9;

/**
 * What a single-name order needs with a cached account and a pending authorization:
 * the extra requests acmecli sends beyond these are named in the report.
 */
const EXPECTED_REQUESTS = [
  ['GET /dir', 1, 'directory (not cached between runs)'],
  ['GET /nonce-plz', 1, 'first nonce (GET, not HEAD: the connection stays open)'],
  ['POST /order-plz', 1, 'newOrder'],
  ['POST /authZ/', 2, 'authorization, then one poll after the challenge'],
  ['POST /chalZ/', 1, 'respond to the challenge'],
  ['POST /finalize-order/', 1, 'finalize'],
  ['POST /my-order/', 1, 'order poll (Pebble finalizes asynchronously)'],
  ['POST /certZ/', 1, 'download'],
];

/**
 * Requests to the ACME API in a piece of Pebble's log. Pebble's WFE logs one line
 * `Pebble <date> <time> <METHOD> <path> -> calling handler()` when it routes an HTTP
 * request to an ACME handler (the path is the handler's prefix: /authZ/, /chalZ/,
 * …). The management interface logs nothing, and the other lines (validation
 * attempts, "Issued certificate", "There are now N orders") are not requests.
 */
export function countRequests(logText) {
  const requests = [];
  for (const line of logText.split('\n')) {
    const m = /\b(GET|HEAD|POST|PUT|DELETE) (\/\S*) -> calling handler\(\)\s*$/.exec(line);
    if (m) requests.push(`${m[1]} ${m[2]}`);
  }
  return requests;
}

/**
 * ctx: see bench/run.mjs makeContext(). Returns nothing; failures go through ctx.fail.
 */
export async function benchIssuance(ctx) {
  const { log } = ctx;
  const notes = [];
  const note = (message) => {
    notes.push(message);
    log(`issuance: note: ${message}`);
  };
  if (QUICK) note(`ACMECLI_BENCH_QUICK is set: ${RUNS} runs, ${FIFTY} certificates instead of 50: not a real measurement`);
  if (!ctx.tools.time) note('GNU time not found: peak RSS not measured (Debian package time)');

  const loadAtStart = os.loadavg()[0];
  // Others may rebuild dist/acmecli while this part runs (minutes): measure a private copy.
  const binary = await privateCopy(ctx);
  ctx = { ...ctx, acmecli: binary.file, acmecliBuild: binary.build };

  const { startPebble } = await import('../test/support/pebble.ts');
  log('issuance: starting Pebble (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0)');
  const pebble = await startPebble({ keepFiles: true, env: { PEBBLE_AUTHZREUSE: '0' } });
  const pebbleVersion = (() => {
    const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'pebble'], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? `Pebble ${r.stdout.trim()} (Debian)` : 'Pebble';
  })();
  const env = { directoryUrl: pebble.directoryUrl, caFile: pebble.caFile, httpPort: pebble.httpPort };

  /** Byte offset in Pebble's log, for requestsSince. */
  const mark = async () => (await pebble.readLog()).length;
  const requestsSince = async (offset) => countRequests((await pebble.readLog()).slice(offset));

  const clients = [];
  try {
    clients.push(await acmecliClient(ctx, env));
    for (const make of [legoClient, certbotClient, uacmeClient, uacmeSystemTrustClient]) {
      const c = await make(ctx, env, note);
      clients.push(c);
    }
    // A process per certificate: spawn to exit (uacme: from its exec), under /usr/bin/time.
    for (const c of clients) c.measure ??= (name, options) => measure(ctx, c.issue(name, options));

    // (a) one certificate: set-up and an untimed warm-up certificate per client…
    const floor = await floorClient(ctx, env, clients[0]);
    clients.splice(1, 0, floor);
    for (const c of clients) {
      if (c.status !== 'ok') continue;
      log(`issuance: ${c.id}: setup`);
      try {
        await c.setup();
        await c.startServing?.();
        // Warm-up: for acmecli with -v, to check the log count against the client's own list.
        const warmName = `${c.id}-warm.example.com`;
        const before = await mark();
        const warm = await c.measure(warmName, { verbose: true });
        await c.checkFiles(warmName);
        const logged = await requestsSince(before);
        if (c.id === 'acmecli') {
          const printed = (warm.stderr.match(/^(GET|HEAD|POST) https?:\/\/\S+ → \d+/gm) ?? []).length;
          c.selfCheck = { printed, logged: logged.length };
          const text = `request count check: \`acmecli -v\` printed ${printed} requests for its warm-up certificate; Pebble's log has ${logged.length} request lines for it`;
          if (printed === logged.length) log(`issuance: ${text} (they agree)`);
          else note(`${text}: THEY DISAGREE`);
        }
        c.one = { times: [], rssKb: [], requests: [] };
      } catch (error) {
        c.status = 'failed';
        ctx.fail(`issuance: ${c.id} (one certificate, set-up): ${errorText(error)}`);
      } finally {
        await c.stopServing?.();
      }
    }
    // …then the timed runs, alternating between the clients round by round.
    for (let round = 1; round <= RUNS; round++) {
      const order = round % 2 ? clients : [...clients].reverse();
      for (const c of order) {
        if (c.status !== 'ok' || (c.peer && round > PEER_RUNS)) continue;
        const name = `${c.id}-${round}.example.com`;
        try {
          await c.startServing?.();
          const offset = await mark();
          const r = await c.measure(name);
          await c.checkFiles(name);
          const reqs = await requestsSince(offset);
          c.one.times.push(r.ms / 1000);
          if (r.rssKb != null) c.one.rssKb.push(r.rssKb);
          c.one.requests.push(reqs);
          log(`issuance: round ${round}: ${c.id}: ${name}: ${(r.ms / 1000).toFixed(3)} s, ${reqs.length} requests${r.rssKb != null ? `, ${(r.rssKb * 1024 / 1e6).toFixed(1)} MB` : ''}`);
        } catch (error) {
          c.status = 'failed';
          ctx.fail(`issuance: ${c.id} (one certificate): ${errorText(error)}`);
        } finally {
          await c.stopServing?.();
        }
      }
    }
    await floor.stop();

    // (b) 50 certificates.
    for (const c of clients) {
      if (c.status !== 'ok' || c.id === 'floor' || c.oneOnly) continue;
      try {
        await c.startServing?.();
        c.fifty = c.id === 'acmecli' ? await fiftyAcmecli(ctx, c, mark, requestsSince) : await fiftyPeer(ctx, c, mark, requestsSince);
      } catch (error) {
        c.status = 'failed';
        ctx.fail(`issuance: ${c.id} (50 certificates): ${errorText(error)}`);
      } finally {
        await c.stopServing?.();
      }
    }
  } finally {
    await pebble.stop();
    if (process.env.ACMECLI_BENCH_KEEP_PEBBLE) log(`issuance: Pebble's files kept in ${pebble.dir}`);
    else await rm(pebble.dir, { recursive: true, force: true });
  }

  // Results.
  const acme = clients.find((c) => c.id === 'acmecli');
  const mb = (kb) => (kb * 1024) / 1e6;
  for (const c of clients) {
    if (c.one?.times.length === (c.peer ? Math.min(RUNS, PEER_RUNS) : RUNS)) {
      c.oneMedian = median(c.one.times);
      c.oneMin = Math.min(...c.one.times);
      c.oneMax = Math.max(...c.one.times);
      c.oneRssMb = c.one.rssKb.length ? mb(Math.max(...c.one.rssKb)) : null;
      const counts = c.one.requests.map((r) => r.length);
      c.oneReqMin = Math.min(...counts);
      c.oneReqMax = Math.max(...counts);
    }
  }
  const ratio = (c, key) => (c[key] != null && acme?.[key] != null ? c[key] / acme[key] : null);
  for (const c of clients) {
    c.fiftyS = c.fifty?.seconds ?? null;
  }

  const uacme = clients.find((c) => c.id === 'uacme');
  const checks = [];
  const check = (label, ok, detail, reported = false) => checks.push({ label, ok, detail, reported });
  if (acme?.oneMedian != null) {
    check(`one certificate < ${TARGET_ONE_S} s`, acme.oneMedian < TARGET_ONE_S, `median ${acme.oneMedian.toFixed(3)} s`);
    const vsUacme = `one certificate ≤ ${TARGET_VS_UACME}× uacme's median`;
    if (uacme?.oneMedian != null) check(vsUacme, acme.oneMedian <= TARGET_VS_UACME * uacme.oneMedian, `${acme.oneMedian.toFixed(3)} s vs uacme ${uacme.oneMedian.toFixed(3)} s: ${(acme.oneMedian / uacme.oneMedian).toFixed(2)}×`);
    else check(vsUacme, null, `uacme not measured (${uacme?.reason ?? 'failed'})`);
    const floorC = clients.find((c) => c.id === 'floor');
    if (floorC?.oneMedian != null) check('the executable against its in-process floor', null, `${acme.oneMedian.toFixed(3)} s vs ${floorC.oneMedian.toFixed(3)} s: ${((acme.oneMedian - floorC.oneMedian) * 1000).toFixed(0)} ms above the floor`, true);
    check(`at most ${TARGET_REQUESTS} requests per single-name certificate`, acme.oneReqMax <= TARGET_REQUESTS, `${fmtRange(acme.oneReqMin, acme.oneReqMax)} requests`);
  }
  if (acme?.fiftyS != null) check(`50 certificates < ${TARGET_FIFTY_S} s`, acme.fiftyS < TARGET_FIFTY_S, `${acme.fiftyS.toFixed(2)} s`);
  const acmeRss = [acme?.oneRssMb, acme?.fifty?.rssMb].filter((x) => x != null);
  if (acme?.oneRssMb != null) check(`peak RSS for one certificate < ${TARGET_RSS_ONE_MB} MB`, acme.oneRssMb < TARGET_RSS_ONE_MB, `${acme.oneRssMb.toFixed(1)} MB`);
  if (acmeRss.length) check(`peak RSS < ${TARGET_RSS_MB} MB`, Math.max(...acmeRss) < TARGET_RSS_MB, `${acmeRss.map((x) => x.toFixed(1)).join(' MB (1 cert), ')} MB${acmeRss.length > 1 ? ' (50 certs)' : ''}`);

  // acmecli's requests for one certificate (its first timed run), and the extra ones.
  const acmeList = acme?.one?.requests[0] ?? [];
  const extras = extraRequests(acmeList);

  const headers = ['client', '1 cert median (s)', 'min–max (s)', '× acmecli (1)', '50 certs (s)', '× acmecli (50)', 'peak RSS 1 cert (MB)', 'peak RSS 50 certs (MB)', 'requests / cert (1 cert)', 'requests / cert (50)'];
  const right = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const cells = clients.map((c) => {
    if (c.status === 'skipped') return [c.label, c.reason, '', '', '', '', '', '', '', ''];
    const r1 = ratio(c, 'oneMedian');
    const r50 = ratio(c, 'fiftyS');
    return [
      c.label,
      c.oneMedian != null ? c.oneMedian.toFixed(3) : 'FAILED',
      c.oneMedian != null ? `${c.oneMin.toFixed(3)}–${c.oneMax.toFixed(3)}` : '–',
      r1 != null ? `${r1.toFixed(2)}×` : '–',
      c.fiftyS != null ? `${c.fiftyS.toFixed(2)}${c.fifty.extrapolated ? ` (est.: ${c.fifty.count} run)` : ''}` : c.oneMedian != null && c.id !== 'floor' && !c.oneOnly ? 'FAILED' : '–',
      r50 != null ? `${r50.toFixed(2)}×` : '–',
      c.oneRssMb != null ? c.oneRssMb.toFixed(1) : '–',
      c.fifty?.rssMb != null ? c.fifty.rssMb.toFixed(1) : '–',
      c.oneMedian != null ? fmtRange(c.oneReqMin, c.oneReqMax) : '–',
      c.fifty ? c.fifty.perCert.toFixed(1) : '–',
    ];
  });

  log('');
  log(textTable(headers, cells, right));
  log('');
  log(`issuance: acmecli's requests for one certificate (${acmeList.length}):`);
  acmeList.forEach((r, i) => log(`  ${String(i + 1).padStart(2)}. ${r}`));
  for (const e of extras) log(`issuance: extra request: ${e}`);
  if (acme?.fifty?.byPath) log(`issuance: acmecli cert renew --all --force (${FIFTY}): ${acme.fifty.requests} requests: ${acme.fifty.byPath.replace(/`/g, '')}`);
  log('');
  for (const c of checks) log(`issuance: ${c.reported ? 'reported' : c.ok == null ? 'NOT CHECKED' : c.ok ? 'met' : 'MISSED'}: ${c.label}: ${c.detail}`);

  // RESULTS.md section.
  const m = ctx.machine;
  const versions = [...new Set(clients.map((c) => c.version).filter(Boolean))];
  const md = [
    `## Issuance — ${ctx.date}`,
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}; kernel ${m.kernel}; Node ${m.node}; ${pebbleVersion}; ${versions.join('; ')}. ` +
      `Load average (1 min) ${loadAtStart.toFixed(2)} when the part started, ${os.loadavg()[0].toFixed(2)} when it ended.`,
    '',
    mdTable(headers, cells.map((row, j) => row.map((x, i) => (i === 0 && clients[j].id === 'acmecli' ? `**${x}**` : x))), right),
    '',
    'Targets for acmecli:',
    '',
    ...checks.map((c) => `- ${c.reported ? 'reported' : c.ok == null ? 'not checked' : c.ok ? 'met' : '**MISSED**'}: ${c.label} — ${c.detail}`),
    '',
    `acmecli's requests to the CA for one certificate (first timed run, from Pebble's log):`,
    '',
    ...acmeList.map((r, i) => `${i + 1}. \`${r}\``),
    '',
    ...(extras.length ? [`Beyond the ${TARGET_REQUESTS} a single-name order needs: ${extras.join('; ')}.`, ''] : []),
    ...(acme?.fifty?.byPath ? [`acmecli's requests for \`cert renew --all --force\` of ${FIFTY} lineages (${acme.fifty.requests}): ${acme.fifty.byPath}.`, ''] : []),
    `Method: one Pebble on 127.0.0.1 (test/support/pebble.ts, \`PEBBLE_VA_NOSLEEP=1\`, \`PEBBLE_AUTHZREUSE=0\` so that no client gets an authorization for free), clients run one at a time (acmecli: a copy of dist/acmecli taken when the part starts), each with its account registered beforehand and one untimed warm-up certificate. ` +
      `**1 cert**: ${RUNS} rounds; in each, every client issues one certificate for a fresh name, one client after the other, in the opposite order every other round (so that a drift in the machine's load hits all alike); lego and certbot (seconds each) take part in the first ${PEER_RUNS} rounds only. http-01 is answered on Pebble's httpPort (acmecli \`cert issue -d NAME --http-standalone 127.0.0.1:PORT\`, lego \`--http --http.port 127.0.0.1:PORT … run\`, certbot \`certonly --standalone --http-01-address 127.0.0.1 --http-01-port PORT\`, uacme \`-t EC -h HOOK issue NAME\` with a hook writing into a folder served by the bench on 127.0.0.1:PORT); ` +
      `wall time from spawn to exit (files on disk), median and range. ` +
      `**Floor**: the same \`cert issue\` command line run by acmecli's main() (src/entry/main.ts) inside one long-lived Node process (bench/issuance-floor.ts, bundled with esbuild, same Node, same account key, warmed up by its own first certificate): no process start, no module loading, a warm JIT, and the transport's connection to Pebble may be kept alive between certificates; its time is main()'s, from inside that process. The executable's median less the floor's is what starting a process costs. ` +
      `**50 certs**: acmecli issues ${FIFTY} lineages untimed, then \`cert renew --all --force\` (default concurrency) is timed, and every lineage's certificate must have changed; peers run one process per new name, one after the other (lego \`run\`, certbot \`certonly\`, uacme \`issue\`); when the first ${PEER_PROBE} project more than ${PEER_BUDGET_S} s for ${FIFTY}, the rest is not run and the time is ${FIFTY}/${PEER_PROBE} × the measured one ("est."). ` +
      (ctx.tools.time ? 'Peak RSS: `/usr/bin/time -f %M` around each process, the largest (MB = 10⁶ bytes). ' : 'Peak RSS: not measured (no GNU time). ') +
      `Pebble reuses a valid authorization about 1% of the time even with \`PEBBLE_AUTHZREUSE=0\` (its test is \`rand.Intn(100) > percent\`), so a renewal of ${FIFTY} names may skip a challenge or so; fresh names never can. ` +
      `Requests: lines \`<METHOD> <path> -> calling handler()\` that Pebble's WFE logs for each HTTP request to the ACME API, counted between the start and the end of each run (the management API and Pebble's validation requests to the client are not counted); per certificate in the 50-certificate runs. ` +
      (acme?.selfCheck ? `Checked against \`acmecli -v\`, which prints each request: ${acme.selfCheck.printed} printed, ${acme.selfCheck.logged} logged for the warm-up certificate. ` : '') +
      'uacme has no CA-file option and trusts only the system bundle: each uacme process runs under `unshare -m` with /etc/ssl/certs/ca-certificates.crt bind-mounted over by a file of our own (private to that process); its time starts when the wrapper execs it. ' +
      'uacme (GnuTLS through libcurl) reads that whole file for each of its connections, so it is measured twice: trusting Pebble\'s listener CA alone (the fastest uacme can go, and the one the ratios and the target use) and, for one certificate, trusting the system\'s ~150 roots plus Pebble\'s CA, as an installed uacme would. ' +
      'The cert key is EC P-256 for every client (the default of acmecli, lego and certbot 2; `-t EC` for uacme). ' +
      'The machine may be shared with other work while the bench runs: the range column shows how steady the runs were.',
    ...(notes.length ? ['', ...notes.map((n) => `- Note: ${n}`)] : []),
  ].join('\n');
  await ctx.writeSection('issuance', md);
}

// ---------------------------------------------------------------------------
// Clients. Each: { id, label, version, status: 'ok'|'skipped'|'failed', reason,
// setup(), issue(name, { verbose }) → a command for measure(), checkFiles(name),
// and optionally startServing()/stopServing() around its runs }.

async function acmecliClient(ctx, pebble) {
  const dir = await ctx.tmpDir('issuance-acmecli-');
  const baseEnv = {
    ACMECLI_ACME_URL: pebble.directoryUrl,
    ACMECLI_CA_FILE: pebble.caFile,
    ACMECLI_KEY: path.join(dir, 'account.pem'),
  };
  const c = {
    id: 'acmecli',
    label: 'acmecli',
    status: 'ok',
    version: `acmecli ${versionLine(ctx.acmecli, ['--version']) ?? '?'} (dist/acmecli${ctx.acmecliBuild ? `, bundle ${ctx.acmecliBuild}` : ''})`,
    dir,
    baseEnv,
    envFor: (home) => cleanEnv({ ...baseEnv, ACMECLI_HOME: home }),
    solverArgs: ['--http-standalone', `${HOST}:${pebble.httpPort}`],
    async setup() {
      await mustRun(ctx, [ctx.acmecli, 'key', 'generate', 'ec256', '-o', baseEnv.ACMECLI_KEY], { cwd: dir, env: c.envFor(path.join(dir, 'home')) });
      await mustRun(ctx, [ctx.acmecli, 'account', 'create', '--agree-tos'], { cwd: dir, env: c.envFor(path.join(dir, 'home')) });
    },
    issue: (name, { verbose = false, home = path.join(dir, 'home'), out = path.join(dir, 'out') } = {}) => ({
      argv: [ctx.acmecli, ...(verbose ? ['-v'] : []), 'cert', 'issue', '-d', name, ...c.solverArgs, '--out', out],
      env: c.envFor(home),
      cwd: dir,
    }),
    checkFiles: (name, out = path.join(dir, 'out')) => mustExist([path.join(out, `${name}.crt`), path.join(out, `${name}.key`)]),
  };
  return c;
}

/**
 * The floor: the same `cert issue` command line as acmecli's, run by main() inside
 * one long-lived Node process (bench/issuance-floor.ts, bundled here with esbuild,
 * npm packages included, under the pinned Node). Same account key, its own state
 * folder. Its time is main()'s, measured inside that process.
 */
async function floorClient(ctx, pebble, acmecli) {
  const c = { id: 'floor', label: 'acmecli in-process (floor)', status: 'ok' };
  const dir = await ctx.tmpDir('issuance-floor-');
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    return skipped(c, `esbuild is needed to bundle bench/issuance-floor.ts (npm install): ${error.message}`);
  }
  const bundle = path.join(ctx.workDir, 'floor', 'issuance-floor.cjs');
  await esbuild.build({
    entryPoints: [path.join(ctx.root, 'bench', 'issuance-floor.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    outfile: bundle,
    logLevel: 'warning',
    absWorkingDir: ctx.root,
  });
  const home = path.join(dir, 'home');
  const out = path.join(dir, 'out');
  let child = null;
  let nextId = 0;
  const waiting = new Map();
  const start = () => {
    child = spawn(process.execPath, [bundle], { cwd: dir, env: cleanEnv({ ...acmecli.baseEnv, ACMECLI_HOME: home }), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 1e5) stderr += d;
    });
    child.on('message', (m) => {
      waiting.get(m.id)?.resolve(m);
      waiting.delete(m.id);
    });
    child.once('exit', (code, signal) => {
      for (const w of waiting.values()) w.reject(new BenchError(`the in-process floor exited (${signal ?? `exit ${code}`}): ${oneLineOf(tailOf(stderr))}`));
      waiting.clear();
    });
  };
  const send = (argv) => new Promise((resolve, reject) => {
    const id = ++nextId;
    waiting.set(id, { resolve, reject });
    child.send({ id, argv });
  });
  Object.assign(c, {
    version: null,
    async setup() {
      start();
    },
    async measure(name, { verbose = false } = {}) {
      const argv = [...(verbose ? ['-v'] : []), 'cert', 'issue', '-d', name, ...acmecli.solverArgs, '--out', out];
      const r = await send(argv);
      if (r.code !== 0) throw new BenchError(`in-process \`acmecli ${argv.join(' ')}\` failed (exit ${r.code}): ${oneLineOf(tailOf(r.stderr))}`);
      return { ms: r.ms, rssKb: null, stdout: '', stderr: r.stderr };
    },
    checkFiles: (name) => mustExist([path.join(out, `${name}.crt`), path.join(out, `${name}.key`)]),
    async stop() {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.disconnect();
        await exited;
      }
    },
  });
  return c;
}

async function legoClient(ctx, pebble) {
  const c = { id: 'lego', label: 'lego', status: 'ok', peer: true };
  if (!ctx.tools.lego) return skipped(c, 'not installed (Debian package lego)');
  const dir = await ctx.tmpDir('issuance-lego-');
  const store = path.join(dir, 'lego');
  const env = cleanEnv({ LEGO_CA_CERTIFICATES: pebble.caFile });
  const base = [ctx.tools.lego, '--server', pebble.directoryUrl, '--accept-tos', '--email', EMAIL, '--path', store, '--http', '--http.port', `${HOST}:${pebble.httpPort}`];
  Object.assign(c, {
    version: versionLine(ctx.tools.lego, ['--version']),
    // The first `run` registers the account (kept in --path for the later runs).
    setup: () => mustRun(ctx, [...base, '-d', 'lego-setup.example.com', 'run'], { cwd: dir, env }),
    issue: (name) => ({ argv: [...base, '-d', name, 'run'], env, cwd: dir }),
    checkFiles: (name) => mustExist([path.join(store, 'certificates', `${name}.crt`), path.join(store, 'certificates', `${name}.key`)]),
  });
  return c;
}

async function certbotClient(ctx, pebble) {
  const c = { id: 'certbot', label: 'certbot', status: 'ok', peer: true };
  if (!ctx.tools.certbot) return skipped(c, 'not installed (Debian package certbot)');
  const dir = await ctx.tmpDir('issuance-certbot-');
  const env = cleanEnv({ REQUESTS_CA_BUNDLE: pebble.caFile });
  const common = ['--config-dir', path.join(dir, 'config'), '--work-dir', path.join(dir, 'work'), '--logs-dir', path.join(dir, 'logs'), '--server', pebble.directoryUrl, '--non-interactive'];
  Object.assign(c, {
    version: versionLine(ctx.tools.certbot, ['--version']),
    setup: () => mustRun(ctx, [ctx.tools.certbot, 'register', ...common, '--agree-tos', '-m', EMAIL], { cwd: dir, env }),
    issue: (name) => ({
      argv: [ctx.tools.certbot, 'certonly', ...common, '--standalone', '--http-01-port', String(pebble.httpPort), '--http-01-address', HOST, '--agree-tos', '-m', EMAIL, '-d', name],
      env,
      cwd: dir,
    }),
    checkFiles: (name) => mustExist([path.join(dir, 'config', 'live', name, 'fullchain.pem'), path.join(dir, 'config', 'live', name, 'privkey.pem')]),
  });
  return c;
}

/**
 * uacme trusting Pebble's CA alone: the fastest uacme can go here, since GnuTLS reads the whole CA bundle for
 * each of its connections (measured: ~0.6 s more per certificate with the ~150 system roots at load 20). This
 * is the one the target compares with; uacmeSystemTrustClient shows what a real uacme install pays.
 */
function uacmeClient(ctx, pebble, note) {
  return makeUacmeClient(ctx, pebble, note, { id: 'uacme', label: 'uacme (trusts Pebble\'s CA only)', systemRoots: false });
}

/** uacme as installed: the system bundle, plus Pebble's CA. One certificate only (the 50 are uacmeClient's). */
function uacmeSystemTrustClient(ctx, pebble, note) {
  return makeUacmeClient(ctx, pebble, note, { id: 'uacme-system', label: 'uacme (system roots + Pebble\'s CA)', systemRoots: true, oneOnly: true });
}

async function makeUacmeClient(ctx, pebble, note, { id, label, systemRoots, oneOnly = false }) {
  const c = { id, label, status: 'ok', oneOnly };
  if (!ctx.tools.uacme) return skipped(c, 'not installed (Debian package uacme)');
  c.version = versionLine(ctx.tools.uacme, ['-V']);
  const unshare = findTool('unshare');
  if (!unshare) return skipped(c, 'cannot trust Pebble\'s CA: uacme has no CA-file option and `unshare` (util-linux) is missing');
  if (!existsSync(SYSTEM_BUNDLE)) return skipped(c, `cannot trust Pebble's CA: uacme has no CA-file option and ${SYSTEM_BUNDLE} is missing`);
  const dir = await ctx.tmpDir(`issuance-${id}-`);
  const conf = path.join(dir, 'conf');
  const webroot = path.join(dir, 'www');
  const hook = path.join(dir, 'hook.sh');
  const bundle = path.join(dir, 'bundle.pem');
  await mkdir(webroot, { recursive: true });
  await writeFile(bundle, systemRoots ? Buffer.concat([await readFile(SYSTEM_BUNDLE), Buffer.from('\n'), await readFile(pebble.caFile)]) : await readFile(pebble.caFile));
  await writeFile(hook, [
    '#!/bin/sh',
    '# uacme hook (METHOD TYPE IDENT TOKEN AUTH): http-01 only, into a folder the bench serves.',
    `WEBROOT=${shq(webroot)}`,
    'case "$1:$2" in',
    '  begin:http-01) printf \'%s\' "$5" > "$WEBROOT/$4" ;;',
    '  done:http-01|failed:http-01) rm -f "$WEBROOT/$4" ;;',
    '  *) exit 1 ;;',
    'esac',
    '',
  ].join('\n'));
  await chmod(hook, 0o755);
  // unshare -m: a private mount namespace in which the system bundle also holds Pebble's CA.
  // "$0" is the bundle, "$1" the file that gets the start time; the rest is the command.
  const wrapScript = `mount --bind "$0" ${SYSTEM_BUNDLE} && date +%s%N > "$1" && shift && exec "$@"`;
  const wrap = (argv, startFile) => [unshare, '-m', '--propagation', 'private', 'sh', '-c', wrapScript, bundle, startFile, ...argv];
  const probe = spawnSync(unshare, ['-m', '--propagation', 'private', 'sh', '-c', wrapScript, bundle, path.join(dir, 'probe.start'), 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return skipped(c, `cannot trust Pebble's CA: uacme has no CA-file option and \`unshare -m\` + \`mount --bind\` over the system bundle failed (${oneLineOf(probe.stderr || probe.error?.message)})`);
  }
  const env = cleanEnv();
  const base = [ctx.tools.uacme, '-a', pebble.directoryUrl, '-c', conf, '-t', 'EC'];
  let server = null;
  Object.assign(c, {
    setup: () => mustRun(ctx, [...base, '-y', 'new', EMAIL], { cwd: dir, env, wrap }),
    issue: (name) => ({ argv: [...base, '-h', hook, 'issue', name], env, cwd: dir, wrap }),
    checkFiles: (name) => mustExist([path.join(conf, name, 'cert.pem'), path.join(conf, 'private', name, 'key.pem')]),
    async startServing() {
      server = await serveWebroot(webroot, pebble.httpPort);
    },
    async stopServing() {
      if (server) await new Promise((resolve) => server.close(resolve));
      server = null;
    },
  });
  if (!systemRoots) note('uacme: Pebble\'s CA is trusted through a private mount namespace (unshare -m, bind-mounted system bundle); uacme has no CA-file option');
  return c;
}

/** dist/acmecli copied to a temp folder, with the bundle hash from dist/acmecli.stamp (when readable). */
async function privateCopy(ctx) {
  const dir = await ctx.tmpDir('issuance-bin-');
  const file = path.join(dir, 'acmecli');
  const stampFile = path.join(path.dirname(ctx.acmecli), 'acmecli.stamp');
  const stamp = async () => (await readFile(stampFile, 'utf8').catch(() => '')).trim();
  for (let attempt = 1; ; attempt++) {
    const before = await stamp();
    await copyFile(ctx.acmecli, file);
    await chmod(file, 0o755);
    const after = await stamp();
    const works = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (before === after && !works.error && works.status === 0) {
      let build = null;
      try {
        build = JSON.parse(after).bundle?.slice(0, 12) ?? null;
      } catch {}
      return { file, build };
    }
    if (attempt >= 3) throw new BenchError(`could not copy a working dist/acmecli (it is being rebuilt?): ${oneLineOf(works.stderr || works.error?.message)}`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

function skipped(c, reason) {
  c.status = 'skipped';
  c.reason = reason;
  return c;
}

/** A web server for /.well-known/acme-challenge/TOKEN from `dir`, on 127.0.0.1:port. */
function serveWebroot(dir, port) {
  const server = http.createServer(async (req, res) => {
    const m = /^\/\.well-known\/acme-challenge\/([\w-]+)$/.exec(req.url ?? '');
    try {
      if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) throw new Error('no');
      const body = await readFile(path.join(dir, m[1]));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new BenchError(`cannot serve http-01 on ${HOST}:${port}: ${error.message}`)));
    server.listen({ host: HOST, port, exclusive: true }, () => resolve(server));
  });
}

// ---------------------------------------------------------------------------
// 50 certificates.

async function fiftyAcmecli(ctx, c, mark, requestsSince) {
  const home = path.join(c.dir, 'home50');
  const out = path.join(c.dir, 'out50');
  const env = c.envFor(home);
  ctx.log(`issuance: acmecli: issuing ${FIFTY} lineages (setup, not timed)`);
  await mustRun(ctx, [ctx.acmecli, 'account', 'create', '--agree-tos'], { cwd: c.dir, env });
  const names = Array.from({ length: FIFTY }, (_, i) => `acmecli-b${i + 1}.example.com`);
  for (const name of names) {
    await mustRun(ctx, c.issue(name, { home, out }).argv, { cwd: c.dir, env });
    await c.checkFiles(name, out);
  }
  const before = await Promise.all(names.map((n) => readFile(path.join(out, `${n}.crt`), 'utf8')));
  const offset = await mark();
  const r = await measure(ctx, { argv: [ctx.acmecli, 'cert', 'renew', '--all', '--force'], env, cwd: c.dir });
  const reqs = await requestsSince(offset);
  const after = await Promise.all(names.map((n) => readFile(path.join(out, `${n}.crt`), 'utf8')));
  const unchanged = names.filter((_, i) => before[i] === after[i]);
  if (unchanged.length) throw new BenchError(`cert renew --all --force left ${unchanged.length} certificate(s) as they were: ${unchanged.slice(0, 5).join(', ')}`);
  const result = { seconds: r.ms / 1000, count: FIFTY, extrapolated: false, rssMb: r.rssKb != null ? (r.rssKb * 1024) / 1e6 : null, perCert: reqs.length / FIFTY, requests: reqs.length, byPath: tally(reqs) };
  ctx.log(`issuance: acmecli: cert renew --all --force (${FIFTY}): ${result.seconds.toFixed(2)} s, ${reqs.length} requests${result.rssMb != null ? `, ${result.rssMb.toFixed(1)} MB` : ''}`);
  return result;
}

async function fiftyPeer(ctx, c, mark, requestsSince) {
  ctx.log(`issuance: ${c.id}: ${FIFTY} certificates, one process each`);
  const offset = await mark();
  const t0 = performance.now();
  let rssKb = null;
  let count = 0;
  let extrapolated = false;
  for (let i = 1; i <= FIFTY; i++) {
    const name = `${c.id}-b${i}.example.com`;
    const r = await measure(ctx, c.issue(name));
    await c.checkFiles(name);
    if (r.rssKb != null) rssKb = Math.max(rssKb ?? 0, r.rssKb);
    count = i;
    if (i === PEER_PROBE && i < FIFTY) {
      const projected = ((performance.now() - t0) / 1000) * (FIFTY / PEER_PROBE);
      if (projected > PEER_BUDGET_S) {
        extrapolated = true;
        ctx.log(`issuance: ${c.id}: ${PEER_PROBE} took ${((performance.now() - t0) / 1000).toFixed(1)} s: ${FIFTY} would take ~${projected.toFixed(0)} s > ${PEER_BUDGET_S} s, stopping at ${PEER_PROBE} and extrapolating`);
        break;
      }
    }
  }
  const measured = (performance.now() - t0) / 1000;
  const reqs = await requestsSince(offset);
  const result = {
    seconds: extrapolated ? measured * (FIFTY / count) : measured,
    measuredSeconds: measured,
    count,
    extrapolated,
    rssMb: rssKb != null ? (rssKb * 1024) / 1e6 : null,
    perCert: reqs.length / count,
    requests: reqs.length,
  };
  ctx.log(`issuance: ${c.id}: ${count} certificates in ${measured.toFixed(2)} s${extrapolated ? ` (→ ${result.seconds.toFixed(1)} s for ${FIFTY}, extrapolated)` : ''}, ${result.perCert.toFixed(1)} requests each`);
  return result;
}

// ---------------------------------------------------------------------------
// Processes.

let seq = 0;

/**
 * Runs a command under /usr/bin/time -f %M (when there), timing it from spawn to
 * exit, or — with `wrap` — from the timestamp the wrapper writes just before it
 * execs the command. Throws BenchError when it fails.
 * Returns { ms, rssKb|null, stdout, stderr }.
 */
async function measure(ctx, { argv, env, cwd, wrap }) {
  const n = ++seq;
  const rssFile = path.join(cwd, `.rss-${process.pid}-${n}`);
  const startFile = path.join(cwd, `.start-${process.pid}-${n}`);
  const timed = ctx.tools.time ? [ctx.tools.time, '-f', '%M', '-o', rssFile, ...argv] : argv;
  const full = wrap ? wrap(timed, startFile) : timed;
  const t0 = performance.timeOrigin + performance.now();
  const r = await spawnAsync(full, { env, cwd, timeoutMs: PROCESS_TIMEOUT_MS });
  const t1 = r.exitAt ?? performance.timeOrigin + performance.now();
  if (r.error || r.code !== 0) {
    throw new BenchError(`\`${argv.map(shq).join(' ')}\` failed (${r.error?.message ?? (r.signal ? `signal ${r.signal}` : `exit ${r.code}`)}): ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
  }
  let ms = t1 - t0;
  if (wrap) {
    const ns = (await readFile(startFile, 'utf8').catch(() => '')).trim();
    if (!/^\d+$/.test(ns)) throw new BenchError(`the wrapper of \`${argv[0]}\` wrote no start time`);
    ms = t1 - Number(BigInt(ns) / 1000n) / 1000;
    await rm(startFile, { force: true });
  }
  let rssKb = null;
  if (ctx.tools.time) {
    const text = (await readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n').pop();
    rssKb = Number(text);
    if (!text || !Number.isFinite(rssKb)) throw new BenchError(`/usr/bin/time wrote no peak RSS for \`${argv[0]}\``);
    await rm(rssFile, { force: true });
  }
  return { ms, rssKb, stdout: r.stdout, stderr: r.stderr };
}

/** Setup commands: run, check the exit status, and return the output. */
async function mustRun(ctx, argv, { cwd, env, wrap }) {
  const full = wrap ? wrap(argv, path.join(cwd, `.start-${process.pid}-${++seq}`)) : argv;
  const r = await spawnAsync(full, { env, cwd, timeoutMs: PROCESS_TIMEOUT_MS });
  if (r.error || r.code !== 0) {
    throw new BenchError(`\`${argv.map(shq).join(' ')}\` failed (${r.error?.message ?? (r.signal ? `signal ${r.signal}` : `exit ${r.code}`)}): ${oneLineOf(tailOf(r.stderr || r.stdout))}`);
  }
  return r;
}

/** spawn, collecting output (asynchronous: the bench's own web server keeps answering meanwhile). */
function spawnAsync(argv, { env, cwd, timeoutMs }) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => {
      if (stdout.length < 1e6) stdout += d;
    });
    child.stderr.on('data', (d) => {
      if (stderr.length < 1e6) stderr += d;
    });
    const done = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ stdout, stderr, ...result });
    };
    child.once('error', (error) => done({ error, code: null, signal: null }));
    // The time is taken at 'exit' (exitAt), not when the pipes close; the output
    // still arriving after 'exit' is collected until 'close'.
    child.once('exit', (code, signal) => {
      const exitResult = { code, signal, exitAt: performance.timeOrigin + performance.now() };
      child.once('close', () => done(exitResult));
      setTimeout(() => done(exitResult), 2_000).unref();
    });
  });
}

// ---------------------------------------------------------------------------
// Small helpers.

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** "N× METHOD /path" for each request kind, in the order first seen. */
function tally(list) {
  const counts = new Map();
  for (const r of list) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n}× \`${r}\``).join(', ');
}

function fmtRange(lo, hi) {
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/** The requests of `list` beyond EXPECTED_REQUESTS, as "N× METHOD /path" strings. */
function extraRequests(list) {
  const counts = new Map();
  for (const r of list) counts.set(r, (counts.get(r) ?? 0) + 1);
  const extras = [];
  for (const [request, n] of counts) {
    const expected = EXPECTED_REQUESTS.find(([r]) => r === request)?.[1] ?? 0;
    if (n > expected) extras.push(`${n - expected}× \`${request}\`${expected ? ` (${n} sent, ${expected} needed)` : ''}`);
  }
  return list.length > TARGET_REQUESTS ? extras : [];
}

/** First line of `file args…` (stdout, else stderr), whatever its exit status; null if it does not run. */
function versionLine(file, args) {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return null;
  return (r.stdout.trim() || r.stderr.trim()).split('\n')[0] || null;
}

async function mustExist(files) {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new BenchError(`expected files are missing: ${missing.join(', ')}`);
}




function shq(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${String(word).replace(/'/g, `'\\''`)}'`;
}
