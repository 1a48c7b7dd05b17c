import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { writeFileAtomic, writeFilesTogether } from '../../../src/state/atomic-write.js';

test('exclusive writes racing for one new file: exactly one wins, the others say it exists', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-atomic-'));
  const file = path.join(dir, 'key.pem');
  const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, `writer ${i}`, { mode: 0o600, exclusive: true })));
  const winners = outcomes.filter((o) => o.status === 'fulfilled');
  expect(winners).toHaveLength(1);
  for (const o of outcomes) if (o.status === 'rejected') expect(String(o.reason.message)).toMatch(/already exists \(use --force/);
  expect(readFileSync(file, 'utf8')).toMatch(/^writer \d+$/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readdirSync(dir)).toEqual(['key.pem']);
});

test('files written together keep an existing file\'s mode and leave no temporary files', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-together-'));
  const cert = path.join(dir, 'a.crt');
  await writeFilesTogether([{ path: cert, data: 'one', mode: 0o640 }]);
  await writeFilesTogether([{ path: cert, data: 'two', mode: 0o600 }, { path: path.join(dir, 'a.key'), data: 'k', mode: 0o600 }]);
  expect(statSync(cert).mode & 0o777).toBe(0o640);
  expect(readFileSync(cert, 'utf8')).toBe('two');
  expect(readdirSync(dir).sort()).toEqual(['a.crt', 'a.key']);
});

test('files written together: when one cannot be staged, none is replaced, no temporary file stays, and the error names that file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-together-fail-'));
  const cert = path.join(dir, 'a.crt');
  const key = path.join(dir, 'a.key');
  await writeFilesTogether([{ path: cert, data: 'old cert', mode: 0o644 }, { path: key, data: 'old key', mode: 0o600 }]);
  // A "folder" that is a file: its staging fails (ENOTDIR) while the others are staged beside it.
  const blocked = path.join(cert, 'inside', 'a.ca.crt');
  await expect(writeFilesTogether([
    { path: cert, data: 'new cert', mode: 0o644 },
    { path: blocked, data: 'ca', mode: 0o644 },
    { path: key, data: 'new key', mode: 0o600 },
  ])).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining(blocked) });
  expect(readFileSync(cert, 'utf8')).toBe('old cert');
  expect(readFileSync(key, 'utf8')).toBe('old key');
  expect(readdirSync(dir).sort()).toEqual(['a.crt', 'a.key']);
});
