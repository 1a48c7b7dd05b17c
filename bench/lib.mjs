// Helpers shared by the benchmark parts (bench/run.mjs and bench/<part>.mjs).
// Plain ESM for the pinned Node 24; no dependencies beyond Node built-ins.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NODE_MAJOR = 24;

/** A failure of the bench itself (a command that did not run): makes run.mjs exit 1. */
export class BenchError extends Error {}

export function oneLine(message) {
  return String(message).replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Makes sure we run on the pinned Node 24 (node_modules/.bin/node). Under another
 * Node (e.g. the system's), starts the same script again under the pinned one and
 * exits with its status. Returns only when already on Node 24.
 */
export function ensurePinnedNode(scriptUrl) {
  if (Number(process.versions.node.split('.')[0]) === NODE_MAJOR) return;
  if (process.env.ACMECLI_BENCH_REEXEC) {
    console.error(`bench: needs Node ${NODE_MAJOR}, but ${process.execPath} is ${process.version}`);
    process.exit(1);
  }
  let candidate;
  try {
    candidate = realpathSync(path.join(root, 'node_modules', '.bin', 'node'));
  } catch {
    console.error(`bench: needs Node ${NODE_MAJOR} (running ${process.version}) and node_modules/.bin/node is missing: run \`npm install\``);
    process.exit(1);
  }
  const child = spawnSync(candidate, [fileURLToPath(scriptUrl), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ACMECLI_BENCH_REEXEC: '1' },
  });
  if (child.error) {
    console.error(`bench: could not run ${candidate}: ${child.error.message}`);
    process.exit(1);
  }
  process.exit(child.status ?? 1);
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of an executable found on PATH (then in /usr/bin), or null. */
export function findTool(name) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin']) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return null;
}

/** First line of `cmd args…` (stdout, else stderr), or null if it does not run. */
export function toolVersion(file, args = ['--version']) {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout.trim() || r.stderr.trim()).split('\n')[0] || null;
}

/** nproc, CPU model, kernel, node: for the heading of a results section. */
export function machineInfo() {
  let nproc = String(os.availableParallelism());
  const r = spawnSync('nproc', [], { encoding: 'utf8' });
  if (!r.error && r.status === 0 && r.stdout.trim()) nproc = r.stdout.trim();
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {}
  return {
    nproc,
    cpu,
    kernel: `${os.type()} ${os.release()} ${os.machine()}`,
    node: process.version,
  };
}

/** Quote one word for hyperfine's -N parsing (shell-words rules) or for sh. */
export function shellQuote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${String(word).replace(/'/g, `'\\''`)}'`;
}

/** The environment for measured commands: ours without ACMECLI_* settings. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ACMECLI_')) env[k] = v;
  return { ...env, ...extra };
}

function pad(text, width, right) {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

/** A plain-text table. rightAlign: set of column indexes to align right. */
export function textTable(headers, rows, rightAlign = new Set()) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], rightAlign.has(i))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A GitHub-flavoured markdown table. */
export function mdTable(headers, rows, rightAlign = new Set()) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  const sep = headers.map((_, i) => (rightAlign.has(i) ? '---:' : '---'));
  return [headers, sep, ...rows].map((cells) => `| ${cells.map(esc).join(' | ')} |`).join('\n');
}

/**
 * Replaces the section `<!-- name:begin -->` … `<!-- name:end -->` of a markdown
 * file with `body` (markers kept), appending the section if it is not there yet
 * and creating the file (with a title) if needed. Other sections stay as they are.
 */
export async function replaceSection(file, name, body) {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  let text = existsSync(file)
    ? await readFile(file, 'utf8')
    : '# acmecli benchmarks\n\nWritten by `npm run bench` (bench/run.mjs); each part rewrites only its own section.\n';
  const i = text.indexOf(begin);
  const j = text.indexOf(end, i);
  if (i >= 0 && j >= 0) {
    text = text.slice(0, i) + block + text.slice(j + end.length);
  } else {
    text = text.replace(/\n*$/, '\n\n') + block + '\n';
  }
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

export function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation, as hyperfine reports it. */
export function stddev(xs) {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function errorText(error) {
  return error instanceof BenchError ? error.message : String(error?.stack ?? error);
}

export function tailOf(text, lines = 6) {
  return String(text ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}

export function oneLineOf(text) {
  return String(text ?? '').replace(/\s*\n\s*/g, ' ').trim().slice(0, 400);
}

// CPU use of a process (Pebble's, for the benchmarks that load it) and of the machine.

export const CLK_TCK = 100; // USER_HZ on Linux

/** Pebble's own process (not `sh` or challtestsrv): the `pebble` whose working folder is the instance's. */
export function findPebblePid(dir) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'pebble') continue;
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) return Number(entry);
    } catch {}
  }
  throw new BenchError(`no pebble process runs in ${dir}`);
}

/** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
export function procTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The machine's idle and total ticks over all CPUs (/proc/stat, line "cpu"). */
export function machineTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: line[3] + (line[4] ?? 0), total: line.reduce((a, b) => a + b, 0) };
}
