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

test('acmecli reads and writes X.509 itself (x509-der.ts): no ASN.1 library and no Reflect shim in src/', () => {
  const offenders = tsFilesUnder('src').filter((file) => /from '@peculiar\/|reflect-metadata|Reflect\.(getMetadata|defineMetadata)/.test(readFileSync(file, 'utf8')));
  expect(offenders).toEqual([]);
});
