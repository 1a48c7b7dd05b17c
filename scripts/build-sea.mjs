#!/usr/bin/env node
// Builds the single executable `dist/acmecli` (docs/reference/build.md):
//   1. esbuild bundles the CLI entry (src/entry/run.ts, or the module given as the
//      first argument, which must export `run()`) into one CommonJS file,
//      dist/acmecli.cjs, with the version fixed by `define` as __ACMECLI_VERSION__;
//      and, from the same entry, one program per command group that runs alone
//      (src/entry/command-groups.ts), dist/groups/acmecli-GROUP.cjs, holding only that
//      group's commands (__ACMECLI_BUNDLED_GROUP__);
//   2. scripts/train-code-cache.cjs runs typical commands of each program and makes a
//      V8 code cache of what they compiled (dist/acmecli.js + dist/acmecli.js.cache,
//      dist/groups/acmecli-GROUP.js + .js.cache);
//   3. esbuild bundles the small loader src/entry/sea-loader.ts alone into
//      dist/sea-main.cjs, and the pinned Node 24 turns it (the main script) and those
//      files (assets) into a SEA blob (no snapshot);
//   4. the blob is injected with postject into a copy of that same Node binary.
// The bundle must load nothing at run time: every import is static, and the only
// `require` calls left are for Node built-ins. Steps 2 and 3 (~4 s) are skipped when
// dist/acmecli.stamp shows the bundle and the Node binary unchanged.
// Any failure prints one line and exits 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire, isBuiltin } from 'node:module';
import { chmod, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const out = {
  bundle: path.join(dist, 'acmecli.cjs'),
  groups: path.join(dist, 'groups'),
  config: path.join(dist, 'sea-config.json'),
  loader: path.join(dist, 'sea-main.cjs'),
  blob: path.join(dist, 'sea-prep.blob'),
  binary: path.join(dist, 'acmecli'),
  stamp: path.join(dist, 'acmecli.stamp'),
};
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const NODE_MAJOR = 24;
const LOADER_ENTRY = path.join(root, 'src', 'entry', 'sea-loader.ts');
const TRAINER = path.join(root, 'scripts', 'train-code-cache.cjs');
const COMMAND_GROUPS_MODULE = path.join(root, 'src', 'entry', 'command-groups.ts');

class BuildError extends Error {}

const rel = (file) => path.relative(root, file) || '.';

/**
 * The Node binary to embed and to make the blob with: the one running us, which
 * must be Node 24. Run under another Node (the system's), we start ourselves
 * again under the project's pinned node (node_modules/.bin/node) and exit with it.
 */
function pinnedNode() {
  if (Number(process.versions.node.split('.')[0]) === NODE_MAJOR) return process.execPath;
  if (process.env.ACMECLI_BUILD_SEA_REEXEC) {
    throw new BuildError(`needs Node ${NODE_MAJOR}, but ${process.execPath} is ${process.version}`);
  }
  let candidate;
  try {
    candidate = realpathSync(path.join(root, 'node_modules', '.bin', 'node'));
  } catch {
    throw new BuildError(`needs Node ${NODE_MAJOR} (running ${process.version}) and node_modules/.bin/node is missing: run \`npm install\``);
  }
  const child = spawnSync(candidate, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ACMECLI_BUILD_SEA_REEXEC: '1' },
  });
  if (child.error) throw new BuildError(`could not run ${rel(candidate)}: ${child.error.message}`);
  process.exit(child.status ?? 1);
}

function oneLine(message) {
  return String(message).replace(/\s*\n\s*/g, ' ').trim();
}

function formatEsbuildMessage(m) {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
  return `${where}${m.text}`;
}

/**
 * The commit and date `acmecli version` reports. The date is SOURCE_DATE_EPOCH (reproducible builds),
 * else the commit's date, never the wall clock: two builds of one commit are the same bundle, so the
 * stamp below still skips rebuilding the executable. Outside git both are "unknown".
 */
function buildProvenance() {
  const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let commit = 'unknown';
  let commitEpoch;
  try {
    commit = git('rev-parse', '--short=12', 'HEAD');
    commitEpoch = Number(git('log', '-1', '--format=%ct', 'HEAD'));
    if (git('status', '--porcelain', '--untracked-files=no') !== '') commit += '-dirty';
  } catch {
    // Not a git checkout (a source tarball): say so rather than guess.
  }
  const sourceDate = process.env.SOURCE_DATE_EPOCH;
  if (sourceDate !== undefined && !/^\d+$/.test(sourceDate)) throw new BuildError(`SOURCE_DATE_EPOCH must be seconds since 1970, not ${JSON.stringify(sourceDate)}`);
  const epoch = sourceDate !== undefined ? Number(sourceDate) : commitEpoch;
  const buildDate = epoch !== undefined && Number.isFinite(epoch) ? new Date(epoch * 1000).toISOString().replace('.000Z', 'Z') : 'unknown';
  return { commit, buildDate };
}

/**
 * The yaml package's parser and composer read process.env.LOG_TOKENS / LOG_STREAM (their authors'
 * debug switches) once per token: a getenv through V8's interceptor each time, about a sixth of
 * the CPU of parsing the agent's 5,000-certificate client-config.yml. In the executable those two
 * modules get a `process` whose env is empty, so the switches are off; every other module, and
 * yaml's warnings (log.js: process.emitWarning), keep the real process.
 */
const yamlWithoutDebugEnv = {
  name: 'yaml-without-debug-env',
  setup(build) {
    const debugReaders = /[\\/]node_modules[\\/]yaml[\\/]dist[\\/](?:parse[\\/]parser|compose[\\/]composer)\.js$/;
    build.onResolve({ filter: /^process$/ }, (args) => (debugReaders.test(args.importer) ? { path: 'process-without-env', namespace: 'yaml-debug-env' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'yaml-debug-env' }, () => ({ contents: 'module.exports = { env: {} };', loader: 'js' }));
  },
};

/**
 * commander imports node:child_process at load for stand-alone executable subcommands, which acmecli
 * has none of; loading it (with dgram and the child-process internals) was a few ms of every start.
 * commander gets the same module, required on first use of any of its properties.
 */
const commanderChildProcessOnUse = {
  name: 'commander-child-process-on-use',
  setup(build) {
    const commander = /[\\/]node_modules[\\/]commander[\\/]/;
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (commander.test(args.importer) ? { path: 'child-process-on-use', namespace: 'commander-child-process' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'commander-child-process' }, () => ({
      contents: [
        'let childProcess;',
        "module.exports = new Proxy({}, { get: (_target, name) => (childProcess ??= require('node:child_process'))[name] });",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * Node's modules that our modules (src/) import at the top but most starts never call: node:crypto,
 * loaded, was about 7 ms of CPU of every start (OpenSSL's set-up and some twenty modules), yet
 * `cert list` and most --help runs never hash, sign or read a key; node:fs/promises about 2 ms (it
 * loads readline's interface, os and the REPL's history), yet reading a named file uses node:fs, which
 * Node has loaded anyway (src/state/read-file.ts), and `--help` reads nothing (issue 14). Our modules get
 * a stand-in whose exported functions and classes are proxies requiring the real module on the first
 * call, construction (`new X509Certificate(pem)`) or property read (`instanceof` reads `prototype`).
 * Only functions and classes are offered: a value export such as `constants` would have to be read at
 * import, and esbuild refuses an import of a name the stand-in lacks, so such an import fails the build
 * instead of loading the module early.
 */
const BUILTINS_ON_FIRST_CALL = ['crypto', 'fs/promises'];
const builtinsOnFirstCall = {
  name: 'builtins-on-first-call',
  setup(build) {
    const ours = new RegExp(`^${path.join(root, 'src').replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[\\\\/]`);
    const names = BUILTINS_ON_FIRST_CALL.map((name) => name.replace(/[/]/g, '\\/')).join('|');
    build.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) => (ours.test(args.importer) ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin-on-first-call' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'builtin-on-first-call' }, async (args) => {
      const specifier = `node:${args.path}`;
      const builtin = await import(specifier);
      const callables = Object.keys(builtin).filter((name) => name !== 'default' && typeof builtin[name] === 'function');
      return {
        contents: [
          'let builtin;',
          `const real = (name) => (builtin ??= require(${JSON.stringify(specifier)}))[name];`,
          'const onFirstCall = (name) => new Proxy(function () {}, {',
          '  apply: (_target, self, args) => Reflect.apply(real(name), self, args),',
          '  construct: (_target, args) => Reflect.construct(real(name), args),',
          '  get: (_target, key) => real(name)[key],',
          '});',
          ...callables.map((name) => `export const ${name} = onFirstCall(${JSON.stringify(name)});`),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * chalk detects the terminal's colours when it is imported (supports-color: node:tty, node:os, the
 * environment) for its default instances, which acmecli never uses: src/cli/output.ts makes its own
 * `new Chalk({ level })` from its rule (a terminal, NO_COLOR, TERM=dumb). chalk gets the answer
 * "no colour" for those defaults instead, so an offline start does not load tty for nothing.
 */
const chalkWithoutDetection = {
  name: 'chalk-without-detection',
  setup(build) {
    const chalk = /[\\/]node_modules[\\/]chalk[\\/]/;
    build.onResolve({ filter: /^#supports-color$/ }, (args) => (chalk.test(args.importer) ? { path: 'no-detection', namespace: 'chalk-supports-color' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'chalk-supports-color' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
  },
};

/**
 * The programs the executable carries (src/entry/command-groups.ts: the whole one and one per group),
 * each with its bundle, the wrapped source the loader compiles and its code cache. The module is
 * TypeScript without imports: the pinned Node 24 loads it by stripping its types.
 */
async function programs() {
  const { programAssets } = await import(pathToFileURL(COMMAND_GROUPS_MODULE).href);
  return programAssets().map(({ asset, group }) => {
    const folder = group === undefined ? dist : out.groups;
    return {
      asset,
      group,
      bundle: group === undefined ? out.bundle : path.join(folder, asset.replace(/\.js$/, '.cjs')),
      source: path.join(folder, asset),
      cache: path.join(folder, `${asset}.cache`),
    };
  });
}

async function bundle(entryFile, version, provenance, { startFunction = 'run', outfile = out.bundle, group = null } = {}) {
  const esbuild = await import('esbuild');
  // A virtual entry that calls run(): the module itself only exports it.
  const importPath = './' + path.relative(root, entryFile).split(path.sep).join('/');
  const contents = startFunction === 'run'
    ? [
        `import { run } from ${JSON.stringify(importPath)};`,
        // `done` lets scripts/train-code-cache.cjs wait for one command line before running the next.
        'export const done = run().catch((error) => {',
        '  process.exitCode = 1;',
        '  console.error(error);',
        '});',
      ].join('\n')
    : `import { ${startFunction} } from ${JSON.stringify(importPath)};\n${startFunction}();\n`;
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents, resolveDir: root, sourcefile: 'sea-entry.ts', loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      outfile,
      minifyWhitespace: true,
      minifyIdentifiers: false,
      minifySyntax: true,
      keepNames: true,
      legalComments: 'none',
      sourcemap: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [yamlWithoutDebugEnv, commanderChildProcessOnUse, chalkWithoutDetection, builtinsOnFirstCall],
      define: {
        __ACMECLI_VERSION__: JSON.stringify(version),
        __ACMECLI_COMMIT__: JSON.stringify(provenance.commit),
        __ACMECLI_BUILD_DATE__: JSON.stringify(provenance.buildDate),
        // null: the whole program; a group's name: that group's commands alone (src/entry/main.ts).
        __ACMECLI_BUNDLED_GROUP__: JSON.stringify(group),
      },
    });
  } catch (error) {
    const first = error?.errors?.[0];
    throw new BuildError(first ? `esbuild: ${formatEsbuildMessage(first)}` : `esbuild: ${oneLine(error?.message ?? error)}`);
  }
  // Things that would need a file or a module loader at run time inside the SEA.
  const fatalWarnings = new Set(['unsupported-dynamic-import', 'unsupported-require-call', 'empty-import-meta']);
  for (const w of result.warnings) {
    if (fatalWarnings.has(w.id)) throw new BuildError(`esbuild: ${formatEsbuildMessage(w)} (not allowed in the SEA)`);
    console.error(`build-sea: warning: ${oneLine(formatEsbuildMessage(w))}`);
  }
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.kind === 'dynamic-import') throw new BuildError(`bundle keeps a dynamic import() of ${imp.path}; the SEA cannot load it`);
      if (!isBuiltin(imp.path)) throw new BuildError(`bundle would load ${imp.path} at run time; the SEA can only require Node built-ins`);
    }
  }
  // Computed specifiers esbuild could not follow stay in the output as they are.
  const code = await readFile(outfile, 'utf8');
  for (const [pattern, what] of [
    [/(?<![.\w$])require\(\s*(?!["'`])/, 'a require() of a computed specifier'],
  ]) {
    const match = pattern.exec(code);
    if (match) {
      const line = code.slice(0, match.index).split('\n').length;
      throw new BuildError(`${rel(outfile)}:${line} keeps ${what} (${code.slice(match.index, match.index + 60).split('\n')[0]}); the SEA cannot load it`);
    }
  }
}

/**
 * The blob only runs if Node finds the flipped sentinel fuse at start-up; otherwise the binary is a
 * plain node that answers `--version` with its own version. Asking it is the proof, after stripping
 * and injecting, that the executable runs acmecli. Then one command line per program (`acmecli version`
 * for the version group, `GROUP --help` for the others, `--help` for the whole program) runs it, and the
 * loader says whether V8 took that program's code cache (a refused one would only make every start slower).
 */
function checkBinary(version, carried) {
  const ask = (args, env = {}) => {
    try {
      return execFileSync(out.binary, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new BuildError(`${rel(out.binary)} ${args.join(' ')} does not run: ${oneLine(error.stderr?.toString() || error.message)}`);
    }
  };
  const answer = ask(['--version']).trim();
  if (answer !== version) throw new BuildError(`${rel(out.binary)} --version says ${JSON.stringify(answer)}, not ${version}: the SEA fuse did not take`);
  for (const program of carried) {
    const args = program.group === undefined ? ['--help'] : program.group === 'version' ? ['version'] : [program.group, '--help'];
    const child = spawnSync(out.binary, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ACMECLI_SEA_CODE_CACHE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.error || child.status !== 0 || (program.group === 'version' && !child.stdout.startsWith(`acmecli ${version}`))) {
      throw new BuildError(`${rel(out.binary)} ${args.join(' ')} failed: ${oneLine(child.stderr || child.error?.message || `exit ${child.status}`)}`);
    }
    if (!child.stderr.includes(`code cache accepted (${program.asset})`)) throw new BuildError(`V8 refused the code cache of ${rel(program.cache)} (${args.join(' ')}): ${oneLine(child.stderr)}`);
  }
}

/** A program's bundle wrapped as the loader compiles it, and its trained code cache (scripts/train-code-cache.cjs). */
function trainCodeCache(node, program) {
  try {
    execFileSync(node, [TRAINER, program.bundle, program.source, program.cache, program.asset, ...(program.group ? [program.group] : [])], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (error) {
    throw new BuildError(`${rel(TRAINER)} ${program.asset} failed: ${oneLine(error.stderr?.toString() || error.message)}`);
  }
}

async function main() {
  const started = performance.now();
  const entryArg = process.argv[2];
  const entryFile = path.resolve(root, entryArg ?? 'src/entry/run.ts');
  if (!existsSync(entryFile)) throw new BuildError(`entry ${rel(entryFile)} does not exist`);

  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  if (typeof pkg.version !== 'string') throw new BuildError('package.json has no version');
  const node = pinnedNode();

  const carried = await programs();
  await mkdir(dist, { recursive: true });
  await Promise.all([out.loader, ...carried.map((program) => program.bundle)].map((file) => rm(file, { force: true })));
  await mkdir(out.groups, { recursive: true });

  const provenance = buildProvenance();
  for (const program of carried) await bundle(entryFile, pkg.version, provenance, { outfile: program.bundle, group: program.group ?? null });
  await bundle(LOADER_ENTRY, pkg.version, provenance, { startFunction: 'startSea', outfile: out.loader });

  // The blob is not byte-for-byte reproducible (code cache), so the binary is
  // rebuilt only when what goes into it changed: the bundle and the Node binary.
  const nodeStat = await stat(node);
  const stampText = JSON.stringify({
    bundles: await Promise.all(carried.map(async (program) => [program.asset, createHash('sha256').update(await readFile(program.bundle)).digest('hex')])),
    node: [node, process.version, nodeStat.size, nodeStat.mtimeMs],
    script: createHash('sha256').update(await readFile(fileURLToPath(import.meta.url))).digest('hex'),
    loader: createHash('sha256').update(await readFile(out.loader)).update(await readFile(TRAINER)).digest('hex'),
  });
  const previous = (await readFile(out.stamp, 'utf8').catch(() => '')).trim();
  if (previous === stampText && existsSync(out.binary) && existsSync(out.blob)) {
    const { size } = await stat(out.binary);
    console.log(`build-sea: ${rel(out.binary)} is up to date (${(size / 1024 / 1024).toFixed(1)} MiB, acmecli ${pkg.version})`);
    return;
  }
  await Promise.all([out.stamp, out.binary, out.config, out.blob, ...carried.flatMap((program) => [program.source, program.cache])].map((file) => rm(file, { force: true })));

  for (const program of carried) trainCodeCache(node, program);

  const seaConfig = {
    main: rel(out.loader),
    output: rel(out.blob),
    // Each program and its code cache: the loader compiles the one with the other (src/entry/sea-loader.ts).
    assets: Object.fromEntries(carried.flatMap((program) => [[program.asset, rel(program.source)], [`${program.asset}.cache`, rel(program.cache)]])),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    useSnapshot: false,
    // A small young generation and a bounded old one keep a long-running agent near 100 MB instead of
    // letting V8 grow its heap to a few hundred MB of garbage between collections (bench/RESULTS.md).
    // 1 MB semi-spaces rather than 2: one cert issue peaks 1.2 MB lower (69.0 -> 67.8 MB), a renewal of
    // 20 lineages 1.3 MB lower, with no CPU difference measured (issue 14).
    execArgv: ['--max-semi-space-size=1', '--max-old-space-size=384'],
    // NODE_OPTIONS is not ours to obey: from a unit file or a login shell, `--require` would run any
    // file inside acmecli (often root) and `--inspect` would open a debugger. The binary ignores it.
    execArgvExtension: 'none',
  };
  await writeFile(out.config, JSON.stringify(seaConfig, null, 2) + '\n');
  try {
    execFileSync(node, ['--experimental-sea-config', rel(out.config)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const detail = oneLine(error.stderr?.toString() || error.stdout?.toString() || error.message);
    throw new BuildError(`node --experimental-sea-config failed: ${detail}`);
  }

  // The executable is a stripped copy of the pinned Node: its symbol tables are ~18 MB that nothing
  // reads at run time (a crash still names V8's frames by their exported symbols).
  try {
    execFileSync('strip', ['--strip-all', '-o', out.binary, node], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const detail = error.code === 'ENOENT' ? 'strip is not installed (Debian package binutils)' : oneLine(error.stderr?.toString() || error.message);
    throw new BuildError(`strip ${rel(node)} failed: ${detail}`);
  }
  await chmod(out.binary, 0o755);
  const { inject } = createRequire(import.meta.url)('postject');
  const blob = await readFile(out.blob);
  // postject logs progress with console.log, and LIEF warns about ELF note
  // sections it cannot name ("Can't find string offset…", harmless): keep the
  // build output to one line.
  const { log, warn } = console;
  console.log = () => {};
  console.warn = () => {};
  try {
    await inject(out.binary, 'NODE_SEA_BLOB', blob, { sentinelFuse: SENTINEL_FUSE, overwrite: true });
  } catch (error) {
    throw new BuildError(`postject: ${oneLine(error?.message ?? error)}`);
  } finally {
    console.log = log;
    console.warn = warn;
  }
  await chmod(out.binary, 0o755);
  checkBinary(pkg.version, carried);
  await writeFile(out.stamp, stampText + '\n');

  const { size } = await stat(out.binary);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `build-sea: ${rel(out.binary)} ${(size / 1024 / 1024).toFixed(1)} MiB (stripped Node ${process.version}: ${(nodeStat.size / 1024 / 1024).toFixed(1)} MiB unstripped; acmecli ${pkg.version}, ${seconds} s)`,
  );
}

main().catch((error) => {
  const message = error instanceof BuildError ? error.message : oneLine(error?.stack?.split('\n')[0] ?? error);
  console.error(`build-sea: ${message}`);
  process.exit(1);
});
