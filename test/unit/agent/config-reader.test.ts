import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { clientConfigReader } from '../../../src/agent/config/load.js';

const config = (domains: string[]) => ['common:', '  certificate_deploy: true', 'certificate:', ...domains.flatMap((d) => [`  - domain: ${d}`, '    issuer: pebble']), ''].join('\n');

test('the daemon\'s reader parses again only when the text changed, and sees every edit at the next read', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'acmecli-config-reader-')), 'client-config.yml');
  writeFileSync(file, config(['a.example']));
  const read = clientConfigReader(file);
  const first = await read();
  expect(first.certificates.map((c) => c.domain)).toEqual(['a.example']);
  expect(await read()).toBe(first); // unchanged text: the parsed configuration of last time
  writeFileSync(file, config(['a.example', 'b.example']));
  const second = await read();
  expect(second.certificates.map((c) => c.domain)).toEqual(['a.example', 'b.example']);
  writeFileSync(file, 'certificate: [');
  await expect(read()).rejects.toMatchObject({ code: 'USAGE' });
  await expect(read()).rejects.toMatchObject({ code: 'USAGE' }); // a bad file stays refused, never the old configuration
  writeFileSync(file, config(['c.example']));
  expect((await read()).certificates.map((c) => c.domain)).toEqual(['c.example']);
});
