import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { repoRoot } from '../support/cli.js';

// The third way to install: `npm pack`, then `npm install -g` of that tarball into a temporary prefix,
// run on an installed Node 24 (the project's pinned one stands in for it here; CI's may be newer).
const pinnedNodeDir = path.dirname(realpathSync(path.join(repoRoot, 'node_modules', '.bin', 'node')));
const version = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: repoRoot, encoding: 'utf8' })).version as string;
let work: string;
let prefix: string;
let tarball: string;

const env = () => ({ PATH: `${pinnedNodeDir}:/usr/local/bin:/usr/bin:/bin`, HOME: work, npm_config_cache: path.join(work, 'npm-cache'), npm_config_update_notifier: 'false' });

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-npm-'));
  prefix = path.join(work, 'prefix');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, env: env(), encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, packed[0]!.filename);
  expect(packed[0]!.files.map((f) => f.path).sort()).toEqual(['LICENSE', 'README.md', 'bin/acmecli.js', 'dist/acmecli.cjs', 'package.json']);
}, 120_000);

test('the package has no dependencies to fetch: the bundle carries them, and no single executable is inside', () => {
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
  expect(manifest.dependencies).toBeUndefined();
  expect(manifest.engines).toEqual({ node: '>=24' });
  expect(manifest.bin).toEqual({ acmecli: 'bin/acmecli.js' });
});

test('npm install -g into a prefix gives a bin/acmecli that runs on Node 24', () => {
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { env: env(), encoding: 'utf8', timeout: 120_000 });
  expect(install.status, install.stderr).toBe(0);
  const bin = path.join(prefix, 'bin', 'acmecli');
  expect(existsSync(bin)).toBe(true);
  expect(readdirSync(path.join(prefix, 'lib', 'node_modules', 'acmecli'))).not.toContain('node_modules');
  expect(execFileSync(bin, ['--version'], { env: env(), encoding: 'utf8' })).toBe(`${version}\n`);
  const generated = spawnSync(bin, ['key', 'generate', 'ec256', '-o', path.join(work, 'k.pem'), '--json'], { env: { ...env(), ACMECLI_HOME: path.join(work, 'state') }, encoding: 'utf8' });
  expect(generated.status, generated.stderr).toBe(0);
  expect(JSON.parse(generated.stdout).thumbprint).toMatch(/^[\w-]{43}$/);
  const info = JSON.parse(execFileSync(bin, ['version', '--json'], { env: env(), encoding: 'utf8' })) as { node: string };
  expect(info.node).toBe(execFileSync(path.join(pinnedNodeDir, 'node'), ['--version'], { encoding: 'utf8' }).trim());
});
