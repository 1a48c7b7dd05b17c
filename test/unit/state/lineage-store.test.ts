import { chmodSync, cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, vi } from 'vitest';
import { deleteLineage } from '../../../src/issuance/delete-lineage.js';
import { LineageStore } from '../../../src/state/lineage-store.js';

function storeWith(records: Record<string, object>): LineageStore {
  const store = new LineageStore(mkdtempSync(path.join(tmpdir(), 'acmecli-store-')));
  for (const [folder, record] of Object.entries(records)) {
    mkdirSync(store.folder(folder), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(store.folder(folder), 'lineage.json'), JSON.stringify(record), { mode: 0o600 });
  }
  return store;
}

const issued = (name: string) => ({ config: { name, outDir: '/nonexistent-out', bundle: false }, versions: [{ number: 1 }], current: 1 });

test('readIssuedOne gives a lineage only when it exists as listIssued counts it', async () => {
  const store = storeWith({
    good: issued('good'),
    'never-issued': { config: { name: 'never-issued' }, versions: [] }, // a first issuance that failed
    'current-unrecorded': { config: { name: 'current-unrecorded' }, versions: [{ number: 1 }], current: 2 },
    'other-name': issued('someone-else'), // a record copied into the wrong folder
    damaged: { versions: [] },
  });
  expect((await store.readIssuedOne('good'))?.config.name).toBe('good');
  for (const name of ['never-issued', 'current-unrecorded', 'other-name', 'damaged', 'missing']) expect(await store.readIssuedOne(name)).toBeUndefined();
  expect(await store.listIssued()).toEqual(['good']);
});

test('a lineage folder another user can write is not read, by name or in a listing', async () => {
  const store = storeWith({ good: issued('good'), open: issued('open') });
  chmodSync(store.folder('open'), 0o777);
  expect(await store.readIssuedOne('open')).toBeUndefined();
  expect(await store.listIssued()).toEqual(['good']);
  await expect(store.read('open')).rejects.toMatchObject({ code: 'STATE', message: expect.stringContaining('can be written by every user') });
});

test('cert delete of one lineage reads that lineage only; a miss names the ones there are', async () => {
  const store = storeWith({ a: issued('a'), b: issued('b') });
  const listing = vi.spyOn(store, 'listIssued');
  await expect(deleteLineage(store, 'a', { removeFiles: false })).resolves.toMatchObject({ name: 'a', deleted: true, versions: 1 });
  expect(listing).not.toHaveBeenCalled();
  await expect(deleteLineage(store, 'a', { removeFiles: false })).rejects.toMatchObject({ code: 'USAGE', message: 'no lineage named a (lineages: b)' });
  expect(await store.listIssued()).toEqual(['b']);
});

test('a symbolic link in lineages/ is no lineage: cert list does not show it, and cert delete does not act on it', async () => {
  const store = storeWith({ real: issued('real') });
  const elsewhere = path.join(mkdtempSync(path.join(tmpdir(), 'acmecli-store-elsewhere-')), 'linked');
  cpSync(store.folder('real'), elsewhere, { recursive: true });
  writeFileSync(path.join(elsewhere, 'lineage.json'), JSON.stringify(issued('linked')));
  symlinkSync(elsewhere, store.folder('linked'));
  expect(await store.listIssued()).toEqual(['real']);
  expect(await store.readIssuedOne('linked')).toBeUndefined();
  await expect(deleteLineage(store, 'linked', { removeFiles: true })).rejects.toMatchObject({ code: 'USAGE', message: 'no lineage named linked (lineages: real)' });
});
