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

test('only src/certs/x509.ts imports @peculiar/x509, after the Reflect shim it needs', () => {
  const importers = tsFilesUnder('src').filter((file) => /from '@peculiar\/x509'/.test(readFileSync(file, 'utf8')));
  expect(importers).toEqual(['src/certs/x509.ts']);
  const text = readFileSync('src/certs/x509.ts', 'utf8');
  expect(text.indexOf("import './reflect-metadata-shim.js'")).toBeGreaterThanOrEqual(0);
  expect(text.indexOf("import './reflect-metadata-shim.js'")).toBeLessThan(text.indexOf("from '@peculiar/x509'"));
});
