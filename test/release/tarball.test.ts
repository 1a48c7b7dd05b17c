import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { releaseDir, requireArtifacts, tarballFile, version } from './artifacts.js';

let top: string;

beforeAll(() => {
  requireArtifacts();
  const into = mkdtempSync(path.join(tmpdir(), 'acmecli-tarball-'));
  execFileSync('tar', ['-xJf', tarballFile, '-C', into]);
  top = path.join(into, `acmecli-${version}-linux-x64`);
});

test('SHA256SUMS checks both artifacts, as docs/install.md tells users to', () => {
  const out = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: releaseDir, encoding: 'utf8' });
  expect(out).toBe(`acmecli-${version}-linux-x64.tar.xz: OK\nacmecli_${version}_amd64.deb: OK\n`);
});

test('the extracted executable runs with no Node anywhere on PATH', () => {
  const env = { PATH: '/nonexistent' };
  expect(spawnSync('sh', ['-c', 'command -v node'], { env }).status).not.toBe(0);
  const bin = path.join(top, 'bin', 'acmecli');
  expect(statSync(bin).mode & 0o777).toBe(0o755);
  expect(execFileSync(bin, ['--version'], { env, encoding: 'utf8' })).toBe(`${version}\n`);
  const gen = spawnSync(bin, ['key', 'generate', 'ec256', '-o', path.join(top, '..', 'k.pem'), '--json'], { env: { ...env, ACMECLI_HOME: path.join(top, '..', 'state') }, encoding: 'utf8' });
  expect(gen.status, gen.stderr).toBe(0);
});

test('the tarball holds the man pages, the completions, the units for /usr/local, LICENSE and a README', () => {
  const man = execFileSync('man', ['-w', 'acmecli'], { env: { PATH: '/usr/bin:/bin', MANPATH: path.join(top, 'share', 'man') }, encoding: 'utf8' }).trim();
  expect(man).toBe(path.join(top, 'share', 'man', 'man1', 'acmecli.1'));
  for (const file of ['share/man/man5/client-config.yml.5', 'share/bash-completion/completions/acmecli', 'share/zsh/site-functions/_acmecli', 'share/fish/vendor_completions.d/acmecli.fish', 'LICENSE', 'README.md']) {
    expect(statSync(path.join(top, file)).size, file).toBeGreaterThan(100);
  }
  for (const unit of ['acmecli-renew.service', 'acmecli-renew.timer', 'acmecli-agent.service']) {
    const text = readFileSync(path.join(top, 'lib', 'systemd', 'system', unit), 'utf8');
    expect(text, unit).not.toContain('/usr/bin/acmecli');
    if (unit.endsWith('.service')) expect(text, unit).toContain('ExecStart=/usr/local/bin/acmecli ');
  }
  expect(readFileSync(path.join(top, 'README.md'), 'utf8')).toContain(`tar -xJf acmecli-${version}-linux-x64.tar.xz -C /usr/local --strip-components=1`);
});
