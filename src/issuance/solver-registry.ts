import type { ChallengeSolver } from '../acme/solver.js';
import type { DnsCheckOptions } from '../solvers/dns-propagation.js';
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
}

export const DEFAULT_HTTP_ADDRESS = ':80';
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

  get(spec: SolverSpec, dnsCheck?: DnsCheckOptions): ChallengeSolver {
    const key = JSON.stringify([spec, dnsCheck ?? null]);
    let solver = this.#solvers.get(key);
    if (!solver) {
      solver = this.#create(spec, dnsCheck);
      this.#solvers.set(key, solver);
    }
    return solver;
  }

  /** The solvers of a lineage, in its order, each prepared (ports bound, hooks found) before any order. */
  async prepared(specs: readonly SolverSpec[], dnsCheck?: DnsCheckOptions): Promise<ChallengeSolver[]> {
    const solvers = specs.map((spec) => this.get(spec, dnsCheck));
    for (const solver of solvers) await solver.prepare?.();
    return solvers;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#solvers.values()].map((s) => s.close?.()));
  }

  #create(spec: SolverSpec, check: DnsCheckOptions | undefined): ChallengeSolver {
    const env = this.#environment;
    const dnsCheck = check ? { dnsCheck: check } : {};
    switch (spec.kind) {
      case 'http-standalone': return createHttpStandaloneSolver({ address: spec.arg ?? DEFAULT_HTTP_ADDRESS });
      case 'tls-alpn-standalone': return createTlsAlpnSolver({ address: spec.arg ?? DEFAULT_TLS_ADDRESS });
      case 'webroot': return createWebrootSolver({ root: spec.arg ?? '.' });
      case 'http-stateless': return createHttpStatelessSolver();
      case 'dns-persist': return createDnsPersistSolver(dnsCheck);
      case 'dns': return createDnsSolver({ provider: spec.arg ?? '', zone: spec.zone, tsigKeyFile: spec.tsigKeyFile }, {
        env: env.credentialsEnv ?? env.env,
        childEnv: env.env,
        cwd: env.cwd ?? process.cwd(),
        onInfo: env.onInfo ?? (() => undefined),
        onWarning: env.onWarning,
      }, check);
      case 'hook': return createHookSolver({
        command: spec.arg ?? '',
        env: env.env,
        ...dnsCheck,
        onWarning: (warning) => env.onWarning(warning.message),
        onDeclined: (task, detail) => env.onWarning(`hook declined ${task.type} for ${task.identifier.value}${detail ? `: ${detail}` : ''}`),
      });
    }
  }
}
