// The usual set-up of an agent or `manager` test file: the ACME Manager stand-in in front of the worker's
// shared Pebble (every validation succeeds, so certificates come at once), started before the file's
// tests and stopped after them. Kept apart from manager-standin.ts, which the benchmark bundles
// without vitest.
import { afterAll, beforeAll } from 'vitest';
import { startManagerStandin, type ManagerStandin, type ManagerStandinOptions } from './manager-standin.js';
import { sharedPebble, type PebbleInstance } from './pebble.js';

export interface ManagerOnPebble {
  readonly pebble: PebbleInstance;
  readonly manager: ManagerStandin;
}

export function managerOnSharedPebble(options: Omit<ManagerStandinOptions, 'pebble'> = {}): ManagerOnPebble {
  let pebble: PebbleInstance | undefined;
  let manager: ManagerStandin | undefined;
  beforeAll(async () => {
    pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
    manager = await startManagerStandin({ ...options, pebble });
  }, 120_000);
  afterAll(async () => {
    await manager?.stop();
    await pebble?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is started in beforeAll: use it inside a test or a hook`);
    return value;
  };
  return {
    get pebble() {
      return started(pebble, 'Pebble');
    },
    get manager() {
      return started(manager, 'the manager stand-in');
    },
  };
}
