import type { PollClock } from '../acme/poll.js';
import type { ChallengeSolver } from '../acme/solver.js';
import { parseServer } from '../dns-providers/client.js';
import { DEFAULT_PROPAGATION_TIMEOUT_MS } from '../dns-providers/propagation-timeout.js';
import { waitUntilServed, type DnsCheckSettings, type TxtMatcher } from '../dns-providers/propagation.js';
import { createDnsSolver } from '../dns-providers/registry.js';
import { createDnsPersistSolver } from '../solvers/dns-persist.js';
import { createHookSolver } from '../solvers/hook.js';
import { createHttpStandaloneSolver } from '../solvers/http-standalone.js';
import { createHttpStatelessSolver } from '../solvers/http-stateless.js';
import { createTlsAlpnSolver } from '../solvers/tls-alpn.js';
import { createWebrootSolver } from '../solvers/webroot.js';
import type { SolverSpec } from '../state/lineage-store.js';

export interface SolverEnvironment {
  /** The environment hooks start from. */
  env: Readonly<Record<string, string | undefined>>;
  /** The whole environment, credentials included, for DNS providers to read theirs (RFC2136_TSIG_SECRET); default `env`. */
  credentialsEnv?: Readonly<Record<string, string | undefined>>;
  /** Where relative paths of DNS provider settings start; default the current folder. */
  cwd?: string;
  onWarning: (message: string) => void;
  onInfo?: (message: string) => void;
  /** The clock of the DNS propagation check; the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock | undefined;
}

export const DEFAULT_HTTP_ADDRESS = ':80';
/** A lineage that says nothing about the check: on, asking the zone's name servers, for 120 s. */
export const DEFAULT_DNS_CHECK: DnsCheckSettings = { enabled: true, resolvers: [], timeoutMs: DEFAULT_PROPAGATION_TIMEOUT_MS, timeoutGiven: false };
export const DEFAULT_TLS_ADDRESS = ':443';

/**
 * One solver per distinct spec for the whole run, so fifty lineages renewed in
 * parallel share one port-80 listener instead of fighting over it.
 */
export class SolverRegistry {
  readonly #solvers = new Map<string, ChallengeSolver>();
  readonly #environment: SolverEnvironment;

  constructor(environment: SolverEnvironment) {
    this.#environment = environment;
  }

  get(spec: SolverSpec, dnsCheck: DnsCheckSettings = DEFAULT_DNS_CHECK): ChallengeSolver {
    const key = JSON.stringify([spec, dnsCheck]);
    let solver = this.#solvers.get(key);
    if (!solver) {
      solver = this.#create(spec, dnsCheck);
      this.#solvers.set(key, solver);
    }
    return solver;
  }

  /** The solvers of a lineage, in its order, each prepared (ports bound, hooks found) before any order. */
  async prepared(specs: readonly SolverSpec[], dnsCheck: DnsCheckSettings = DEFAULT_DNS_CHECK): Promise<ChallengeSolver[]> {
    const solvers = specs.map((spec) => this.get(spec, dnsCheck));
    for (const solver of solvers) await solver.prepare?.();
    return solvers;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#solvers.values()].map((s) => s.close?.()));
  }

  #create(spec: SolverSpec, check: DnsCheckSettings): ChallengeSolver {
    const env = this.#environment;
    const onInfo = env.onInfo ?? (() => undefined);
    const resolvers = check.resolvers.map((r) => parseServer(r, '--dns-resolver'));
    // dns-01 and dns-account-01 are checked unless --no-dns-check; a dns-persist-01 record
    // was published long ago, so its pre-check runs only when asked for (--dns-resolver, --dns-timeout).
    const served = (record: { name: string; value: string | TxtMatcher }, signal: AbortSignal) =>
      waitUntilServed({ ...record, resolvers, timeoutMs: check.timeoutMs, signal, onInfo, pollClock: env.pollClock });
    const txtCheck = check.enabled ? { waitUntilServed: served } : {};
    const persistCheck = check.enabled && (resolvers.length > 0 || check.timeoutGiven) ? txtCheck : {};
    switch (spec.kind) {
      case 'http-standalone': return createHttpStandaloneSolver({ address: spec.arg ?? DEFAULT_HTTP_ADDRESS });
      case 'tls-alpn-standalone': return createTlsAlpnSolver({ address: spec.arg ?? DEFAULT_TLS_ADDRESS });
      case 'webroot': return createWebrootSolver({ root: spec.arg ?? '.' });
      case 'http-stateless': return createHttpStatelessSolver();
      case 'dns-persist': return createDnsPersistSolver(persistCheck);
      case 'dns': return createDnsSolver({ provider: spec.arg ?? '', zone: spec.zone, tsigKeyFile: spec.tsigKeyFile }, {
        env: env.credentialsEnv ?? env.env,
        childEnv: env.env,
        cwd: env.cwd ?? process.cwd(),
        onInfo,
        onWarning: env.onWarning,
        pollClock: env.pollClock,
      }, check);
      case 'hook': return createHookSolver({
        command: spec.arg ?? '',
        env: env.env,
        ...txtCheck,
        onWarning: (warning) => env.onWarning(warning.message),
        onDeclined: (task, detail) => env.onWarning(`hook declined ${task.type} for ${task.identifier.value}${detail ? `: ${detail}` : ''}`),
      });
    }
  }
}
