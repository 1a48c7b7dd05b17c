import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

// Dead code is code nobody has to read: every name exported from src/ must be used by the program
// (src/, the build and release scripts, bin/, bench/), not only by its own declaration or by tests.
// An export used by tests alone is either dead code kept alive by its tests, or a helper that
// belongs in test/. A scan, not the compiler: TypeScript 7 (tsgo) has no JS API, and a word match
// over comment-free text errs on the safe side (a name that appears twice counts as used).

const NAME = /[A-Za-z_$][\w$]*/.source;
const DECLARED = new RegExp(`^export\\s+(?:declare\\s+)?(?:async\\s+)?(?:function\\*?|const|let|class|interface|type|enum|abstract\\s+class)\\s+(${NAME})`, 'gm');
const LISTED = /^export\s+(?:type\s+)?\{([^}]*)\}/gm;

function filesUnder(folder: string, endings: readonly string[]): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => endings.some((ending) => file.endsWith(ending)))
    .map((file) => join(folder, file));
}

/** Comments out: a name mentioned in a doc comment is not a use. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The names a module exports by declaration (`export function f`) or by list (`export { a, b as c }`). */
function exportedNames(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(DECLARED)) names.add(match[1] ?? '');
  for (const match of source.matchAll(LISTED)) {
    for (const part of (match[1] ?? '').split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop()?.replace(/^type\s+/, '').trim();
      if (name) names.add(name);
    }
  }
  return [...names].filter((name) => name !== '');
}

/** Exports that appear nowhere in `texts` but at their declaration. */
function unusedExports(modules: ReadonlyMap<string, string>, texts: readonly string[]): string[] {
  const unused: string[] = [];
  for (const [file, source] of modules) {
    for (const name of exportedNames(source)) {
      const word = new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
      const uses = texts.reduce((count, text) => count + (text.match(word)?.length ?? 0), 0);
      if (uses <= 1) unused.push(`${file}: ${name}`);
    }
  }
  return unused;
}

test('the scan finds an export used nowhere, and one used only where it is declared', () => {
  const modules = new Map([
    ['a.ts', 'export function used() {}\nexport const dead = 1;\n// dead is mentioned here only in a comment\nexport { kept as alias, type Shape };'],
    ['b.ts', "import { used, alias, type Shape } from './a.js';\nused();"],
  ]);
  const texts = [...modules.values()].map(withoutComments);
  expect(unusedExports(new Map([...modules].map(([f, s]) => [f, withoutComments(s)])), texts)).toEqual(['a.ts: dead']);
});

test('every export of src/ is used by the program, not only by tests', () => {
  const src = filesUnder('src', ['.ts']);
  const consumers = [...src, ...filesUnder('scripts', ['.mjs', '.js', '.ts']), ...filesUnder('bin', ['.js', '.mjs']), ...filesUnder('bench', ['.mjs', '.js', '.ts'])];
  const text = new Map(consumers.map((file) => [file, withoutComments(readFileSync(file, 'utf8'))]));
  const modules = new Map(src.map((file) => [file, text.get(file) ?? '']));
  expect(unusedExports(modules, [...text.values()]), 'exported but used by nothing in the program: delete it, or move a test-only helper to test/').toEqual([]);
});
