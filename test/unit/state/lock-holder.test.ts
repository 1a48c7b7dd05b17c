import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { LineageStore } from '../../../src/state/lineage-store.js';
import { lockHolderIsLive, parseLockHolder, procProbe } from '../../../src/state/lock-holder.js';

// A real, unrelated live process whose PID a stale lock can name (as after a kill -9 and PID reuse).
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
function unrelatedProcess(): number {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

function storeWithLock(content: string, writtenAt?: Date): { store: LineageStore; lockPath: string } {
  const home = mkdtempSync(path.join(tmpdir(), 'acmecli-lock-'));
  const store = new LineageStore(home);
  mkdirSync(store.folder('demo'), { recursive: true });
  const lockPath = path.join(store.folder('demo'), 'lock');
  writeFileSync(lockPath, content);
  if (writtenAt) utimesSync(lockPath, writtenAt, writtenAt);
  return { store, lockPath };
}

const bootId = () => procProbe.bootId()!;

test('our lock records PID, process start time and boot id', async () => {
  const { store, lockPath } = storeWithLock('');
  const { rm } = await import('node:fs/promises');
  await rm(lockPath);
  const unlock = await store.lock('demo');
  const holder = parseLockHolder(readFileSync(lockPath, 'utf8'))!;
  expect(holder).toEqual({ pid: process.pid, startTicks: procProbe.startTicks(process.pid), bootId: bootId() });
  expect(holder.startTicks).toMatch(/^\d+$/);
  await unlock();
});

test('a PID-only lock written before its PID\'s process started is stale: taken over', async () => {
  const pid = unrelatedProcess();
  const { store, lockPath } = storeWithLock(`${pid}\n`, new Date(Date.now() - 3600_000));
  const unlock = await store.lock('demo');
  expect(parseLockHolder(readFileSync(lockPath, 'utf8'))?.pid).toBe(process.pid);
  await unlock();
});

test('a lock whose PID now belongs to a process with another start time is taken over', async () => {
  const pid = unrelatedProcess();
  const { store, lockPath } = storeWithLock(`${pid} 1 ${bootId()}\n`);
  const unlock = await store.lock('demo');
  expect(parseLockHolder(readFileSync(lockPath, 'utf8'))?.pid).toBe(process.pid);
  await unlock();
});

test('a lock from before a reboot (another boot id) is taken over', async () => {
  const pid = unrelatedProcess();
  const { store } = storeWithLock(`${pid} ${procProbe.startTicks(pid)} 00000000-0000-0000-0000-000000000000\n`);
  await (await store.lock('demo'))();
});

test('a lock held by a live process that is the one that took it still blocks, naming the PID', async () => {
  const pid = unrelatedProcess();
  const { store } = storeWithLock(`${pid} ${procProbe.startTicks(pid)} ${bootId()}\n`);
  await expect(store.lock('demo')).rejects.toMatchObject({ code: 'STATE', message: `demo is locked by another acmecli run (pid ${pid}); not touching it` });
  // and a PID-only lock written after the process started (an older acmecli's lock) blocks too
  const legacy = storeWithLock(`${pid}\n`);
  await expect(legacy.store.lock('demo')).rejects.toMatchObject({ code: 'STATE' });
});

test.each([
  ['gone', { pid: 10 }, { alive: false }, false],
  ['same start, same boot', { pid: 10, startTicks: '500', bootId: 'b' }, {}, true],
  ['other start', { pid: 10, startTicks: '499', bootId: 'b' }, {}, false],
  ['other boot', { pid: 10, startTicks: '500', bootId: 'a' }, {}, false],
  ['PID only, process older than the lock', { pid: 10 }, { startedAt: 1_000 }, true],
  ['PID only, process younger than the lock', { pid: 10 }, { startedAt: 60_000 }, false],
  ['PID only, nothing known of the process (not Linux)', { pid: 10 }, { startedAt: undefined }, true],
] as const)('lockHolderIsLive: %s', (_what, holder, system, expected) => {
  const probe = {
    isAlive: () => ('alive' in system ? system.alive : true),
    startTicks: () => '500',
    startedAtMs: () => ('startedAt' in system ? system.startedAt : 1_000),
    bootId: () => 'b',
  };
  expect(lockHolderIsLive(holder, 30_000, probe)).toBe(expected);
});
