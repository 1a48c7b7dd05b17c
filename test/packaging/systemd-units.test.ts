import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { distBinary, repoRoot, runCli } from '../support/cli.js';

// The units shipped in the tarball and the .deb, checked by systemd's own tools (Debian package
// systemd, installed by the test set-up). The installed copies are verified again by .ci/run.
const unitsDir = path.join(repoRoot, 'packaging', 'systemd');
const UNITS = ['acmecli-renew.service', 'acmecli-renew.timer', 'acmecli-agent.service'];
let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-units-'));
  // verify checks that ExecStart's program exists: point the copies at the binary just built.
  for (const unit of UNITS) writeFileSync(path.join(work, unit), readFileSync(path.join(unitsDir, unit), 'utf8').replaceAll('/usr/bin/acmecli', distBinary));
});

const unitText = (unit: string) => readFileSync(path.join(unitsDir, unit), 'utf8');
const setting = (unit: string, key: string) => [...unitText(unit).matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

test('the packaged units are exactly these three', () => {
  expect(readdirSync(unitsDir).sort()).toEqual([...UNITS].sort());
});

test('systemd-analyze verify accepts each unit', () => {
  // --man=no: the man pages are not installed here (.ci/run verifies the installed units with them).
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...UNITS.map((u) => `./${u}`)], { cwd: work, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

test('systemd-analyze security rates each service 4.0 or lower (OK)', () => {
  for (const unit of UNITS.filter((u) => u.endsWith('.service'))) {
    const out = execFileSync('systemd-analyze', ['security', '--offline=yes', `./${unit}`], { cwd: work, encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for \S+: (\d+\.\d)/.exec(out)?.[1]);
    expect(exposure, unit).toBeGreaterThan(0);
    expect(exposure, `${unit}: ${exposure}`).toBeLessThanOrEqual(4.0);
  }
});

test('the timer runs the renewal twice a day, at a random time, and catches up after downtime', () => {
  expect(setting('acmecli-renew.timer', 'OnCalendar')).toEqual(['*-*-* 00,12:00:00']);
  expect(setting('acmecli-renew.timer', 'RandomizedDelaySec')).toEqual(['12h']);
  expect(setting('acmecli-renew.timer', 'Persistent')).toEqual(['true']);
  const renew = execFileSync('systemd-analyze', ['calendar', '--iterations=3', '*-*-* 00,12:00:00'], { encoding: 'utf8' });
  expect(renew.match(/Iter\. #\d|Next elapse/g)?.length).toBe(3);
});

test("the services keep state in /var/lib/acmecli, root's default state folder, so they need no ACMECLI_HOME", () => {
  for (const unit of ['acmecli-renew.service', 'acmecli-agent.service']) {
    expect(setting(unit, 'StateDirectory'), unit).toEqual(['acmecli']);
    expect(unitText(unit).split('\n').filter((l) => !l.startsWith('#')).join('\n'), unit).not.toMatch(/ACMECLI_HOME|XDG_STATE_HOME/);
    expect(setting(unit, 'ProtectSystem')).toEqual(['strict']);
    expect(setting(unit, 'NoNewPrivileges')).toEqual(['yes']);
    expect(setting(unit, 'PrivateTmp')).toEqual(['yes']);
  }
  // Only the renewal may bind :80/:443 (standalone solvers); the agent has no capability at all.
  expect(setting('acmecli-renew.service', 'CapabilityBoundingSet')).toEqual(['CAP_NET_BIND_SERVICE']);
  expect(setting('acmecli-agent.service', 'CapabilityBoundingSet')).toEqual(['']);
  expect(setting('acmecli-agent.service', 'ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
  expect(setting('acmecli-agent.service', 'Restart')).toEqual(['on-failure']);
});

test("the renewal's command line runs: with no lineages it prints nothing and exits 0 (quiet for the journal)", async () => {
  const args = setting('acmecli-renew.service', 'ExecStart')[0]!.split(' ');
  expect(args).toEqual(['/usr/bin/acmecli', 'cert', 'renew', '--all', '--quiet']);
  const home = mkdtempSync(path.join(tmpdir(), 'acmecli-unit-home-'));
  const r = await runCli(args.slice(1), { env: { ACMECLI_HOME: home } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

test("the agent's unit tunes glibc's malloc for a long-lived process (docs/guides/fleets-and-agent.md)", () => {
  const environment = setting('acmecli-agent.service', 'Environment').flatMap((line) => line!.split(' '));
  expect(environment).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=2', 'MALLOC_MMAP_THRESHOLD_=262144', 'MALLOC_TRIM_THRESHOLD_=1048576']));
});

test("the agent's command line is one the agent accepts", async () => {
  const args = setting('acmecli-agent.service', 'ExecStart')[0]!.split(' ');
  expect(args.slice(0, 4)).toEqual(['/usr/bin/acmecli', 'agent', '--config', '/etc/acmecli/client-config.yml']);
  const config = path.join(work, 'client-config.yml');
  writeFileSync(config, 'common:\n  certificate_dir: /tmp/\ncertificate:\n  - domain: www.example.com\n    issuer: letsencrypt\n');
  const withTestConfig = args.slice(1).map((a) => (a === '/etc/acmecli/client-config.yml' ? config : a.replace('${CREDENTIALS_DIRECTORY}', work)));
  const r = await runCli([...withTestConfig, '--check-config']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});
