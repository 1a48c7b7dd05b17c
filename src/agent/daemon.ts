import { watch, type FSWatcher } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { createServer, type Server } from 'node:http';
import { basename, dirname } from 'node:path';
import type { HttpSend } from '../net/transport.js';
import { backoffDelayMs } from '../net/retry.js';
import { ManagerClient } from '../manager/client.js';
import { ManagerError } from '../manager/manager-error.js';
import { parseBearerToken } from '../manager/token.js';
import { VaultClient } from '../manager/vault.js';
import { listenOn, parseListenAddress } from '../net/listen-address.js';
import { realPath } from './config/load.js';
import { ownerProblem } from './manager-entry.js';
import { checkCertificateDir } from './config/paths.js';
import type { ClientConfig } from './config/schema.js';
import type { Logger } from './logger.js';
import { AgentMetrics } from './metrics.js';
import { agentStatePath, pendingKeyFolder, readAgentState, writeAgentState, type AgentState } from './state.js';
import type { CycleResult } from './cycle-context.js';
import { runSyncCycle } from './sync.js';
import { Stopping } from './stopping.js';

export interface AgentOptions {
  configPath: string;
  /** Reads the configuration at `configPath` each cycle (clientConfigReader: parsed again only when its text changed). */
  readConfig: () => Promise<ClientConfig>;
  pullOnly: boolean;
  intervalMs: number;
  once: boolean;
  cleanup: boolean;
  cleanupIntervalMs: number;
  metricsListen?: string | undefined;
  managerUrl: string;
  token: string;
  insecureSkipVerify: boolean;
  allowMassDelete: boolean;
  stateHome: string;
  env: Readonly<Record<string, string | undefined>>;
  version: string;
  log: Logger;
  /** Makes the HTTP transport for a given per-request timeout (the caller holds CA, mTLS and proxy settings). */
  makeSend: (timeoutMs: number) => { send: HttpSend; close: () => Promise<void> };
  now?: () => Date;
}

/** Exit statuses of `agent --once`, documented in docs/reference/exit-status.md. */
export const AGENT_EXIT = { ok: 0, errors: 1, unreachable: 3 } as const;

const DEBOUNCE_MS = 500;

/**
 * The long-running agent: a sync at start, then every interval, on demand
 * (SIGHUP/SIGUSR1 via syncNow) and when the config file changes; the manager
 * being down changes nothing on disk and is retried with backoff.
 */
export class Agent {
  readonly metrics: AgentMetrics;
  readonly #options: AgentOptions;
  readonly #statePath: string;
  #state: AgentState | undefined;
  #manager: ManagerClient | undefined;
  #vault: VaultClient | undefined;
  #closers: (() => Promise<void>)[] = [];
  #running: Promise<CycleResult | undefined> | undefined;
  #wake: (() => void) | undefined;
  readonly #stopping = new Stopping();
  #watcher: FSWatcher | undefined;
  #metricsServer: Server | undefined;
  #failures = 0;
  readonly #readConfig: () => Promise<ClientConfig>;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.metrics = new AgentMetrics(options.version);
    this.metrics.role.set(options.pullOnly ? 2 : 1);
    this.#statePath = agentStatePath(options.stateHome, options.configPath);
    this.#readConfig = options.readConfig;
  }

  /** One cycle now (with `--cleanup`'s removals when `cleanup`), unless one is running (then that one's result). */
  syncNow(cleanup = false): Promise<CycleResult | undefined> {
    this.#running ??= this.#cycle(cleanup).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Wakes the loop for an immediate sync (signals, config change). */
  trigger(): void {
    this.#wake?.();
  }

  /** Finishes the cycle in progress (a file being written, an order in flight), then returns; waits and reads end at once. */
  async stop(): Promise<void> {
    this.#stopping.stop();
    if (this.#running) this.#options.log.info('stopping: waits and reads end now, an order in flight finishes first');
    this.#wake?.();
    await this.#running?.catch(() => undefined);
  }

  /** `--once`: one cycle and an exit status for cron: 3 manager unreachable, 1 errors, 0 fine. */
  async runOnce(): Promise<number> {
    try {
      const result = await this.syncNow(this.#options.cleanup);
      if (!result) return AGENT_EXIT.errors;
      if (!result.reachedManager) return AGENT_EXIT.unreachable;
      return result.errors.length ? AGENT_EXIT.errors : AGENT_EXIT.ok;
    } finally {
      await this.close();
    }
  }

  /** The daemon loop; resolves when stop() was called. */
  async runForever(): Promise<void> {
    const { log } = this.#options;
    if (this.#options.metricsListen) await this.#startMetrics(this.#options.metricsListen);
    if (!this.#options.pullOnly) this.#watchConfig();
    const collectGarbage = garbageCollector();
    let lastCleanup = 0;
    while (!this.#stopping.stopped) {
      // --cleanup is a phase of the cycle, with its configuration and the manager's list (delete.ts), every cleanup interval.
      const cleanup = this.#options.cleanup && Date.now() - lastCleanup >= this.#options.cleanupIntervalMs;
      const result = await this.syncNow(cleanup);
      if (cleanup && result?.reachedManager) lastCleanup = Date.now();
      // The daemon then sleeps: a memory-reducing full collection now returns the cycle's garbage, and the
      // pages V8 would keep for later, to the system instead of letting the heap grow to the limit V8
      // would allow a short-lived process.
      collectGarbage?.();
      if (this.#stopping.stopped) break;
      // Unreachable manager: retry sooner, backing off, but never later than the interval.
      this.#failures = result?.reachedManager ? 0 : this.#failures + 1;
      const waitMs = nextCycleInMs(this.#failures, this.#options.intervalMs, Math.random);
      if (this.#failures > 0) log.warn(`manager unreachable; next attempt in ${Math.round(waitMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    if (this.#metricsServer) await new Promise<void>((resolve) => this.#metricsServer!.close(() => resolve()));
    await Promise.allSettled(this.#closers.map((c) => c()));
    this.#closers = [];
  }

  async #cycle(cleanup: boolean): Promise<CycleResult | undefined> {
    const { log } = this.#options;
    const now = this.#options.now ?? (() => new Date());
    const startedAt = Date.now();
    let config: ClientConfig;
    try {
      config = await this.#readConfig();
      checkCertificateDir(config, this.#options.configPath, realPath);
      this.metrics.configError.set(0);
    } catch (err) {
      this.metrics.configError.set(1);
      log.error(`configuration error, nothing done this cycle: ${(err as Error).message}`);
      return { reachedManager: true, errors: [(err as Error).message], changedFiles: [], created: 0, updated: 0, deleted: 0 };
    }
    for (const warning of config.warnings) log.warn(warning);
    if (this.#options.insecureSkipVerify) log.warn('TLS certificate checks of the manager are off (--insecure-skip-verify)');
    this.#state ??= await readAgentState(this.#statePath, this.#options.configPath);
    const state = this.#state;
    const manager = this.#managerFor(config);
    // The owner is learnt once per token (GET /token/self) and kept on disk: a cycle in sync is then one request.
    // The id half of the token (never the secret), to notice a token change; the token was checked at start.
    const tokenId = parseBearerToken(this.#options.token).id;
    if (!state.owner || state.ownerTokenId !== tokenId) {
      try {
        state.owner = (await manager.whoami()).username;
        state.ownerTokenId = tokenId;
      } catch (err) {
        const refused = isRefusal(err);
        if (!state.owner || refused) {
          log.error(`${refused ? 'the manager refused this token' : "cannot reach the manager to learn this token's owner"}: ${(err as Error).message}`);
          state.lastSyncAt = now().toISOString();
          state.lastError = { at: now().toISOString(), message: (err as Error).message };
          await writeAgentState(this.#statePath, state).catch(() => undefined);
          return { reachedManager: refused, errors: [(err as Error).message], changedFiles: [], created: 0, updated: 0, deleted: 0 };
        }
        // Offline-first: the owner seen before is still the owner.
      }
    }
    // Checked whether it came from the manager now or from the state file: an owner is a path segment in Vault.
    const badOwner = ownerProblem(state.owner);
    if (badOwner !== undefined) {
      const message = `the manager gave this token an owner that cannot be used: ${badOwner}; nothing done this cycle`;
      log.error(message);
      delete state.owner;
      delete state.ownerTokenId;
      state.lastSyncAt = now().toISOString();
      state.lastError = { at: now().toISOString(), message };
      await writeAgentState(this.#statePath, state).catch(() => undefined);
      return { reachedManager: true, errors: [message], changedFiles: [], created: 0, updated: 0, deleted: 0 };
    }
    let vault: VaultClient | undefined;
    try {
      vault = this.#vaultFor(config);
    } catch (err) {
      this.metrics.configError.set(1);
      log.error(`storage.vault: ${(err as Error).message}; nothing done this cycle`);
      return { reachedManager: true, errors: [(err as Error).message], changedFiles: [], created: 0, updated: 0, deleted: 0 };
    }
    let pendingKeyDir: string;
    try {
      pendingKeyDir = await pendingKeyFolder(this.#options.stateHome, manager.baseUrl);
    } catch (err) {
      log.error(`${(err as Error).message}; nothing done this cycle`);
      return { reachedManager: true, errors: [(err as Error).message], changedFiles: [], created: 0, updated: 0, deleted: 0 };
    }
    const result = await runSyncCycle({
      config,
      manager,
      vault,
      owner: state.owner!,
      metrics: this.metrics,
      log,
      env: this.#options.env,
      state,
      pullOnly: this.#options.pullOnly,
      allowMassDelete: this.#options.allowMassDelete,
      cleanup,
      pendingKeyDir,
      now,
      stopping: () => this.#stopping.stopped,
    });
    await writeAgentState(this.#statePath, state).catch((err: unknown) => log.error(`cannot save the agent state: ${(err as Error).message}`));
    const summary = `sync done in ${Date.now() - startedAt} ms: ${result.created} created, ${result.updated} updated, ${result.deleted} deleted, ${result.changedFiles.length} files changed, ${result.errors.length} errors`;
    if (result.errors.length) log.warn(summary, { owner: state.owner });
    else log.info(summary, { owner: state.owner });
    return result;
  }

  #managerFor(config: ClientConfig): ManagerClient {
    if (this.#manager) return this.#manager;
    const common = config.common;
    const transport = this.#options.makeSend(Math.max(common.certificateTimeoutMs, 60_000));
    this.#closers.push(transport.close);
    this.#manager = new ManagerClient({
      baseUrl: this.#options.managerUrl,
      token: this.#options.token,
      send: this.#stopping.send(transport.send),
      sleep: (ms, signal) => this.#stopping.sleep(ms, signal),
      retry: { max: common.httpClientRetryMax, waitMinMs: common.httpClientRetryWaitMinMs, waitMaxMs: common.httpClientRetryWaitMaxMs, extraStatuses: common.httpClientRetryStatusCodes },
      timeouts: { certificateMs: common.certificateTimeoutMs },
      onRetry: (e) => this.#options.log.info(`retrying ${e.operation} after ${e.reason} in ${Math.round(e.delayMs / 100) / 10} s (attempt ${e.attempt + 1})`),
    });
    return this.#manager;
  }

  #vaultFor(config: ClientConfig): VaultClient | undefined {
    const v = config.vault;
    if (!v.url || !(config.common.certificateBackup || this.#options.pullOnly)) return undefined;
    if (this.#vault) return this.#vault;
    const transport = this.#options.makeSend(30_000);
    this.#closers.push(transport.close);
    this.#vault = new VaultClient({ url: v.url, roleId: v.roleId, secretId: v.secretId, mountPath: v.mountPath, secretEngine: v.secretEngine, send: this.#stopping.send(transport.send, { writesAfterStop: true }), sleep: (ms, signal) => this.#stopping.sleep(ms, signal), retry: { max: v.retryMax, waitMinMs: v.retryWaitMinMs, waitMaxMs: v.retryWaitMaxMs } });
    return this.#vault;
  }

  #watchConfig(): void {
    const file = basename(this.#options.configPath);
    let timer: NodeJS.Timeout | undefined;
    try {
      this.#watcher = watch(dirname(this.#options.configPath), (_event, name) => {
        if (name !== file) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.#options.log.info('configuration file changed; syncing');
          this.trigger();
        }, DEBOUNCE_MS);
      });
    } catch (err) {
      this.#options.log.warn(`cannot watch the configuration file: ${(err as Error).message}`);
    }
  }

  async #startMetrics(address: string): Promise<void> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.metrics.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    const listen = parseListenAddress(address);
    await listenOn(server, listen, '/metrics');
    this.#metricsServer = server;
    this.#options.log.info(`metrics on http://${listen.host?.includes(':') ? `[${listen.host}]` : listen.host ?? 'localhost'}:${this.metricsPort}/metrics`);
  }

  get metricsPort(): number | undefined {
    const address = this.#metricsServer?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }
}

/** 401/403: the manager answered, and said no. Not an outage to wait out: cron should hear exit 1, not 3. */
function isRefusal(err: unknown): boolean {
  return err instanceof ManagerError && (err.kind === 'unauthorized' || err.kind === 'forbidden');
}

/**
 * gc(), read from a fresh context, when the process entry turned on --expose-gc (src/entry/run.ts:
 * a flag is process-wide, so it is set there and not on import). Undefined otherwise, as in tests that
 * run the daemon in-process: then V8 collects on its own schedule.
 *
 * The `last-resort` flavour (V8's CollectAllAvailableGarbage, what it runs under memory pressure):
 * it compacts the old generation and gives back the pages a plain full collection keeps pooled. At
 * 5,000 certificates the daemon's VmRSS was ~143 MB with a plain gc() and ~106-114 MB with this one
 * after ~50 cycles; the collection takes about twice as long (the cycle's own work is much longer).
 */
function garbageCollector(): (() => void) | undefined {
  try {
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? () => (gc as (options: object) => void)({ type: 'major', execution: 'sync', flavor: 'last-resort' }) : undefined;
  } catch {
    return undefined;
  }
}

/** After a cycle that could not reach the manager, the first retry comes 5 s later, backing off from there. */
const UNREACHABLE_FIRST_RETRY_MS = 5_000;

/**
 * When the next cycle starts: after the interval, or, while the manager is out of reach
 * (`failures` cycles in a row), sooner, backing off with jitter (so a fleet that lost its
 * manager together does not return in step), but never later than the interval.
 */
export function nextCycleInMs(failures: number, intervalMs: number, random: () => number): number {
  if (failures === 0) return intervalMs;
  return Math.min(intervalMs, backoffDelayMs(failures, { waitMinMs: UNREACHABLE_FIRST_RETRY_MS, waitMaxMs: intervalMs }, random));
}
