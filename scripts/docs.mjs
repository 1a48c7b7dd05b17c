#!/usr/bin/env node
// Writes the documentation generated from the command definitions (src/cli/reference/):
//   node scripts/docs.mjs                        → docs/reference/cli.md (committed; `npm run docs`)
//   node scripts/docs.mjs --install-root DIR     → also DIR/usr/share/man/…, DIR/usr/share/…/completions
// The TypeScript is bundled with esbuild into a temporary module first, as the SEA build does.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function loadGenerator(version) {
  const esbuild = await import('esbuild');
  const work = await mkdtemp(path.join(tmpdir(), 'acmecli-docs-'));
  const outfile = path.join(work, 'reference.mjs');
  try {
    await esbuild.build({
      entryPoints: [path.join(root, 'src/entry/reference-files.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      outfile,
      logLevel: 'silent',
      // CommonJS dependencies bundled into ESM need a require().
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      define: { __ACMECLI_VERSION__: JSON.stringify(version) },
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeAll(base, files) {
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(base, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
    console.log(`docs: ${path.relative(root, target)}`);
  }
}

/** The generated files: `repository` (relative to the checkout) and `install` (relative to an install root). */
export async function generateDocs() {
  const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const { generateReferenceFiles } = await loadGenerator(version);
  return generateReferenceFiles(version);
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--install-root');
  const installRoot = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !installRoot) throw new Error('--install-root needs a folder');
  const files = await generateDocs();
  await writeAll(root, files.repository);
  if (installRoot) await writeAll(path.resolve(installRoot), files.install);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`docs: ${error?.message ?? error}`);
    process.exit(1);
  });
}
