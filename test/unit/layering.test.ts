import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative } from 'node:path';
import { expect, test } from 'vitest';

// The map in docs/ARCHITECTURE.md is the rule: this test reads its two tables (which folder may import
// which, and which packages a folder may not import) and checks every import under src/ against them.
// A known violation listed there must still occur, so the list shrinks as the code is fixed.

const ARCHITECTURE = 'docs/ARCHITECTURE.md';

function tsFilesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(folder, f).split('\\').join('/'));
}

/** The rows of the markdown table between `<!-- name:begin -->` and `<!-- name:end -->`, header dropped. */
export function tableRows(markdown: string, name: string): string[][] {
  const begin = markdown.indexOf(`<!-- ${name}:begin -->`);
  const end = markdown.indexOf(`<!-- ${name}:end -->`);
  if (begin < 0 || end < begin) throw new Error(`${ARCHITECTURE} has no table marked ${name}`);
  const rows = markdown
    .slice(begin, end)
    .split('\n')
    .filter((line) => line.trim().startsWith('|'))
    .map((line) => line.trim().replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim()));
  return rows.slice(2); // header and --- line
}

/** The `code` spans of a cell: `acme/`, `errors.ts`, `node:fs`, `cli/context.ts → node:fs/promises`. */
function codeSpans(cell: string | undefined): string[] {
  return [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
}

interface Arrow {
  file: string;
  target: string;
}

function arrows(cell: string | undefined): Arrow[] {
  return codeSpans(cell).map((span) => {
    const [file, target] = span.split('→').map((s) => s.trim());
    if (!file || !target) throw new Error(`${ARCHITECTURE}: "${span}" is not "file → target"`);
    return { file, target };
  });
}

export interface LayeringMap {
  /** Folder (`acme/`) or root file (`errors.ts`) → the folders and root files it may import. */
  mayImport: Map<string, Set<string>>;
  /** Folder → packages it may not import (a package also forbids its subpaths). */
  mayNotImport: Map<string, string[]>;
  /** Arrows allowed by design (`acme/transport.ts → undici`). */
  allowed: Arrow[];
  /** Arrows that break the rules today, listed so the test is true now; issue 9 removes them. */
  known: Arrow[];
}

export function readLayeringMap(markdown: string): LayeringMap {
  const map: LayeringMap = { mayImport: new Map(), mayNotImport: new Map(), allowed: [], known: [] };
  for (const [unit, , may, known] of tableRows(markdown, 'layering-folders')) {
    const [name] = codeSpans(unit);
    if (!name) throw new Error(`${ARCHITECTURE}: a row of the folder table names no folder`);
    map.mayImport.set(name, new Set(codeSpans(may)));
    map.known.push(...arrows(known));
  }
  for (const [unit, forbidden, allowed, known] of tableRows(markdown, 'layering-packages')) {
    const [name] = codeSpans(unit);
    if (!name) throw new Error(`${ARCHITECTURE}: a row of the package table names no folder`);
    map.mayNotImport.set(name, codeSpans(forbidden));
    map.allowed.push(...arrows(allowed));
    map.known.push(...arrows(known));
  }
  return map;
}

/** Every module specifier a file imports or re-exports, statically or with import(). */
export function importSpecifiers(source: string): string[] {
  const specifiers = new Set<string>();
  for (const m of source.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)) specifiers.add(m[1] ?? m[2] ?? '');
  return [...specifiers];
}

/** `acme/` for src/acme/…, `errors.ts` for src/errors.ts. */
function unitOf(srcRelative: string): string {
  const [first, ...rest] = srcRelative.split('/');
  return rest.length > 0 ? `${first}/` : (first ?? '').replace(/\.js$/, '.ts');
}

const BUILTINS = new Set(builtinModules);

/** What a specifier in `file` (relative to src/) points at: a unit of src/ or a package name. */
function targetOf(file: string, specifier: string): { unit: string } | { pkg: string } {
  if (specifier.startsWith('.')) return { unit: unitOf(posix.normalize(posix.join(posix.dirname(file), specifier))) };
  return { pkg: BUILTINS.has(specifier) && !specifier.startsWith('node:') ? `node:${specifier}` : specifier };
}

function packageMatches(pkg: string, rule: string): boolean {
  return pkg === rule || pkg.startsWith(`${rule}/`);
}

const same = (a: Arrow, b: Arrow): boolean => a.file === b.file && a.target === b.target;
const show = (a: Arrow): string => `${a.file} → ${a.target}`;

/** Each import (file relative to src/) that the map forbids, once per file and target; and the units the map lacks. */
export function findViolations(map: LayeringMap, files: { path: string; source: string }[]): { violations: Arrow[]; unmapped: string[] } {
  const violations: Arrow[] = [];
  const unmapped = new Set<string>();
  for (const { path, source } of files) {
    const unit = unitOf(path);
    const mayImport = map.mayImport.get(unit);
    if (mayImport === undefined) {
      unmapped.add(unit);
      continue;
    }
    for (const specifier of importSpecifiers(source)) {
      const target = targetOf(path, specifier);
      if ('unit' in target) {
        if (target.unit !== unit && !mayImport.has(target.unit)) violations.push({ file: path, target: target.unit });
      } else {
        const rule = (map.mayNotImport.get(unit) ?? []).find((r) => packageMatches(target.pkg, r));
        if (rule !== undefined && !map.allowed.some((a) => a.file === path && packageMatches(target.pkg, a.target))) {
          violations.push({ file: path, target: target.pkg });
        }
      }
    }
  }
  const distinct = violations.filter((v, i) => violations.findIndex((w) => same(v, w)) === i);
  return { violations: distinct, unmapped: [...unmapped] };
}

function sourceFiles(): { path: string; source: string }[] {
  return tsFilesUnder('src').map((f) => ({ path: relative('src', f).split('\\').join('/'), source: readFileSync(f, 'utf8') }));
}

test('every folder of src/ has a row in docs/ARCHITECTURE.md', () => {
  const map = readLayeringMap(readFileSync(ARCHITECTURE, 'utf8'));
  const { unmapped } = findViolations(map, sourceFiles());
  expect(unmapped, `add a row for each of these to the folder table of ${ARCHITECTURE}`).toEqual([]);
  expect(map.mayImport.size).toBeGreaterThan(10);
});

test('every import under src/ follows the allowed-imports table of docs/ARCHITECTURE.md', () => {
  const map = readLayeringMap(readFileSync(ARCHITECTURE, 'utf8'));
  const { violations } = findViolations(map, sourceFiles());
  const newOnes = violations.filter((v) => !map.known.some((k) => same(k, v)));
  expect(newOnes.map(show), `imports that break the map in ${ARCHITECTURE}: move the code, or change the map and say why`).toEqual([]);
});

test('each known violation listed in docs/ARCHITECTURE.md still occurs (remove the line once it is fixed)', () => {
  const map = readLayeringMap(readFileSync(ARCHITECTURE, 'utf8'));
  const { violations } = findViolations(map, sourceFiles());
  const fixed = map.known.filter((k) => !violations.some((v) => same(k, v)));
  expect(fixed.map(show)).toEqual([]);
  // Issue 9 fixed every violation the map once listed: the columns are empty, and stay honest if one is added.
});

test('the checker itself: a forbidden arrow, a forbidden package, a design exception and a known violation', () => {
  const map = readLayeringMap(
    [
      '<!-- layering-folders:begin -->',
      '| Folder | Owns | May import | Known violations |',
      '| --- | --- | --- | --- |',
      '| `acme/` | protocol | `errors.ts` | |',
      '| `cli/` | entry | `acme/`, `errors.ts` | `cli/old.ts → commands/` |',
      '| `errors.ts` | errors | – | |',
      '<!-- layering-folders:end -->',
      '<!-- layering-packages:begin -->',
      '| Folder | May not import | Allowed by design | Known violations |',
      '| --- | --- | --- | --- |',
      '| `acme/` | `node:fs`, `undici` | `acme/transport.ts → undici` | |',
      '<!-- layering-packages:end -->',
    ].join('\n'),
  );
  const { violations, unmapped } = findViolations(map, [
    { path: 'acme/transport.ts', source: "import { request } from 'undici';\nimport { x } from '../errors.js';" },
    { path: 'acme/jws.ts', source: "import { readFile } from 'fs/promises';\nimport type { C } from '../cli/context.js';" },
    { path: 'acme/client.ts', source: "const m = await import('undici/lib/x.js');" },
    { path: 'cli/main.ts', source: "import {\n  a,\n} from '../acme/client.js';" },
    { path: 'dns/caa.ts', source: '' },
  ]);
  expect(violations.map(show)).toEqual(['acme/jws.ts → node:fs/promises', 'acme/jws.ts → cli/', 'acme/client.ts → undici/lib/x.js']);
  expect(unmapped).toEqual(['dns/']);
  expect(map.known.map(show)).toEqual(['cli/old.ts → commands/']);
});

test('no file under src/ imports undici: the transport is Node\'s own http/https, so the executable carries no HTTP library', () => {
  const offenders = sourceFiles().flatMap(({ path, source }) =>
    importSpecifiers(source).filter((specifier) => packageMatches(specifier, 'undici')).map((specifier) => `${path} → ${specifier}`));
  expect(offenders).toEqual([]);
});

test('src/acme, src/net and src/dns read no environment and write to no console: those belong to the edges', () => {
  const files = [...tsFilesUnder('src/acme'), ...tsFilesUnder('src/net'), ...tsFilesUnder('src/dns')];
  expect(files.length).toBeGreaterThan(10);
  for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(/process\.(env|stdout|stderr|stdin|exit)|console\./);
});

test('process-wide side effects (the global Reflect shim, V8 flags) happen only in the process entry, src/entry/run.ts', () => {
  const offenders = tsFilesUnder('src')
    .filter((file) => file !== 'src/entry/run.ts')
    .filter((file) => /import\s+'[^']*reflect-metadata-shim(\.js)?'|\bsetFlagsFromString\(/.test(readFileSync(file, 'utf8')));
  expect(offenders).toEqual([]);
  expect(readFileSync('src/entry/run.ts', 'utf8')).toMatch(/setFlagsFromString\('--expose-gc'\)/);
});

test('dynamic import() only of a literal specifier: esbuild bundles those lazily, the SEA can load nothing else', () => {
  for (const file of tsFilesUnder('src')) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bimport\(([^)]*)\)/g)) {
      if (/^\s*'[^']+'\s*$/.test(match[1] ?? '') || /typeof import\(/.test(text.slice(Math.max(0, (match.index ?? 0) - 7), (match.index ?? 0) + 7))) continue;
      throw new Error(`${file}: import(${match[1]}) is not a literal specifier`);
    }
  }
});
