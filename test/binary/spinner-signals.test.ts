import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { distBinary, makeTempHome } from '../support/cli.js';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

// The single executable on a real pseudo-terminal (util-linux `script`), stopped by a signal while a
// challenge hook holds the run: the spinner never redraws without bound, and the signal stops it cleanly.
let pebble: PebbleInstance;
let work: string;
let accountKey: string;

beforeAll(async () => {
  pebble = await sharedPebble();
  work = tempDir('pty');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
});
afterAll(async () => pebble?.stop());

/** A hook that holds http-01 `begin` (its pid in a file) until it is killed. */
function holdingHook(dir: string): { path: string; pidFile: string } {
  const pidFile = path.join(dir, 'hook.pid');
  const hook = path.join(dir, 'hold.sh');
  writeFileSync(hook, `#!/bin/sh\ncase "$1" in begin) echo $$ > '${pidFile}'; exec sleep 120 ;; *) exit 0 ;; esac\n`);
  chmodSync(hook, 0o755);
  return { path: hook, pidFile };
}

interface PtyRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `script -q -e -c "SETUP; exec acmecli ARGS" /dev/null`, with stdin not a terminal (as under cron or docker -t). */
function inPty(setup: string, args: string[], env: Record<string, string>): PtyRun {
  const quoted = [distBinary, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', `${setup}exec ${quoted}`, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, NO_COLOR: '1', ...env },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('latin1')).slice(-200_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForFile(file: string, run: PtyRun): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
    if (run.child.exitCode !== null) throw new Error(`acmecli ended before the hook ran:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`the hook never ran:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return readFileSync(file, 'utf8').trim();
}

/** The acmecli process: script's only child (the shell exec'd into it). */
function acmecliPid(scriptPid: number): number {
  const children = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  expect(children).toHaveLength(1);
  return children[0]!;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each([
  // What `script` makes without a real terminal: a pty that reports zero columns.
  { what: 'a terminal that reports zero width', setup: '', signal: 'SIGTERM' as const, status: 143 },
  { what: 'an 80-column terminal', setup: 'stty cols 80 rows 24; ', signal: 'SIGINT' as const, status: 130 },
])('cert issue on $what, stopped by $signal', ({ setup, signal, status }) => {
  test('bounded output that never moves the cursor up, no colour with NO_COLOR, a clean stop', async () => {
    const dir = tempDir('hold');
    const hook = holdingHook(dir);
    const home = makeTempHome();
    const run = inPty(setup, ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', accountKey, 'cert', 'issue', '-d', 'pty.example.com',
      '--hook', hook.path, '--challenge', 'http-01', '--out', path.join(dir, 'out'), '--agree-tos'], { ACMECLI_HOME: home });
    try {
      const hookPid = Number(await waitForFile(hook.pidFile, run));
      const pid = acmecliPid(run.child.pid!);
      // The hook may start before the pty has passed on the spinner's first frame: it keeps turning while the hook holds.
      if (setup) for (let i = 0; i < 200 && !/\r[|/\\-] .*\x1b\[K/.test(run.output()); i++) await new Promise((r) => setTimeout(r, 50));
      const output = run.output();
      // ora's spinner on a zero-width pty wrote ESC[1A ESC[0K without end (990 MB in 10 minutes).
      expect(output).not.toContain('\x1b[1A');
      expect(output).not.toMatch(/\x1b\[3\dm/); // NO_COLOR
      expect(output.length).toBeLessThan(20_000);
      if (setup) expect(output).toMatch(/\r[|/\\-] .*\x1b\[K/); // the spinner line, redrawn in place
      else expect(output).not.toContain('\x1b[K'); // no width: plain lines, no spinner

      process.kill(pid, signal);
      expect(await run.exited).toBe(status);
      expect(run.output()).toContain(`stopped by ${signal}`);
      expect(alive(hookPid)).toBe(false); // the hook's process group went with the run
      // A first issuance that was stopped leaves no lineage behind.
      expect(existsSync(path.join(home, 'lineages', 'pty.example.com'))).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 120_000);
});
