import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { moveLineagesToAccountKey } from '../../../src/issuance/lineage-account-key.js';
import { LineageStore, type LineageRecord } from '../../../src/state/lineage-store.js';
import { formatLockHolder, procProbe } from '../../../src/state/lock-holder.js';

const CA = 'https://127.0.0.1:14000/dir';
const OLD = '/etc/acme/old.pem';
const NEW = '/etc/acme/new.pem';

function record(name: string, accountKeyPath: string, directoryUrl = CA): LineageRecord {
  return {
    config: { name, identifiers: [{ type: 'dns', value: `${name}.example` }], directoryUrl, accountKeyPath, keyType: 'ec256', reuseKey: false, solvers: [], challengeTypes: [], outDir: '/tmp/out', bundle: false, renewDays: '30' },
    createdAt: '2026-12-01T00:00:00.000Z',
    acmecliVersion: 'test',
    versions: [],
  };
}

// A lineage held by another live acmecli run (a `cert renew` in progress): its lock names a live process.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
function lockByLiveRun(store: LineageStore, name: string): string {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid!;
  const lockPath = path.join(store.folder(name), 'lock');
  writeFileSync(lockPath, formatLockHolder({ pid, startTicks: procProbe.startTicks(pid)!, bootId: procProbe.bootId()! }));
  return lockPath;
}

async function storeWith(...records: LineageRecord[]): Promise<LineageStore> {
  const store = new LineageStore(mkdtempSync(path.join(tmpdir(), 'acmecli-rekey-')));
  for (const r of records) await store.write(r);
  return store;
}

test('moves exactly the lineages of that CA and that key, under their locks', async () => {
  const store = await storeWith(record('a', OLD), record('b', OLD, 'https://other.example/dir'), record('c', '/etc/acme/other.pem'));
  const result = await moveLineagesToAccountKey(store, CA, OLD, NEW);
  expect(result.moved).toEqual(['a']);
  expect(result.notMoved).toEqual([]);
  expect((await store.read('a'))!.config.accountKeyPath).toBe(NEW);
  expect((await store.read('b'))!.config.accountKeyPath).toBe(OLD);
  expect((await store.read('c'))!.config.accountKeyPath).toBe('/etc/acme/other.pem');
});

test('a lineage a live run holds is waited for and read again inside the lock: the run ending cannot write the old key back', async () => {
  const store = await storeWith(record('busy', OLD));
  const lockPath = lockByLiveRun(store, 'busy');
  // The renewal read its record when it started; 300 ms later it ends, writes that record back and unlocks.
  const seenByTheRun = (await store.read('busy'))!;
  const runEnds = new Promise<void>((resolve) => setTimeout(() => {
    seenByTheRun.lastResult = { at: '2026-12-03T00:00:00.000Z', ok: false, message: 'renewed with the old key' };
    void store.write(seenByTheRun).then(() => rmSync(lockPath)).then(resolve);
  }, 300));
  const result = await moveLineagesToAccountKey(store, CA, OLD, NEW);
  await runEnds;
  expect(result.moved).toEqual(['busy']);
  const after = (await store.read('busy'))!;
  expect(after.config.accountKeyPath).toBe(NEW);
  expect(after.lastResult?.message).toBe('renewed with the old key');
});

test('a lineage whose lock stays held past the wait is reported, not changed, and the others still move', async () => {
  const store = await storeWith(record('stuck', OLD), record('free', OLD));
  lockByLiveRun(store, 'stuck');
  let clock = 0;
  const result = await moveLineagesToAccountKey(store, CA, OLD, NEW, { lockWaitMs: 1_000, now: () => clock, sleep: async (ms) => void (clock += ms) });
  expect(result.moved).toEqual(['free']);
  expect(result.notMoved).toEqual([{ name: 'stuck', reason: expect.stringMatching(/^stuck is locked by another acmecli run \(pid \d+\)/) }]);
  expect((await store.read('stuck'))!.config.accountKeyPath).toBe(OLD);
  expect(clock).toBeGreaterThanOrEqual(1_000);
});
