#!/usr/bin/env node
// Builds the reference for start-up timings: a bare Node single-executable
// application whose main script does nothing (prints nothing, exits 0), made the
// same way as dist/acmecli by scripts/build-sea.mjs: the same (pinned) Node binary,
// the same sea-config options (code cache on, no snapshot, no warning), injected
// with postject's JS API and the same sentinel fuse.
//
// The result is cached in bench/work/bare-sea/<node version>/ and rebuilt only when
// the Node binary (version, size, mtime) or this script changes.
//
//   node bench/bare-sea.mjs      builds if needed and prints the binary's path
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, ensurePinnedNode, oneLine, root } from './lib.mjs';

// Must match scripts/build-sea.mjs (and Node's own SEA fuse).
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Returns the path of the bare SEA for the Node running us (must be the pinned
 * Node 24), building it into `workDir`/bare-sea/<version>/ when not cached.
 */
export async function ensureBareSea({ workDir = path.join(root, 'bench', 'work'), node = process.execPath, log = console.log } = {}) {
  const dir = path.join(workDir, 'bare-sea', process.version);
  const out = {
    main: path.join(dir, 'bare.cjs'),
    config: path.join(dir, 'sea-config.json'),
    blob: path.join(dir, 'sea-prep.blob'),
    binary: path.join(dir, 'bare-sea'),
    stamp: path.join(dir, 'bare-sea.stamp'),
  };
  const nodeStat = await stat(node);
  const stampText = JSON.stringify({
    node: [node, process.version, nodeStat.size, nodeStat.mtimeMs],
    script: createHash('sha256').update(await readFile(fileURLToPath(import.meta.url))).digest('hex'),
  });
  const previous = (await readFile(out.stamp, 'utf8').catch(() => '')).trim();
  if (previous === stampText && existsSync(out.binary)) return out.binary;

  const started = performance.now();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(out.main, "'use strict';\n");
  const seaConfig = {
    main: path.basename(out.main),
    output: path.basename(out.blob),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    useSnapshot: false,
  };
  await writeFile(out.config, JSON.stringify(seaConfig, null, 2) + '\n');
  try {
    execFileSync(node, ['--experimental-sea-config', path.basename(out.config)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new BenchError(`bare SEA: node --experimental-sea-config failed: ${oneLine(error.stderr?.toString() || error.message)}`);
  }
  // Stripped like dist/acmecli (scripts/build-sea.mjs), so the two differ only by their script.
  try {
    execFileSync('strip', ['--strip-all', '-o', out.binary, node], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new BenchError(`bare SEA: strip failed: ${error.code === 'ENOENT' ? 'strip is not installed (Debian package binutils)' : oneLine(error.stderr?.toString() || error.message)}`);
  }
  await chmod(out.binary, 0o755);
  const { inject } = createRequire(path.join(root, 'package.json'))('postject');
  const blob = await readFile(out.blob);
  // postject logs with console.log and LIEF warns about unnamed ELF notes: silence both.
  const { log: savedLog, warn: savedWarn } = console;
  console.log = () => {};
  console.warn = () => {};
  try {
    await inject(out.binary, 'NODE_SEA_BLOB', blob, { sentinelFuse: SENTINEL_FUSE, overwrite: true });
  } catch (error) {
    throw new BenchError(`bare SEA: postject: ${oneLine(error?.message ?? error)}`);
  } finally {
    console.log = savedLog;
    console.warn = savedWarn;
  }
  await chmod(out.binary, 0o755);
  await rm(out.blob, { force: true });
  await writeFile(out.stamp, stampText + '\n');
  log(`bench: built bare SEA ${path.relative(root, out.binary)} (Node ${process.version}, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return out.binary;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensurePinnedNode(import.meta.url);
  ensureBareSea({ log: (m) => console.error(m) }).then(
    (file) => console.log(file),
    (error) => {
      console.error(error instanceof BenchError ? `bench: ${error.message}` : error);
      process.exit(1);
    },
  );
}
