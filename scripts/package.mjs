#!/usr/bin/env node
// `npm run package`: the release artifacts, under dist/release/, from the single executable that
// `npm run build` made (a stripped copy of the pinned Node with the bundle injected):
//   acmecli-VERSION-linux-x64.tar.xz   bin/, share/man, share/*completion*, lib/systemd/system, LICENSE, README
//                                       laid out for `tar -xJf … -C /usr/local --strip-components=1`
//   acmecli_VERSION_amd64.deb          the same files under /usr, built with dpkg-deb and nothing else
//   SHA256SUMS                         `sha256sum -c SHA256SUMS` checks both
// The man pages and completions come from the command definitions (scripts/docs.mjs). File times are
// SOURCE_DATE_EPOCH, else the commit's time, and owners are root: two runs make the same archives.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { generateDocs } from './docs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const release = path.join(root, 'dist', 'release');
const binary = path.join(root, 'dist', 'acmecli');
/** Who answers for the .deb (Debian policy §5.6.2). */
const MAINTAINER = 'acmecli maintainers <maintainers@acmecli.example.org>';

class PackageError extends Error {}

const rel = (file) => path.relative(root, file);
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  } catch (error) {
    if (error.code === 'ENOENT') throw new PackageError(`${command} is not installed`);
    throw new PackageError(`${command} ${args.join(' ')} failed: ${(error.stderr || error.message).toString().trim().split('\n').slice(-3).join(' ')}`);
  }
}

function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(run('git', ['log', '-1', '--format=%ct', 'HEAD'], { cwd: root }).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

async function put(target, content, mode = 0o644) {
  await mkdir(path.dirname(target), { recursive: true });
  if (typeof content === 'string' || Buffer.isBuffer(content)) await writeFile(target, content);
  else await copyFile(content.from, target);
  await chmod(target, mode);
}

/** The units with the executable where this layout puts it. */
async function units(bindir) {
  const dir = path.join(root, 'packaging', 'systemd');
  const out = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(path.join(dir, name), 'utf8')).replaceAll('/usr/bin/acmecli', `${bindir}/acmecli`);
  return out;
}

/** Debian wants man pages and changelogs compressed at the highest level, without a name or time in the header. */
const gzip = (text) => gzipSync(Buffer.from(text), { level: 9 });

async function buildTarball(version, docs, epoch) {
  const name = `acmecli-${version}-linux-x64`;
  const stage = path.join(release, 'stage', name);
  await put(path.join(stage, 'bin', 'acmecli'), { from: binary }, 0o755);
  for (const [file, text] of Object.entries(docs.install)) {
    // usr/share/… → share/…; zsh's vendor folder is Debian's name, /usr/local's is site-functions.
    const local = file.replace(/^usr\//, '').replace('share/zsh/vendor-completions/', 'share/zsh/site-functions/');
    await put(path.join(stage, local), text);
  }
  for (const [unit, text] of Object.entries(await units('/usr/local/bin'))) await put(path.join(stage, 'lib', 'systemd', 'system', unit), text);
  await put(path.join(stage, 'LICENSE'), { from: path.join(root, 'LICENSE') });
  await put(path.join(stage, 'README.md'), (await readFile(path.join(root, 'packaging', 'README.release.md'), 'utf8')).replaceAll('VERSION', version));
  const tarball = path.join(release, `${name}.tar.xz`);
  run('tar', ['--sort=name', `--mtime=@${epoch}`, '--owner=0', '--group=0', '--numeric-owner', '-C', path.dirname(stage), '-cJf', tarball, name], {
    env: { ...process.env, XZ_OPT: '-6 -T0' },
  });
  return tarball;
}

async function folderSize(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function buildDeb(version, docs, epoch) {
  const stage = path.join(release, 'stage', 'deb');
  await put(path.join(stage, 'usr', 'bin', 'acmecli'), { from: binary }, 0o755);
  for (const [file, text] of Object.entries(docs.install)) {
    await put(path.join(stage, file.startsWith('usr/share/man/') ? `${file}.gz` : file), file.startsWith('usr/share/man/') ? gzip(text) : text);
  }
  for (const [unit, text] of Object.entries(await units('/usr/bin'))) await put(path.join(stage, 'usr', 'lib', 'systemd', 'system', unit), text);
  const doc = path.join(stage, 'usr', 'share', 'doc', 'acmecli');
  await put(path.join(doc, 'copyright'), debianCopyright(await readFile(path.join(root, 'LICENSE'), 'utf8')));
  const date = new Date(epoch * 1000).toUTCString().replace('GMT', '+0000');
  await put(path.join(stage, 'usr', 'share', 'lintian', 'overrides', 'acmecli'), { from: path.join(root, 'packaging', 'debian', 'lintian-overrides') });
  await put(path.join(doc, 'changelog.gz'), gzip(`acmecli (${version}) unstable; urgency=medium\n\n  * Release ${version}.\n\n -- ${MAINTAINER}  ${date}\n`));
  // The state folder root uses without ACMECLI_HOME (src/state/home.ts), private to root.
  await mkdir(path.join(stage, 'var', 'lib', 'acmecli'), { recursive: true });
  await chmod(path.join(stage, 'var', 'lib', 'acmecli'), 0o700);

  const installedKiB = Math.ceil((await folderSize(stage)) / 1024);
  const control = (await readFile(path.join(root, 'packaging', 'debian', 'control'), 'utf8'))
    .replace('@VERSION@', version).replace('@MAINTAINER@', MAINTAINER).replace('@INSTALLED_SIZE@', String(installedKiB));
  const debian = path.join(stage, 'DEBIAN');
  await put(path.join(debian, 'control'), control);
  for (const script of ['postinst', 'postrm']) await put(path.join(debian, script), { from: path.join(root, 'packaging', 'debian', script) }, 0o755);
  const sums = [];
  for (const entry of (await readdir(stage, { withFileTypes: true, recursive: true })).sort((a, b) => path.join(a.parentPath, a.name).localeCompare(path.join(b.parentPath, b.name)))) {
    const full = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || full.startsWith(debian + path.sep)) continue;
    sums.push(`${createHash('md5').update(await readFile(full)).digest('hex')}  ${path.relative(stage, full)}\n`);
  }
  await put(path.join(debian, 'md5sums'), sums.join(''));

  const deb = path.join(release, `acmecli_${version}_amd64.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '-z6', '--build', stage, deb], { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
  return deb;
}

function debianCopyright(license) {
  const body = license.trim().split('\n').slice(2).map((line) => (line.trim() ? ` ${line}` : ' .')).join('\n');
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: acmecli

Files: *
Copyright: 2026 the acmecli authors
License: BSD-3-Clause

Files: usr/bin/acmecli
Copyright: Node.js contributors and the authors of the bundled npm packages
License: MIT and others
 The executable embeds the Node.js runtime (MIT; its LICENSE file lists the
 licences of the libraries it includes, such as OpenSSL, Apache-2.0) and the
 npm packages acmecli depends on (MIT, Apache-2.0 and ISC).

License: BSD-3-Clause
${body}
`;
}

async function main() {
  const started = performance.now();
  const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const built = await stat(binary).catch(() => undefined);
  if (!built) throw new PackageError(`${rel(binary)} does not exist: run \`npm run build\` (npm run package does)`);
  const answer = run(binary, ['--version'], { env: { PATH: '/usr/bin:/bin' } }).trim();
  if (answer !== version) throw new PackageError(`${rel(binary)} --version says ${answer}, package.json says ${version}: run \`npm run build\``);

  await rm(release, { recursive: true, force: true });
  await mkdir(release, { recursive: true });
  const epoch = sourceDateEpoch();
  const docs = await generateDocs();
  const tarball = await buildTarball(version, docs, epoch);
  const deb = await buildDeb(version, docs, epoch);
  await rm(path.join(release, 'stage'), { recursive: true, force: true });

  const lines = [];
  for (const file of [tarball, deb]) lines.push(`${createHash('sha256').update(await readFile(file)).digest('hex')}  ${path.basename(file)}\n`);
  await writeFile(path.join(release, 'SHA256SUMS'), lines.join(''));

  console.log(`package: ${rel(binary)} ${mib(built.size)} (stripped Node inside)`);
  for (const file of [tarball, deb]) console.log(`package: ${rel(file)} ${mib((await stat(file)).size)}`);
  console.log(`package: ${rel(path.join(release, 'SHA256SUMS'))} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

main().catch((error) => {
  console.error(`package: ${error instanceof PackageError ? error.message : (error?.stack ?? error)}`);
  process.exit(1);
});
