import type { AccountRef } from '../acme/account.js';
import { SYSTEM_CLOCK, type PollClock } from '../acme/poll.js';
import { fetchRenewalInfo } from '../acme/ari.js';
import type { AcmeClient } from '../acme/client.js';
import { ariWindowProblem, parseRenewalInfo } from '../certs/renewal-time.js';
import { STAGING_DIRECTORIES } from '../acme/known-directories.js';
import { AcmeProblemError } from '../acme/problem.js';
import type { ProblemDocument } from '../acme/types.js';
import { AcmecliError, ServeCheckError, StateError } from '../errors.js';
import { assertOutputFolderWritable } from '../state/writable-folder.js';
import { LineageLockedError, type LineageConfig, type LineageHealthRecord, type LineageRecord, type LineageStore } from '../state/lineage-store.js';
import { errorFacts, healthAfterFailure, healthAfterSuccess } from '../monitoring/lineage-health.js';
import { runFailureHook } from '../monitoring/failure-hook.js';
import { runDeployHook } from './deploy-hook.js';
import type { IssuanceStep } from './obtain.js';
import { currentVersion, decideRenewal, decideRun, recordAriAnswer, type RunFacts } from './renewal-decision.js';
import { currentOutputsStamp, issueNextVersion, outputsAreCurrent, repairOutputs, type CaAttempt } from './next-version.js';
import { outputPaths } from './output-files.js';
import { changedSettings, dnsCheckSettings, needsNewCertificate } from './lineage-settings.js';
import type { SolverRegistry } from './solver-registry.js';

/** What the runner needs from the outside world; the CLI supplies it. */
export interface RunnerDeps {
  store: LineageStore;
  registry: SolverRegistry;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  /** The client and account for a lineage's CA and key (cached URL, look-up, or creation). */
  connect: (config: LineageConfig, options?: { dryRun?: boolean }) => Promise<{ client: AcmeClient; account: AccountRef; thumbprint: string }>;
  /** Whether the CA (as last seen, from the local cache) offers renewalInfo: no network. */
  ariSupported: (config: LineageConfig) => Promise<boolean>;
  onStep?: (lineage: string, identifier: string, step: IssuanceStep, detail?: string) => void;
  onInfo?: (message: string) => void;
  onWarning?: (message: string) => void;
  /** Just before a due lineage is issued (after the decision, before any port is bound): its pre-hook. */
  beforeIssue?: (config: LineageConfig) => Promise<void>;
  /** Aborted by a stop signal: the order is given up, solvers cleaned up, nothing committed. */
  signal?: AbortSignal;
  /** The clock the CA is polled on; the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock;
  version: string;
  /** Write every lineage's health after each run, not only when it changed (`cert renew --metrics-file`). */
  recordEveryRun?: boolean;
}

export type LineageStatus = 'issued' | 'not-due' | 'dry-run' | 'failed' | 'locked';

export interface LineageOutcome {
  name: string;
  status: LineageStatus;
  message: string;
  renewAt?: string;
  basis?: 'ari' | 'window' | 'no-certificate' | 'forced' | 'new' | 'changed' | 'revoked';
  serial?: string;
  notAfter?: string;
  files?: { certificate: string; key?: string; ca?: string; fullchain: string; haproxy?: string };
  challenges?: { identifier: string; type: string; solver: string }[];
  repaired?: boolean;
  /** `cert issue` on an existing lineage: the settings that changed and were saved. */
  savedSettings?: string[];
  /** With --json: what failed; `problem` is the CA's RFC 8555 §6.7 problem document (type, detail, status, subproblems) when it sent one. */
  error?: { code: string; message: string; problem?: ProblemDocument; httpStatus?: number };
  /** With status `issued`: the directory of the CA that issued. */
  issuedBy?: string;
  /** With status `issued`: the lineage's own CA failed and a fallback CA issued. */
  fallback?: { from: string; to: string; error: { type: string; detail: string } };
  /** With status `failed`: failed runs in a row, this one included. */
  consecutiveFailures?: number;
}

export type RunMode =
  | { kind: 'issue'; config: LineageConfig; force: boolean }
  | { kind: 'renew'; name: string; force: boolean; dryRun: boolean; /** The record as just read (cert renew --all), to decide "not due" without reading it again. */ known?: LineageRecord };

/**
 * One lineage, under its lock: repair the output files, decide whether it is
 * due (ARI first), issue, deploy. Never throws: the outcome says what happened,
 * so one lineage failing does not stop the others.
 */
export async function runLineage(deps: RunnerDeps, mode: RunMode): Promise<LineageOutcome> {
  const name = mode.kind === 'issue' ? mode.config.name : mode.name;
  if (mode.kind === 'renew' && !mode.force && !mode.dryRun) {
    const quiet = await notDueWithoutLock(deps, name, mode.known);
    if (quiet) return quiet;
  }
  let unlock: (() => Promise<void>) | undefined;
  try {
    unlock = await deps.store.lock(name);
  } catch (err) {
    // Only another live run makes a lineage "locked"; a folder we cannot write is a failure, said as such.
    return { name, status: err instanceof LineageLockedError ? 'locked' : 'failed', message: (err as Error).message, error: describe(err) };
  }
  const seen: { record?: LineageRecord } = {};
  try {
    const outcome = await runLocked(deps, mode, name, seen);
    if (!isDryRun(mode)) await recordGoodRun(deps, seen.record, outcome);
    return outcome;
  } catch (err) {
    const outcome: LineageOutcome = { name, status: 'failed', message: `${name}: ${(err as Error).message}`, error: describe(err) };
    // A dry run keeps nothing, not even its failure: the lineage's state and health are those of real runs.
    if (isDryRun(mode)) return outcome;
    const record = await deps.store.read(name).catch(() => undefined);
    const health = healthAfterFailure(record?.health, record, deps.now(), err);
    outcome.consecutiveFailures = health.consecutiveFailures;
    if (!record || !currentVersion(record)) {
      // Like certbot, a lineage exists once it has a certificate: a first issuance that
      // fails leaves no lineage, key or version folder for `cert renew --all` to retry forever.
      await deps.store.remove(name).catch(() => undefined);
    } else {
      record.lastResult = { at: deps.now().toISOString(), ok: false, message: outcome.message };
      record.health = health;
      await deps.store.write(record).catch(() => undefined);
    }
    const config = mode.kind === 'issue' ? mode.config : record?.config;
    if (config) await notifyFailureHook(deps, config, record, health, 'failed');
    return outcome;
  } finally {
    await unlock?.();
  }
}

/**
 * The common cron case, decided without the lock and without writing anything:
 * the lineage is not due (no ARI question pending), has no deploy hook to
 * repeat, no failure to clear, and its output files hold the current version.
 * Anything else (undefined) goes the locked way, which reads it all again. Safe
 * without the lock because every file is replaced by rename: a reader sees the
 * old version or the new one, and a run that is issuing right now holds the
 * lock and will have its say.
 */
async function notDueWithoutLock(deps: RunnerDeps, name: string, known: LineageRecord | undefined): Promise<LineageOutcome | undefined> {
  if (deps.recordEveryRun) return undefined;
  const record = known ?? (await deps.store.read(name).catch(() => undefined));
  if (!record || !currentVersion(record) || record.deployPending !== undefined || record.health?.lastAttemptOk === false) return undefined;
  const decision = decideRenewal(record, deps.now(), await deps.ariSupported(issuingCaConfig(record)));
  if (decision.isDue || decision.shouldCheckAri) return undefined;
  // Unchanged since a locked run saw them right: a stat of each file, no read.
  const stamp = currentOutputsStamp(record);
  if (stamp === undefined || record.outputs?.version !== record.current || record.outputs?.stamp !== stamp) return undefined;
  return { name, status: 'not-due', message: `${name}: not due until ${decision.renewAt.toISOString()} (${decision.basis === 'ari' ? 'the CA\'s renewal window' : 'renewal window'})`, renewAt: decision.renewAt.toISOString(), basis: decision.basis, repaired: false };
}

/**
 * A run that went well clears the failure count. The record is written only when
 * that changes something (a version was issued, failures are cleared, a fallback
 * CA was used) or when every run is to be recorded (`--metrics-file`), so a cron
 * run over thousands of lineages that are not due writes nothing.
 */
async function recordGoodRun(deps: RunnerDeps, record: LineageRecord | undefined, outcome: LineageOutcome): Promise<void> {
  if (!record || (outcome.status !== 'issued' && outcome.status !== 'not-due')) return;
  const outputsChanged = await rememberOutputs(deps, record);
  const mustWrite = outcome.status === 'issued' || outputsChanged || record.health?.lastAttemptOk === false || deps.recordEveryRun;
  if (!mustWrite) return;
  record.health = healthAfterSuccess(deps.now(), outcome.fallback);
  await deps.store.write(record).catch((err: unknown) => deps.onWarning?.(`${record.config.name}: could not record the run: ${(err as Error).message}`));
  // Issued, but not by the lineage's own CA: worth a message even though nothing is broken yet.
  if (outcome.fallback) await notifyFailureHook(deps, record.config, record, record.health, 'fallback', outcome.fallback.to);
}

/**
 * Under the lock, after a good run: when the output files hold the current version, keep
 * their stamp so the next `cert renew` can see they are unchanged without reading them.
 * Returns whether the stamp changed (the record must then be written).
 */
async function rememberOutputs(deps: RunnerDeps, record: LineageRecord): Promise<boolean> {
  if (record.current === undefined) return false;
  const stamp = currentOutputsStamp(record);
  if (stamp === undefined || (record.outputs?.version === record.current && record.outputs.stamp === stamp)) return false;
  if (!(await outputsAreCurrent(deps.store, record).catch(() => false))) return false;
  record.outputs = { version: record.current, stamp };
  return true;
}

/** Runs the lineage's failure hook, if it has one; its own failure is a warning, never the lineage's outcome. */
async function notifyFailureHook(deps: RunnerDeps, config: LineageConfig, record: LineageRecord | undefined, health: LineageHealthRecord, result: 'failed' | 'fallback', fallbackDirectoryUrl?: string): Promise<void> {
  if (!config.failureHook) return;
  const current = record ? currentVersion(record) : undefined;
  const warning = await runFailureHook({
    command: config.failureHook,
    lineage: config.name,
    domains: config.identifiers.map((i) => i.value),
    result,
    health,
    ...(current ? { daysLeft: (Date.parse(current.notAfter) - deps.now().getTime()) / 86_400_000 } : {}),
    primaryDirectoryUrl: config.directoryUrl,
    ...(fallbackDirectoryUrl ? { fallbackDirectoryUrl } : {}),
    env: deps.env,
  });
  if (warning) deps.onWarning?.(warning);
}

async function runLocked(deps: RunnerDeps, mode: RunMode, name: string, seen: { record?: LineageRecord }): Promise<LineageOutcome> {
  const now = deps.now();
  let record = await deps.store.read(name);
  if (record) seen.record = record;
  let repaired = record ? await repairOutputs(deps.store, record) : false;
  if (repaired) deps.onInfo?.(`${name}: output files did not match version ${record?.current}; restored them`);

  let saved: string[] = [];
  let needsNew = false;
  if (mode.kind === 'issue') {
    const stored = record && currentVersion(record) ? record.config : undefined;
    needsNew = stored !== undefined && needsNewCertificate(stored, mode.config);
    saved = changedSettings(stored, mode.config);
    if (record) {
      record.config = mode.config;
      // A new --out or --bundle takes effect now, from the current version, not at the next renewal.
      if (await repairOutputs(deps.store, record)) repaired = true;
    } else {
      record = { config: mode.config, createdAt: now.toISOString(), acmecliVersion: deps.version, versions: [] };
    }
    seen.record = record;
  } else if (!record || !currentVersion(record)) {
    throw new StateError(`no lineage named ${name} (see acmecli cert list)`);
  }
  const facts: RunFacts = {
    kind: mode.kind, record, now, force: mode.force, dryRun: isDryRun(mode), needsNewCertificate: needsNew,
    ariSupported: mode.kind === 'renew' && !mode.force && !isDryRun(mode) && (await deps.ariSupported(issuingCaConfig(record))), ariAsked: false,
  };
  let decided = decideRun(facts);
  if (decided.action === 'ask-ari') {
    await checkAri(deps, record, now);
    decided = decideRun({ ...facts, ariAsked: true });
  }
  if (decided.action === 'dry-run') return await dryRunOrder(deps, record);
  if (decided.action === 'not-due') {
    const decision = decided.decision;
    if (mode.kind === 'issue') await deps.store.write(record);
    if (repaired || record.deployPending === record.current) await deployCurrent(deps, record);
    const renewAt = decision.renewAt.toISOString();
    if (mode.kind === 'issue') {
      const what = saved.length ? `saved ${saved.join(', ')}; ` : '';
      return { name, status: 'not-due', message: `${name} is not due until ${renewAt}; ${what}nothing issued (--force to issue now)`, renewAt, basis: decision.basis, repaired, ...(saved.length ? { savedSettings: saved } : {}) };
    }
    return { name, status: 'not-due', message: `${name}: not due until ${renewAt} (${decision.basis === 'ari' ? 'the CA\'s renewal window' : 'renewal window'})`, renewAt, basis: decision.basis, repaired };
  }
  if (decided.action !== 'issue') throw new Error(`unexpected run decision ${decided.action}`);
  const basis: LineageOutcome['basis'] = decided.basis;

  await deps.beforeIssue?.(record.config);
  // The output folder may have become read-only since the last run: say so before the CA issues what we could not deploy.
  await assertOutputFolderWritable(record.config.outDir);
  const solvers = await deps.registry.prepared(record.config.solvers, dnsCheckSettings(record.config));
  const context = {
    store: deps.store, cas: await caAttempts(deps, record), solvers, now: deps.now, ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.pollClock ? { pollClock: deps.pollClock } : {}),
    events: {
      onStep: (identifier: string, step: IssuanceStep, detail?: string) => deps.onStep?.(name, identifier, step, detail),
      onWarning: (message: string) => deps.onWarning?.(`${name}: ${message}`),
      onFallback: (from: string, to: string, err: unknown) => deps.onWarning?.(`${name}: ${from} failed (${(err as Error).message}); trying the fallback CA ${to}`),
    },
  };
  const outcome = await issueNextVersion(context, record);
  const fallback = outcome.primaryFailure ? { from: outcome.primaryFailure.directoryUrl, to: outcome.issuedBy, error: errorFacts(outcome.primaryFailure.error) } : undefined;

  if (record.config.deployHook) await deployCurrent(deps, record);
  return {
    name,
    status: 'issued',
    message: `${name}: issued version ${outcome.version.number} (serial ${outcome.version.serial}, valid until ${outcome.version.notAfter})`,
    ...(basis ? { basis } : {}),
    serial: outcome.version.serial,
    notAfter: outcome.version.notAfter,
    files: {
      certificate: outcome.paths.certificate, ...(outcome.paths.key ? { key: outcome.paths.key } : {}), ...(outcome.paths.ca ? { ca: outcome.paths.ca } : {}),
      fullchain: outcome.paths.fullchain, ...(outcome.paths.combined ? { haproxy: outcome.paths.combined } : {}),
    },
    challenges: outcome.challenges,
    repaired,
    issuedBy: outcome.issuedBy,
    ...(fallback ? { fallback } : {}),
  };
}

/** The lineage's CAs in order: its own, then each fallback, sharing everything but the directory. */
export function lineageCaConfigs(config: LineageConfig): LineageConfig[] {
  return [config, ...(config.fallbacks ?? []).map((f) => ({ ...config, directoryUrl: f.directoryUrl }))];
}

/** The config of the CA that issued the current certificate: ARI questions and `replaces` go there and nowhere else. */
function issuingCaConfig(record: LineageRecord): LineageConfig {
  const issuer = currentVersion(record)?.directoryUrl;
  return lineageCaConfigs(record.config).find((c) => c.directoryUrl === issuer) ?? (issuer ? { ...record.config, directoryUrl: issuer } : record.config);
}

async function caAttempts(deps: RunnerDeps, record: LineageRecord): Promise<CaAttempt[]> {
  const current = currentVersion(record);
  const issuer = issuingCaConfig(record);
  const replaces = current?.ariCertId && (await deps.ariSupported(issuer)) ? current.ariCertId : undefined;
  return lineageCaConfigs(record.config).map((config) => ({
    directoryUrl: config.directoryUrl,
    connect: () => deps.connect(config),
    ...(replaces && config.directoryUrl === issuer.directoryUrl ? { replaces } : {}),
  }));
}

/**
 * `cert renew --dry-run`: the whole order for real, with the lineage's solvers
 * (so a broken webroot or a busy port fails it), against the CA's staging
 * directory when one is known, else the same CA; into a scratch store that is
 * removed after. Nothing is kept: no version, no output file, no deploy hook,
 * no change to the lineage. Pre- and post-hooks run, as they would for real.
 */
async function dryRunOrder(deps: RunnerDeps, record: LineageRecord): Promise<LineageOutcome> {
  const name = record.config.name;
  const scratch = await deps.store.scratch();
  try {
    const config: LineageConfig = { ...record.config, directoryUrl: STAGING_DIRECTORIES[record.config.directoryUrl] ?? record.config.directoryUrl, outDir: scratch.outDir };
    delete config.deployHook;
    delete config.fallbacks;
    const copy: LineageRecord = { config, createdAt: record.createdAt, acmecliVersion: deps.version, versions: [] };
    await deps.beforeIssue?.(record.config);
    const solvers = await deps.registry.prepared(config.solvers, dnsCheckSettings(config));
    const outcome = await issueNextVersion({
      store: scratch.store, solvers, now: deps.now, ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.pollClock ? { pollClock: deps.pollClock } : {}),
      cas: [{ directoryUrl: config.directoryUrl, connect: () => deps.connect(config, { dryRun: true }) }],
      events: {
        onStep: (identifier: string, step: IssuanceStep, detail?: string) => deps.onStep?.(name, identifier, step, detail),
        onWarning: (message: string) => deps.onWarning?.(`${name}: ${message}`),
      },
    }, copy);
    return {
      name,
      status: 'dry-run',
      message: `${name}: dry run succeeded at ${config.directoryUrl} (a test certificate, serial ${outcome.version.serial}); nothing was kept`,
      challenges: outcome.challenges,
      issuedBy: config.directoryUrl,
    };
  } finally {
    await scratch.remove().catch(() => undefined);
  }
}

/** Asks the CA's renewalInfo; a failure is reported and the local window decides instead. */
async function checkAri(deps: RunnerDeps, record: LineageRecord, now: Date): Promise<void> {
  const current = currentVersion(record);
  if (!current?.ariCertId) return;
  try {
    const { client } = await deps.connect(issuingCaConfig(record));
    const answer = await fetchRenewalInfo(client, current.ariCertId);
    if (!answer) return;
    const parsed = parseRenewalInfo(answer.renewalInfo);
    const problem = ariWindowProblem(parsed.suggestedWindow, { notBefore: new Date(current.notBefore), notAfter: new Date(current.notAfter) });
    if (problem) {
      // Obeying it could let the certificate expire: the local window decides, and the CA is asked again next run.
      const { start, end } = parsed.suggestedWindow;
      deps.onWarning?.(`${record.config.name}: ignoring the CA's ARI window ${start.toISOString()} to ${end.toISOString()}: it ${problem}; using the local renewal window`);
      if (record.ari?.certId === current.ariCertId) {
        delete record.ari;
        await deps.store.write(record);
      }
      return;
    }
    recordAriAnswer(record, current.ariCertId, { ...parsed.suggestedWindow, explanationURL: parsed.explanationURL }, answer.retryAfterMs, now);
    await deps.store.write(record);
  } catch (err) {
    deps.onInfo?.(`${record.config.name}: ARI check failed (${(err as Error).message}); using the renewal window`);
  }
}

function isDryRun(mode: RunMode): boolean {
  return mode.kind === 'renew' && mode.dryRun;
}

function describe(err: unknown): NonNullable<LineageOutcome['error']> {
  return {
    code: err instanceof AcmecliError ? err.code : 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
    ...(err instanceof AcmeProblemError ? { problem: err.problem } : {}),
    ...(err instanceof AcmecliError && err.httpStatus !== undefined ? { httpStatus: err.httpStatus } : {}),
  };
}

/**
 * Runs the deploy hook for the current version, and remembers once it succeeded:
 * files repaired after a kill -9, or a hook that failed or never ran, get it on
 * the next run instead of waiting for the next renewal.
 */
async function deployCurrent(deps: RunnerDeps, record: LineageRecord): Promise<void> {
  const config = record.config;
  if (!config.deployHook) return;
  const current = currentVersion(record);
  await runDeployHook({
    command: config.deployHook,
    paths: outputPaths(config.outDir, config.name, config.bundle, current?.hasKey ?? !config.csrFile),
    domains: config.identifiers.map((i) => i.value),
    lineage: config.name,
    env: deps.env,
    onOutput: (text) => deps.onInfo?.(text),
  });
  if (record.deployPending !== undefined) {
    delete record.deployPending;
    await deps.store.write(record);
  }
  await confirmServed(deps, record);
}

/**
 * After the deploy hook, the servers named with --serve-check must show the new
 * certificate: a hook that "worked" without reloading anything is the quiet
 * outage this catches. Bounded wait; a miss fails the lineage and leaves the hook
 * pending, so the next run reloads and checks again.
 */
async function confirmServed(deps: RunnerDeps, record: LineageRecord): Promise<void> {
  const config = record.config;
  if (!config.serveChecks?.length) return;
  const { waitUntilServed } = await import('../monitoring/check-lineages.js');
  const notServed = await waitUntilServed(record, {
    now: deps.now,
    timeoutMs: (config.serveCheckTimeoutSeconds ?? 30) * 1000,
    pollClock: deps.pollClock ?? SYSTEM_CLOCK,
  });
  if (notServed.length === 0) return;
  record.deployPending = record.current;
  await deps.store.write(record);
  throw new ServeCheckError(`deployed but not served: ${notServed.map((c) => `${c.endpoint} ${c.state} (${c.detail})`).join('; ')}`);
}
