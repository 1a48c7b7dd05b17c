import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import { waitForTxt, type DnsCheckOptions } from './dns-propagation.js';

export interface DnsPersistSolverOptions {
  /** Check that the persistent record is visible before the CA is asked to look. */
  dnsCheck?: DnsCheckOptions | undefined;
}

// draft-ietf-acme-dns-persist-02 §4: the record is at this label under the FQDN.
const PERSIST_LABEL = '_validation-persist';

/**
 * dns-persist-01: the record was published once, ahead of time (`acmecli dns
 * records`), so begin has nothing to do. With `dnsCheck`, waitUntilReady waits
 * for a TXT at `_validation-persist.<identifier>` that has an `accounturi=`.
 *
 * waitUntilReady throws TimeoutError when no such record shows up in time.
 */
export function createDnsPersistSolver(options: DnsPersistSolverOptions = {}): ChallengeSolver {
  return {
    name: 'dns-persist',
    supports: (task) => task.type === 'dns-persist-01' && task.identifier.type === 'dns',
    async begin() {
      return 'accepted';
    },
    async waitUntilReady(task: ChallengeTask, signal: AbortSignal) {
      if (options.dnsCheck === undefined) return;
      await waitForTxt({
        name: `${PERSIST_LABEL}.${task.identifier.value}`,
        value: { description: 'a dns-persist-01 record (accounturi=…)', test: (record) => record.includes('accounturi=') },
        resolver: options.dnsCheck.resolver,
        timeoutMs: options.dnsCheck.timeoutMs,
        signal,
      });
    },
    async end() {},
  };
}
