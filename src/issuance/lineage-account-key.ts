import { setTimeout as delay } from 'node:timers/promises';
import { LineageLockedError, type LineageConfig, type LineageStore } from '../state/lineage-store.js';

export interface LineageNotMoved {
  name: string;
  /** Why, in one line (e.g. the lineage stayed locked by another run). */
  reason: string;
}

export interface MoveOptions {
  /** How long to wait for a run that holds a lineage's lock: a renewal in progress, whose final write would undo the move. */
  lockWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** As long as a renewal may poll its order (src/acme/poll.ts's budget): a live run is let finish. */
const LOCK_WAIT_MS = 5 * 60_000;
const LOCK_POLL_MS = 200;

/**
 * After `account rekey` the old key has no account at that CA: the lineages that renewed with it
 * there are changed to use the new key file, so their next renewal does not fail. Each is changed
 * under its lock and read again inside it: a `cert renew` running at the same moment writes its
 * record when it ends, and would otherwise put the old key path back. A lineage whose lock stays
 * held longer than `lockWaitMs` is reported, not changed.
 */
export async function moveLineagesToAccountKey(store: LineageStore, directoryUrl: string, oldKeyPath: string, newKeyPath: string, options: MoveOptions = {}): Promise<{ moved: string[]; notMoved: LineageNotMoved[]; configs: LineageConfig[] }> {
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const now = options.now ?? Date.now;
  const usesOldKey = (config: LineageConfig) => config.directoryUrl === directoryUrl && config.accountKeyPath === oldKeyPath;
  const moved: string[] = [];
  const notMoved: LineageNotMoved[] = [];
  const configs: LineageConfig[] = [];
  for (const name of await store.list()) {
    const seen = await store.read(name).catch(() => undefined);
    if (!seen || !usesOldKey(seen.config)) continue;
    const waitUntil = now() + (options.lockWaitMs ?? LOCK_WAIT_MS);
    let unlock: (() => Promise<void>) | undefined;
    try {
      for (;;) {
        try {
          unlock = await store.lock(name);
          break;
        } catch (err) {
          if (!(err instanceof LineageLockedError) || now() >= waitUntil) throw err;
          await sleep(LOCK_POLL_MS);
        }
      }
      const record = await store.read(name);
      if (!record || !usesOldKey(record.config)) continue;
      record.config.accountKeyPath = newKeyPath;
      await store.write(record);
      moved.push(name);
      configs.push(record.config);
    } catch (err) {
      notMoved.push({ name, reason: (err as Error).message });
    } finally {
      await unlock?.();
    }
  }
  return { moved, notMoved, configs };
}
