import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

function tsFilesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(folder, f));
}

test('src/certs is pure: no filesystem, network, child processes, environment or console', () => {
  const files = tsFilesUnder('src/certs');
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) {
    expect(readFileSync(file, 'utf8'), file).not.toMatch(/from 'node:(fs|fs\/promises|http|https|http2|dns|child_process|tls)'|process\.(env|std\w+|exit)|console\./);
  }
});

test('only src/certs/x509.ts imports @peculiar/x509; the Reflect shim it needs is the process entry\'s first import', () => {
  const importers = tsFilesUnder('src').filter((file) => /from '@peculiar\/x509'/.test(readFileSync(file, 'utf8')));
  expect(importers).toEqual(['src/certs/x509.ts']);
  const entry = readFileSync('src/entry/run.ts', 'utf8');
  const firstImport = /^import\s[^\n]*$/m.exec(entry)?.[0];
  expect(firstImport).toBe("import '../certs/reflect-metadata-shim.js';");
});
