import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { debFile, requireArtifacts, version } from './artifacts.js';

// Installs the .deb on this machine, which CI gives us as a throwaway Debian where we are root,
// checks what a newcomer gets, and removes it. Never run against an acmecli already installed.
const UNITS = ['acmecli-renew.service', 'acmecli-renew.timer', 'acmecli-agent.service'].map((u) => `/usr/lib/systemd/system/${u}`);
const USER_FILES = ['/var/lib/acmecli/lineages/example.com/lineage.json', '/etc/acmecli/client-config.yml'];
let packageFiles: string[] = [];

const dpkg = (...args: string[]) => spawnSync('dpkg', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
const installed = () => /^Status: install ok installed$/m.test(dpkg('-s', 'acmecli').stdout);

beforeAll(() => {
  requireArtifacts();
  if (process.getuid?.() !== 0) throw new Error('the .deb tests install a package: run them as root (CI does)');
  if (installed() || USER_FILES.some((f) => existsSync(f))) throw new Error('acmecli is already installed or /var/lib/acmecli, /etc/acmecli hold files here: refusing to touch them');
  const r = dpkg('-i', debFile);
  expect(r.status, r.stderr).toBe(0);
  packageFiles = dpkg('-L', 'acmecli').stdout.split('\n').filter(Boolean);
});

afterAll(() => {
  if (installed()) dpkg('-P', 'acmecli');
  for (const file of USER_FILES) rmSync(file, { force: true });
  rmSync('/var/lib/acmecli', { recursive: true, force: true });
  rmSync('/etc/acmecli', { recursive: true, force: true });
});

test('/usr/bin/acmecli runs and says its version', () => {
  expect(execFileSync('/usr/bin/acmecli', ['--version'], { encoding: 'utf8' })).toBe(`${version}\n`);
  const info = JSON.parse(execFileSync('/usr/bin/acmecli', ['version', '--json'], { encoding: 'utf8' })) as { node: string };
  expect(info.node).toMatch(/^v24\./);
});

test('man finds acmecli(1) and client-config.yml(5)', () => {
  expect(execFileSync('man', ['-w', 'acmecli'], { encoding: 'utf8' }).trim()).toBe('/usr/share/man/man1/acmecli.1.gz');
  expect(execFileSync('man', ['-w', '5', 'client-config.yml'], { encoding: 'utf8' }).trim()).toBe('/usr/share/man/man5/client-config.yml.5.gz');
  // The page renders without roff warnings.
  const rendered = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '/usr/share/man/man1/acmecli.1.gz'], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MAN_KEEP_STDERR: '1' } });
  expect(rendered.stderr).toBe('');
  expect(rendered.stdout).toMatch(/acmecli cert issue/);
});

test('bash, zsh and fish completion are where those shells look, and bash loads it', () => {
  for (const file of ['/usr/share/bash-completion/completions/acmecli', '/usr/share/zsh/vendor-completions/_acmecli', '/usr/share/fish/vendor_completions.d/acmecli.fish']) {
    expect(packageFiles, file).toContain(file);
  }
  const loaded = execFileSync('bash', ['--norc', '-c', 'source /usr/share/bash-completion/completions/acmecli && complete -p acmecli'], { encoding: 'utf8' });
  expect(loaded.trim()).toBe('complete -F _acmecli acmecli');
});

test('the units are installed, systemd-analyze verify accepts them (man pages included), and nothing is enabled', () => {
  for (const unit of UNITS) expect(packageFiles).toContain(unit);
  const verify = spawnSync('systemd-analyze', ['verify', ...UNITS], { encoding: 'utf8' });
  expect(verify.stderr).toBe('');
  expect(verify.status).toBe(0);
  expect(existsSync('/etc/systemd/system/timers.target.wants/acmecli-renew.timer')).toBe(false);
  expect(existsSync('/etc/systemd/system/multi-user.target.wants/acmecli-agent.service')).toBe(false);
});

test("/var/lib/acmecli, root's state folder, exists and is private", () => {
  const st = statSync('/var/lib/acmecli');
  expect(st.isDirectory()).toBe(true);
  expect(st.mode & 0o777).toBe(0o700);
  expect(st.uid).toBe(0);
  // root without ACMECLI_HOME uses it.
  const env = { PATH: '/usr/bin:/bin', HOME: '/root' };
  expect(execFileSync('/usr/bin/acmecli', ['cert', 'list'], { env, encoding: 'utf8' })).toMatch(/^No lineages in \/var\/lib\/acmecli\/lineages \(root's default/);
});

test('lintian finds nothing that is not explained in the package', () => {
  const r = spawnSync('lintian', ['--fail-on', 'error,warning', debFile], { encoding: 'utf8' });
  // lintian's one remark about being run as root (CI is root) is not about the package.
  expect((r.stdout + r.stderr).replace(/^running with root privileges is not recommended!\n/m, '')).toBe('');
  expect(r.status).toBe(0);
});

test('dpkg -r, then dpkg -P, remove every file of the package and nothing the admin made', () => {
  for (const file of USER_FILES) {
    mkdirSync(file.slice(0, file.lastIndexOf('/')), { recursive: true, mode: 0o700 });
    writeFileSync(file, 'made by the admin\n', { mode: 0o600 });
  }
  const removed = dpkg('-r', 'acmecli');
  expect(removed.status, removed.stderr).toBe(0);
  const left = packageFiles.filter((f) => existsSync(f) && !lstatSync(f).isDirectory());
  expect(left).toEqual([]);
  for (const file of USER_FILES) expect(existsSync(file), file).toBe(true);
  const purged = dpkg('-P', 'acmecli');
  expect(purged.status, purged.stderr).toBe(0);
  for (const file of USER_FILES) expect(existsSync(file), file).toBe(true);
  // Its own folders that held nothing of the admin's are gone too.
  expect(existsSync('/usr/share/doc/acmecli')).toBe(false);
});
