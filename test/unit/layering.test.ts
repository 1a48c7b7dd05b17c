import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

function tsFilesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(folder, f));
}

const CORE_FORBIDDEN = /from '(commander|ora|chalk|node:fs(\/promises)?|node:child_process|node:readline[^']*)'|from '\.\.\/(cli|commands|state|keys)\/|process\.(env|stdout|stderr|stdin|exit)|console\./;

test('src/acme knows nothing of the CLI, the filesystem, the environment or the console', () => {
  const files = tsFilesUnder('src/acme');
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(CORE_FORBIDDEN);
});

test('only transport.ts in src/acme imports undici', () => {
  for (const file of tsFilesUnder('src/acme')) {
    if (file.endsWith('transport.ts')) continue;
    expect(readFileSync(file, 'utf8'), file).not.toMatch(/from 'undici'/);
  }
});

test('nothing outside src/cli and src/commands imports them', () => {
  for (const file of tsFilesUnder('src')) {
    if (/src\/(cli|commands)\//.test(file)) continue;
    expect(readFileSync(file, 'utf8'), file).not.toMatch(/from '\.\.?\/(\.\.\/)*(cli|commands)\//);
  }
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

test('src/dns is pure: no filesystem, network, environment or console', () => {
  for (const file of tsFilesUnder('src/dns')) {
    expect(readFileSync(file, 'utf8'), file).not.toMatch(/from 'node:(fs|fs\/promises|net|http|https|dns|child_process)'|process\.env|console\./);
  }
});
