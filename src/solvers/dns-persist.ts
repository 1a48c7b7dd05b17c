import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import { persistRecordMismatch } from '../dns/dns-persist.js';
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
      const persist = task.persist;
      let lastMismatch = '';
      const test = persist === undefined
        ? (record: string) => record.includes('accounturi=')
        : (record: string) => {
            const why = persistRecordMismatch(record, { ...persist, domain: task.identifier.value, wildcard: task.wildcard, nowSeconds: Date.now() / 1000 });
            if (why !== undefined) lastMismatch = why;
            return why === undefined;
          };
      await waitForTxt({
        name: `${PERSIST_LABEL}.${task.identifier.value}`,
        value: {
          get description() {
            if (persist === undefined) return 'a dns-persist-01 record (accounturi=…)';
            const issuers = persist?.issuerDomainNames.length ? ` for issuer ${persist.issuerDomainNames.join(' or ')}` : '';
            return `a dns-persist-01 record${issuers} with this account's accounturi${task.wildcard ? ' and policy=wildcard' : ''}${lastMismatch ? ` (the last one seen: ${lastMismatch})` : ''}`;
          },
          test,
        },
        resolver: options.dnsCheck.resolver,
        timeoutMs: options.dnsCheck.timeoutMs,
        signal,
      });
    },
    async end() {},
  };
}
