import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { namesLineageNotFile, parseRevocationReason } from '../../../src/issuance/revoke.js';

test.each([
  [undefined, undefined],
  ['0', 0],
  ['1', 1],
  ['keyCompromise', 1],
  ['superseded', 4],
  ['5', 5],
])('--reason %j is reason code %j', (text, code) => {
  expect(parseRevocationReason(text)).toBe(code);
});

test.each(['2', '6', '9', 'KeyCompromise', '-1', '1.0', ''])('--reason %j is refused with the codes CAs accept', (text) => {
  expect(() => parseRevocationReason(text)).toThrow(new UsageError(
    `--reason ${JSON.stringify(text)}: use one of 0 (unspecified), 1 (keyCompromise), 3 (affiliationChanged), 4 (superseded), 5 (cessationOfOperation)`));
});

test('a file wins over a lineage of the same name; what cannot be a lineage name is a file', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'acmecli-revoke-'));
  try {
    const file = join(folder, 'www.example.org');
    expect(namesLineageNotFile('www.example.org')).toBe(true);
    await writeFile(file, '');
    expect(namesLineageNotFile(file)).toBe(false);
    expect(namesLineageNotFile('./missing.pem')).toBe(false);
    expect(namesLineageNotFile('.hidden')).toBe(false);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
