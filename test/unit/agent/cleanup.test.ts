import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { certificateFilesIn, idsInList } from '../../../src/agent/cleanup.js';
import { COMMON_DEFAULTS } from '../../../src/agent/config/schema.js';

test('--cleanup keeps the files of every certificate the manager lists, as the agent names them', () => {
  expect(idsInList([
    { issuer: 'pebble', domain: 'a.example' },
    { name: 'web', issuer: 'pebble', domain: 'b.example' },
    { name: '', issuer: 'pebble', domain: 'c.example' },
  ])).toEqual(new Set(['pebble/a.example', 'web', 'pebble/c.example']));
});

test('entries the agent refused still count (refused is not deployed, and not deleted either); what names nothing is skipped', () => {
  expect(idsInList([
    { issuer: 'pebble', domain: 'refused.example', fingerprint: 'not hex', days: 'x' },
    { name: 42, issuer: 'pebble', domain: 'numeric-name.example' },
    null, 'text', [], { issuer: 'pebble' }, { domain: 'no-issuer.example' },
  ])).toEqual(new Set(['pebble/refused.example', 'pebble/numeric-name.example']));
});

test('a file names every certificate it could belong to: le/shop.example.ca.crt is the .crt of shop.example.ca, or the .ca.crt of shop.example', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-cleanup-'));
  mkdirSync(path.join(dir, 'le'));
  for (const file of ['shop.example.ca.crt', 'shop.example.ca.key', 'shop.example.ca.ca.crt', 'README']) writeFileSync(path.join(dir, 'le', file), '');
  const found = await certificateFilesIn({ ...COMMON_DEFAULTS, certificateDir: dir + '/' });
  expect(Object.fromEntries(found.map((f) => [path.relative(dir, f.path), [...f.ids].sort()]))).toEqual({
    'le/shop.example.ca.crt': ['le/shop.example', 'le/shop.example.ca'],
    'le/shop.example.ca.key': ['le/shop.example.ca'],
    'le/shop.example.ca.ca.crt': ['le/shop.example.ca', 'le/shop.example.ca.ca'],
  });
});
