import type { AccountCreationSteps } from '../accounts/create-account.js';
import { findOrCreateAccount, type EnsuredAccount } from '../accounts/ensure-account.js';
import type { AcmeClient } from '../acme/client.js';
import type { PollClock } from '../acme/poll.js';
import type { ExternalAccountBinding } from '../acme/jws.js';
import type { Directory } from '../acme/types.js';
import type { AccountKey } from '../keys/account-key.js';
import { withoutSecrets } from '../process/run-command.js';
import { mapLimited } from '../concurrency/map-limited.js';
import { LineageStore, type LineageConfig, type LineageRecord } from '../state/lineage-store.js';
import { isCaSideFailure } from './ca-fallback.js';
import { lineageCaConfigs, runLineage, type LineageOutcome, type RunnerDeps } from './lineage-runner.js';
import { PrePostHooks } from './pre-post-hooks.js';
import { SolverRegistry } from './solver-registry.js';

/**
 * What a `cert issue` or `cert renew` run is given by whoever starts it (the CLI: its context and output).
 * Clients, keys and accounts are the caller's caches, shared by every lineage of the run.
 */
export interface RunEdges {
  stateHome: string;
  cwd: string;
  /** The whole environment: DNS providers read their credentials from it; hooks get it without our secrets. */
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  /** The clock the CA is polled on; the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock;
  /** This program's version, recorded with each lineage's health. */
  version: string;
  /** One client per CA (and extra trust) for the run. */
  clientFor(directoryUrl: string, caFile: string | undefined): Promise<AcmeClient>;
  loadAccountKey(path: string): Promise<AccountKey>;
  /** The key's account at a CA (cached URL, or onlyReturnExisting): rejects with accountDoesNotExist when it has none. */
  findAccount(directoryUrl: string, client: AcmeClient, key: AccountKey): Promise<{ url: string; thumbprint: string }>;
  /** A CA's directory, fetched once per client and kept for later runs. */
  directoryOf(client: AcmeClient): Promise<Directory>;
  /** A CA's directory as last kept, without a request. */
  cachedDirectory(directoryUrl: string): Promise<Directory | undefined>;
  accountCreationSteps: AccountCreationSteps;
  report: RunReport;
}

/** Where a run says what it is doing. */
export interface RunReport {
  info(message: string): void;
  warn(message: string): void;
  /** One line of per-identifier progress (a spinner line on a terminal). */
  progress(line: string): void;
  endProgress(): void;
  /** A program reads the output (--json): no progress lines, and a post-hook failure is reported in the document only. */
  machineReadable: boolean;
}

/** What may make a missing account during the run: given on this command line (renewals give none). */
export interface AccountCreation {
  email: string[];
  agreeTos: boolean;
  /** EAB by directory URL: given on this command line for the lineage's CA and its fallbacks. */
  eabByDirectory?: ReadonlyMap<string, ExternalAccountBinding>;
}

/** A run's outcomes, and the post-hook's failure (reported after the outcomes, so they are never lost). */
export interface RunResult {
  outcomes: LineageOutcome[];
  postHookFailure: unknown;
}

/**
 * `cert issue` after planning: the accounts first, outside the lineage run, so EAB or terms-of-service refusals
 * are usage errors like the rest. A fallback CA's account is made now only when it needs EAB: its HMAC key is never
 * stored, so a renewal could not make it later. A primary CA that is down is the fallback's job, not a reason to stop.
 */
export async function issueLineage(edges: RunEdges, config: LineageConfig, options: { force: boolean; creation: AccountCreation; signal: AbortSignal }): Promise<RunResult> {
  const run = runnerDeps(edges, options.creation, options.signal);
  try {
    const [primary, ...fallbacks] = lineageCaConfigs(config);
    try {
      await run.runner.connect(primary!);
    } catch (err) {
      if (!(fallbacks.length > 0 && isCaSideFailure(err))) throw err;
      edges.report.warn(`${config.directoryUrl}: ${(err as Error).message}; the fallback CA will be tried`);
    }
    for (const fallback of fallbacks) if (options.creation.eabByDirectory?.has(fallback.directoryUrl)) await run.runner.connect(fallback);
    const outcome = await runLineage(run.runner, { kind: 'issue', config, force: options.force });
    const postHookFailure = await run.afterRun();
    edges.report.endProgress();
    return { outcomes: [outcome], postHookFailure };
  } finally {
    await run.registry.closeAll();
  }
}

/**
 * `cert renew`: the named lineages, or every issued one (`all`), `concurrency` at a time. With `all` the
 * records are read once here and handed to the runner, which needs no second read to see that a lineage
 * is not due: 10,000 quiet lineages are a few file reads each.
 */
export async function renewLineages(
  edges: RunEdges,
  which: { all: true } | { names: readonly string[] },
  options: { concurrency: number; force: boolean; dryRun: boolean; metricsFile?: string | undefined; signal: AbortSignal },
): Promise<RunResult> {
  const store = new LineageStore(edges.stateHome);
  const targets: { name: string; known?: LineageRecord }[] = 'all' in which
    ? (await store.readIssued()).map((record) => ({ name: record.config.name, known: record }))
    : [...new Set(which.names)].map((name) => ({ name }));
  const run = runnerDeps(edges, { email: [], agreeTos: false }, options.signal);
  if (options.metricsFile) run.runner.recordEveryRun = true;
  try {
    const outcomes = await mapLimited(targets, options.concurrency, ({ name, known }) =>
      runLineage(run.runner, { kind: 'renew', name, force: options.force, dryRun: options.dryRun, ...(known ? { known } : {}) }));
    const postHookFailure = await run.afterRun();
    edges.report.endProgress();
    if (options.metricsFile) await (await import('../monitoring/renewal-metrics.js')).writeRenewalMetrics(store, options.metricsFile);
    return { outcomes, postHookFailure };
  } finally {
    await run.registry.closeAll();
  }
}

/** The runner's view of the world, built from the edges: clients, accounts (made when missing, once per CA and key), ARI, hooks, progress. */
function runnerDeps(edges: RunEdges, creation: AccountCreation, signal: AbortSignal) {
  // What the user's programs (challenge, pre/post and deploy hooks) get: our environment without its secrets.
  const programEnv = withoutSecrets(edges.env);
  const registry = new SolverRegistry({
    env: programEnv, credentialsEnv: edges.env, cwd: edges.cwd, onWarning: (m) => edges.report.warn(m), onInfo: (m) => edges.report.info(m), pollClock: edges.pollClock,
  });
  const accounts = new Map<string, Promise<EnsuredAccount>>();
  const ariByDirectory = new Map<string, Promise<boolean>>();
  const hooks = new PrePostHooks({ env: programEnv, onOutput: (text) => edges.report.info(text) });
  const ensureAccount = async (config: LineageConfig, client: AcmeClient, given: AccountCreation): Promise<EnsuredAccount> => {
    const key = await edges.loadAccountKey(config.accountKeyPath);
    const ensured = await findOrCreateAccount({
      directoryUrl: config.directoryUrl, client, key, email: given.email, storedContact: config.contact,
      agreeTos: given.agreeTos || Boolean(config.agreeTos), eab: given.eabByDirectory?.get(config.directoryUrl),
    }, () => edges.findAccount(config.directoryUrl, client, key), edges.accountCreationSteps);
    if (ensured.createdUrl) edges.report.info(`Created account ${ensured.createdUrl}`);
    return ensured;
  };
  const runner: RunnerDeps = {
    beforeIssue: (config) => hooks.beforeIssue(config),
    store: new LineageStore(edges.stateHome),
    registry,
    env: programEnv,
    now: edges.now,
    ...(edges.pollClock ? { pollClock: edges.pollClock } : {}),
    version: edges.version,
    signal,
    connect: async (config, options) => {
      const client = await edges.clientFor(config.directoryUrl, config.caFile);
      const key = `${config.directoryUrl}\u0000${config.accountKeyPath}`;
      let pending = accounts.get(key);
      if (!pending) {
        // A dry run at a staging CA needs an account there too: the lineage's key already holds one at the
        // production CA, whose terms it agreed to, so the staging account is made without asking (as certbot does).
        pending = ensureAccount(config, client, options?.dryRun ? { ...creation, agreeTos: true } : creation);
        accounts.set(key, pending);
      }
      const { account, thumbprint } = await pending;
      // The order needs the directory anyway; keeping it lets later renew runs see renewalInfo (ARI) without a request.
      const directory = await edges.directoryOf(client);
      ariByDirectory.set(config.directoryUrl, Promise.resolve(Boolean(directory.renewalInfo)));
      return { client, account, thumbprint };
    },
    // Asked once per CA per run, not once per lineage: the answer is a cached file.
    ariSupported: (config) => {
      let known = ariByDirectory.get(config.directoryUrl);
      if (!known) {
        known = edges.cachedDirectory(config.directoryUrl).then((found) => Boolean(found?.renewalInfo), () => false);
        ariByDirectory.set(config.directoryUrl, known);
      }
      return known;
    },
    // Per-identifier steps: one spinner line on a terminal, plain lines on stderr elsewhere, nothing with --json.
    onStep: (lineage, identifier, step, detail) => {
      if (edges.report.machineReadable) return;
      edges.report.progress(`${lineage === identifier ? identifier : `${lineage}: ${identifier}`}: ${step}${detail ? ` (${detail})` : ''}`);
    },
    onInfo: (m) => edges.report.info(m),
    onWarning: (m) => edges.report.warn(m),
  };
  // A post-hook failure is reported after the summary, so the lineages' own outcomes are never lost.
  const afterRun = async (): Promise<unknown> => {
    try {
      await hooks.afterRun();
      return undefined;
    } catch (err) {
      if (!edges.report.machineReadable) edges.report.warn((err as Error).message);
      return err;
    }
  };
  return { runner, registry, afterRun };
}
