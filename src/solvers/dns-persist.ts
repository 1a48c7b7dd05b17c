import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import { persistRecordMismatch } from '../dns/dns-persist.js';

export interface DnsPersistSolverOptions {
  /**
   * Resolves once a TXT record at `name` passing `value.test` is served where the CA
   * will look (the propagation check of src/dns-providers, given by the solver
   * registry). Undefined: no check.
   */
  waitUntilServed?: ((record: { name: string; value: PersistRecordTest }, signal: AbortSignal) => Promise<void>) | undefined;
}

/** What the persistent record must satisfy; `description` is read for the error message. */
export interface PersistRecordTest {
  readonly description: string;
  test(record: string): boolean;
}

// draft-ietf-acme-dns-persist-02 §4: the record is at this label under the FQDN.
const PERSIST_LABEL = '_validation-persist';

/**
 * dns-persist-01: the record was published once, ahead of time (`acmecli dns
 * records`), so begin has nothing to do. With `waitUntilServed`, waitUntilReady waits
 * for a TXT at `_validation-persist.<identifier>` that has an `accounturi=`.
 *
 * waitUntilReady throws DnsError when no such record shows up in time.
 */
export function createDnsPersistSolver(options: DnsPersistSolverOptions = {}): ChallengeSolver {
  return {
    name: 'dns-persist',
    canAnswer: (type, identifier) => type === 'dns-persist-01' && identifier.type === 'dns',
    async begin() {
      return 'accepted';
    },
    async waitUntilReady(task: ChallengeTask, signal: AbortSignal) {
      if (options.waitUntilServed === undefined) return;
      const persist = task.persist;
      let lastMismatch = '';
      const test = persist === undefined
        ? (record: string) => record.includes('accounturi=')
        : (record: string) => {
            const why = persistRecordMismatch(record, { ...persist, domain: task.identifier.value, wildcard: task.wildcard, nowSeconds: Date.now() / 1000 });
            if (why !== undefined) lastMismatch = why;
            return why === undefined;
          };
      await options.waitUntilServed({
        name: `${PERSIST_LABEL}.${task.identifier.value}`,
        value: {
          get description() {
            if (persist === undefined) return 'a dns-persist-01 record (accounturi=…)';
            const issuers = persist?.issuerDomainNames.length ? ` for issuer ${persist.issuerDomainNames.join(' or ')}` : '';
            return `a dns-persist-01 record${issuers} with this account's accounturi${task.wildcard ? ' and policy=wildcard' : ''}${lastMismatch ? ` (the last one seen: ${lastMismatch})` : ''}`;
          },
          test,
        },
      }, signal);
    },
    async end() {},
  };
}
