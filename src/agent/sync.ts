// One sync cycle (manager-contract.md §6.4–§6.6): list, plan, apply each phase, summarise.
// The phases are their own modules: plan.ts and deletion-plan.ts decide, deploy.ts brings files up
// to date and runs the commands, issue.ts creates and re-issues, delete.ts deletes (on the manager,
// and `--cleanup`'s orphan files), expiry.ts reports.
import { ManagerError } from '../manager/manager-error.js';
import type { ManagerCertificate } from '../manager/types.js';
import { certificateId, identityOf, separateClashingFiles, type CertificateIdentity } from './config/paths.js';
import type { CertificateConfig } from './config/schema.js';
import { logFields, stateOf, type CycleResult, type SyncDeps } from './cycle-context.js';
import { certificateFilesIn, idsInList } from './cleanup.js';
import { deleteCertificate, deletionsDue, removeOrphans } from './delete.js';
import type { DeletionFacts } from './deletion-plan.js';
import { deployServerCertificate, runPostCommand, runPreCommand } from './deploy.js';
import { alarmOnExpiry, updateExpiryMetrics } from './expiry.js';
import { createCertificate, reissueCertificate, updateMetadata } from './issue.js';
import { CertificateRefused } from './issued-check.js';
import { describeEntry, partitionManagerList } from './manager-entry.js';
import { planChanges, type Planned } from './plan.js';
import { skipAfterRateLimit, skipMessage } from './rate-limit-skip.js';
import { mapLimited } from '../concurrency/map-limited.js';

/** How many certificates are checked at once: file reads overlap, the manager is not flooded. */
const CHECK_CONCURRENCY = 8;

/**
 * One sync cycle, changed where the Go client loses data: a certificate whose check
 * failed keeps its server entry, deletions are bounded and their delay survives
 * restarts, files are written atomically and together.
 * Never throws: what went wrong is in the result and the logs.
 */
export async function runSyncCycle(given: SyncDeps): Promise<CycleResult> {
  const deps: SyncDeps = { ...given, seenCertificates: new Map(), checkedFolders: new Set() };
  const result: CycleResult = { reachedManager: false, errors: [], changedFiles: [], created: 0, updated: 0, deleted: 0 };
  const now = deps.now();
  const listed = await listFromManager(deps, result);
  if (listed === undefined) {
    // Stopping: the list was given up on purpose, and reading every deployed file would hold the exit.
    if (!deps.stopping?.()) await alarmOnExpiry(deps, now);
    finishCycle(deps, result, now);
    return result;
  }
  const cleanup = deps.cleanup ? await cleanupFacts(deps, listed.all) : undefined;
  const checked = deps.pullOnly ? await deployListed(deps, result, listed.usable) : await checkConfiguredAll(deps, result, listed.usable, now);
  const deletions = deletionsDue(deps, result, checked.orphans, now, cleanup);
  const plans = [...checked.plans, ...deletions.deletes.map((server): Planned => ({ kind: 'delete', server }))];
  if (plans.length > 0) await applyPlans(deps, result, plans);
  else if (result.changedFiles.length > 0 && result.errors.length === 0) await runPostCommand(deps, result);
  await removeOrphans(deps, deletions.orphanFiles);
  await updateExpiryMetrics(deps, now);
  finishCycle(deps, result, now);
  return result;
}

/**
 * Each list partitioned once: the client hands back the same frozen list while the manager's answer is
 * unchanged, so a cycle in sync reuses the partition of the one before (keyed by the list itself, per list,
 * never shared by lists that merely look alike).
 */
const partitions = new WeakMap<readonly unknown[], ReturnType<typeof partitionManagerList>>();

function partitionOf(list: readonly unknown[]): ReturnType<typeof partitionManagerList> {
  let listed = partitions.get(list);
  if (!listed) {
    listed = partitionManagerList(list);
    Object.freeze(listed.usable); // shared by the cycles that get this list: nobody may change it
    // Only a frozen list can be trusted to be the same next time: the client freezes the lists it keeps.
    if (Object.isFrozen(list)) partitions.set(list, listed);
  }
  return listed;
}

/** The manager's list (`all`, as it came) with refused entries reported (every cycle, and otherwise ignored); undefined when there is none this cycle. */
async function listFromManager(deps: SyncDeps, result: CycleResult): Promise<{ usable: ManagerCertificate[]; all: readonly unknown[] } | undefined> {
  try {
    const all = await deps.manager.listMetadata();
    const listed = partitionOf(all);
    result.reachedManager = true;
    // A refused entry is not deployed, not deleted here or on the manager.
    for (const message of listed.refused) {
      result.errors.push(message);
      deps.log.error(message, { owner: deps.owner });
    }
    return { usable: listed.usable, all };
  } catch (err) {
    const message = (err as Error).message;
    result.errors.push(message);
    // A 401/403 is an answer (a revoked or expired token), not an outage: --once exits 1, not 3.
    result.reachedManager = err instanceof ManagerError && (err.kind === 'unauthorized' || err.kind === 'forbidden');
    deps.log.error(`cannot list certificates from the manager; nothing changes on disk: ${message}`, { owner: deps.owner });
    return undefined;
  }
}

/** What `--cleanup` hands the deletion planner: the files in certificate_dir, and the certificates configured and listed. */
async function cleanupFacts(deps: SyncDeps, list: readonly unknown[]): Promise<DeletionFacts<ManagerCertificate>['cleanup']> {
  try {
    return {
      files: await certificateFilesIn(deps.config.common),
      configuredIds: new Set(deps.config.certificates.map((cert) => certificateId(identityOf(cert)))),
      listedIds: idsInList(list),
    };
  } catch (err) {
    deps.log.error(`cleanup failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** What the check of each certificate leaves: the plans, in the configuration's order, and the manager's certificates no longer configured. */
interface Checked {
  plans: Planned[];
  orphans: ManagerCertificate[];
}

/** Pull-only: every listed certificate deployed as the manager has it; nothing is asked of the manager. */
async function deployListed(deps: SyncDeps, result: CycleResult, serverList: ManagerCertificate[]): Promise<Checked> {
  // Two entries whose files are one file: neither is written, or the second would overwrite the first.
  const { distinct, clashing } = separateClashingFiles(deps.config.common, serverList.map((server) => ({ ...identityOf(server), server })));
  for (const { entry, file, other } of clashing) {
    const message = `refused the manager's certificate ${describeEntry(entry.server)}: its file ${JSON.stringify(file)} is also a file of ${JSON.stringify(other)}; neither is written`;
    result.errors.push(message);
    stateOf(deps, certificateId(entry)).lastError = message;
    deps.log.error(message, logFields(deps.owner, entry));
  }
  await mapLimited(distinct, CHECK_CONCURRENCY, ({ server }) => guarded(deps, result, identityOf(server), async () => void (await deployServerCertificate(deps, result, server, undefined))));
  return { plans: [], orphans: [] };
}

/** Full mode: each configured certificate checked (its files deployed, then what to ask of the manager). */
async function checkConfiguredAll(deps: SyncDeps, result: CycleResult, serverList: ManagerCertificate[], now: Date): Promise<Checked> {
  const keep = new Set<ManagerCertificate>();
  const findServerEntry = serverEntryFinder(serverList);
  const checked: (Planned | undefined)[] = new Array(deps.config.certificates.length);
  await mapLimited(deps.config.certificates, CHECK_CONCURRENCY, async (cert, index) => {
    const identity = identityOf(cert);
    const id = certificateId(identity);
    const server = findServerEntry(cert);
    if (server) keep.add(server);
    delete deps.state.pendingDeletes[id]; // back in the config: a scheduled deletion no longer applies
    if (isSkipped(deps, result, identity, now)) return;
    await guarded(deps, result, server ? identityOf(server) : identity, async () => {
      checked[index] = await checkConfigured(deps, result, cert, server);
    });
  });
  // In the configuration's order, whatever order the checks finished in.
  return { plans: checked.filter((plan): plan is Planned => plan !== undefined), orphans: serverList.filter((s) => !keep.has(s)) };
}

/** Runs one certificate's work; an error is logged and counted, and leaves the server entry alone. */
async function guarded(deps: SyncDeps, result: CycleResult, identity: CertificateIdentity, work: () => Promise<void>): Promise<void> {
  const id = certificateId(identity);
  try {
    await work();
    delete stateOf(deps, id).lastError;
  } catch (err) {
    const message = (err as Error).message;
    const entry = stateOf(deps, id);
    result.errors.push(`${id}: ${message}`);
    entry.lastError = message;
    if (err instanceof ManagerError && err.status === 429) {
      // A busy 429 (no Retry-After) waits for the next cycle only.
      delete entry.skipUntil;
      delete entry.skipReason;
      Object.assign(entry, skipAfterRateLimit(err.kind === 'rate-limited' ? err.retryAfterMs : undefined, deps.now()));
    }
    deps.log.error(message, logFields(deps.owner, identity));
  }
}

/**
 * The manager's entry for a configured certificate: by name when it has one, else the unnamed entry of
 * its issuer and domain; the first in the list when there are several. Indexed once per cycle: over
 * 5,000 certificates, a search of the list for each one is 12.5 million comparisons.
 */
function serverEntryFinder(list: readonly ManagerCertificate[]): (cert: CertificateConfig) => ManagerCertificate | undefined {
  const byName = new Map<string, ManagerCertificate>();
  const unnamed = new Map<string, Map<string, ManagerCertificate>>();
  for (const entry of list) {
    if (entry.name) {
      if (!byName.has(entry.name)) byName.set(entry.name, entry);
      continue;
    }
    let byDomain = unnamed.get(entry.issuer);
    if (!byDomain) unnamed.set(entry.issuer, (byDomain = new Map()));
    if (!byDomain.has(entry.domain)) byDomain.set(entry.domain, entry);
  }
  return (cert) => (cert.name ? byName.get(cert.name) : unnamed.get(cert.issuer)?.get(cert.domain));
}

/** Whether this certificate waits out a 429: an error of the cycle every time, not a quiet skip. */
function isSkipped(deps: SyncDeps, result: CycleResult, identity: CertificateIdentity, now: Date): boolean {
  const id = certificateId(identity);
  const message = skipMessage(deps.state.certificates[id], now);
  if (message === undefined) return false;
  result.errors.push(`${id}: ${message}`);
  deps.log.error(message, logFields(deps.owner, identity));
  return true;
}

/** §6.4 step 2 for one configured certificate: local files first, then what to ask of the manager. */
async function checkConfigured(deps: SyncDeps, result: CycleResult, cert: CertificateConfig, server: ManagerCertificate | undefined): Promise<Planned | undefined> {
  if (!server) return { kind: 'create', cert };
  if (cert.name && (server.domain !== cert.domain || server.issuer !== cert.issuer)) {
    return { kind: 'reissue', cert, server, newKey: false, why: 'domain or issuer changed' };
  }
  let key: 'ok' | 'lost' = 'ok';
  let refusal: CertificateRefused | undefined;
  if (deps.config.common.certificateDeploy) {
    try {
      key = await deployServerCertificate(deps, result, server, cert);
    } catch (err) {
      // The manager's certificate was refused: a re-issue the configuration asks for still happens; otherwise it is this entry's error.
      if (!(err instanceof CertificateRefused)) throw err;
      refusal = err;
    }
  }
  const plan = planChanges(cert, server, key);
  if (!refusal) return plan;
  if (plan?.kind !== 'reissue') throw refusal;
  deps.log.warn(`${refusal.message}; re-issuing (${plan.why})`, logFields(deps.owner, identityOf(cert)));
  return plan;
}

/** §6.5: pre_cmd, then creates, re-issues, metadata updates and deletes; post_cmd once if files changed and nothing failed. */
async function applyPlans(deps: SyncDeps, result: CycleResult, plans: Planned[]): Promise<void> {
  if (!(await runPreCommand(deps))) {
    result.errors.push('pre_cmd failed: nothing was applied this cycle');
    return;
  }
  for (const plan of plans) {
    await guarded(deps, result, identityOf(plan.kind === 'delete' ? plan.server : plan.cert), async () => {
      switch (plan.kind) {
        case 'create': return createCertificate(deps, result, plan.cert);
        case 'reissue': return reissueCertificate(deps, result, plan.cert, plan.newKey, plan.why);
        case 'metadata': return updateMetadata(deps, result, plan.cert, plan.server, plan.why);
        case 'delete': return deleteCertificate(deps, result, plan.server);
      }
    });
  }
  if (result.changedFiles.length > 0 && result.errors.length === 0) await runPostCommand(deps, result);
}

/** The summary every cycle leaves: in the state (`agent status`) and the last-sync metrics. */
function finishCycle(deps: SyncDeps, result: CycleResult, now: Date): void {
  const ok = result.reachedManager && result.errors.length === 0;
  deps.state.lastSyncAt = now.toISOString();
  if (ok) {
    deps.state.lastSuccessfulSyncAt = now.toISOString();
    delete deps.state.lastError;
  } else {
    deps.state.lastError = { at: now.toISOString(), message: result.errors[0] ?? 'unknown error' };
  }
  deps.metrics.lastSyncTimestamp.set(now.getTime() / 1000);
  deps.metrics.lastSyncSuccess.set(ok ? 1 : 0);
  if (ok) deps.metrics.lastSuccessfulSyncTimestamp.set(now.getTime() / 1000);
}
