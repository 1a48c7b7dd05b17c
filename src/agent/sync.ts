import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Identifier } from '../certs/identifiers.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { certKeyTypeOf, newCertificateKey } from '../certs/cert-key-types.js';
import { planDeletions } from './deletion-plan.js';
import { planChanges, type Planned } from './plan.js';
import type { ManagerClient } from '../manager/client.js';
import { ManagerError } from '../manager/manager-error.js';
import type { CertMap, ManagerCertificate, UpdateCertificateParams } from '../manager/types.js';
import { backupPath, type VaultClient } from '../manager/vault.js';
import type { CertificateConfig, ClientConfig } from './config/schema.js';
import { certificateId, certificatePaths, separateClashingFiles, identityOf, managerRef } from './config/paths.js';
import { checkAnswerIsFor, describeEntry, partitionManagerList } from './manager-entry.js';
import { deployFiles, fingerprintOf, readLocalFiles, removeFiles, type DeployModes, type DeployPaths, type LocalFiles } from './deploy-files.js';
import type { Logger } from './logger.js';
import type { AgentMetrics } from './metrics.js';
import { runUserCommand } from '../process/run-command.js';
import { mapLimited } from '../concurrency/map-limited.js';
import type { AgentState, CertificateState } from './state.js';

export interface SyncDeps {
  config: ClientConfig;
  manager: ManagerClient;
  vault?: VaultClient | undefined;
  owner: string;
  metrics: AgentMetrics;
  log: Logger;
  env: Readonly<Record<string, string | undefined>>;
  state: AgentState;
  pullOnly: boolean;
  allowMassDelete: boolean;
  /** Where a new key waits (0600) while the manager issues for it: a crash then loses no key. */
  pendingKeyDir: string;
  now: () => Date;
  /** Certificate text seen on disk this cycle, by certificate id (filled by the cycle; saves a second read). */
  seenCertificates?: Map<string, string>;
}

/** How many certificates are checked at once: file reads overlap, the manager is not flooded. */
const CHECK_CONCURRENCY = 8;

export interface CycleResult {
  /** False when the manager could not be reached or answered garbage: nothing was changed. */
  reachedManager: boolean;
  errors: string[];
  changedFiles: string[];
  created: number;
  updated: number;
  deleted: number;
}

const DAY_MS = 86_400_000;
const EXPIRY_ALARM_DAYS = 7;

/**
 * One sync cycle (manager-contract.md §6.4–§6.6), changed where the Go client loses data:
 * a certificate whose check failed keeps its server entry, deletions are bounded
 * and their delay survives restarts, files are written atomically and together.
 * Never throws: what went wrong is in the result and the logs.
 */
export async function runSyncCycle(given: SyncDeps): Promise<CycleResult> {
  const deps: SyncDeps = { ...given, seenCertificates: new Map() };
  const result: CycleResult = { reachedManager: false, errors: [], changedFiles: [], created: 0, updated: 0, deleted: 0 };
  const now = deps.now();
  let serverList: ManagerCertificate[];
  try {
    const listed = partitionManagerList(await deps.manager.listMetadata());
    serverList = listed.usable;
    result.reachedManager = true;
    // A refused entry is reported every cycle and otherwise ignored: not deployed, not deleted here or on the manager.
    for (const message of listed.refused) {
      result.errors.push(message);
      deps.log.error(message, { owner: deps.owner });
    }
  } catch (err) {
    const message = (err as Error).message;
    result.errors.push(message);
    // A 401/403 is an answer (a revoked or expired token), not an outage: --once exits 1, not 3.
    result.reachedManager = err instanceof ManagerError && (err.kind === 'unauthorized' || err.kind === 'forbidden');
    deps.log.error(`cannot list certificates from the manager; nothing changes on disk: ${message}`, { owner: deps.owner });
    await alarmOnExpiry(deps, now);
    finishCycle(deps, result, now);
    return result;
  }

  const plans: Planned[] = [];
  const keep = new Set<ManagerCertificate>();
  if (deps.pullOnly) {
    // Two entries whose files are one file: neither is written, or the second would overwrite the first.
    const { distinct, clashing } = separateClashingFiles(deps.config.common, serverList.map((s) => ({ ...s, name: s.name ?? '' })));
    for (const { entry, file, other } of clashing) {
      const message = `refused the manager's certificate ${describeEntry(entry)}: its file ${JSON.stringify(file)} is also a file of ${JSON.stringify(other)}; neither is written`;
      result.errors.push(message);
      (deps.state.certificates[certificateId(entry)] ??= {}).lastError = message;
      deps.log.error(message, logFields(deps, entry));
    }
    serverList = serverList.filter((s) => distinct.some((d) => d.issuer === s.issuer && d.domain === s.domain && d.name === (s.name ?? '')));
    await mapLimited(serverList, CHECK_CONCURRENCY, (server) => guarded(deps, result, server, async () => void (await syncDeployed(deps, result, server, undefined))));
  } else {
    const checked: (Planned | undefined)[] = new Array(deps.config.certificates.length);
    await mapLimited(deps.config.certificates, CHECK_CONCURRENCY, async (cert, index) => {
      const id = certificateId(cert);
      const server = findServerEntry(serverList, cert);
      if (server) keep.add(server);
      delete deps.state.pendingDeletes[id]; // back in the config: a scheduled deletion no longer applies
      if (isSkipped(deps, result, id, now)) return;
      await guarded(deps, result, server ?? cert, async () => {
        checked[index] = await checkConfigured(deps, result, cert, server);
      });
    });
    // In the configuration's order, whatever order the checks finished in.
    for (const plan of checked) if (plan) plans.push(plan);
    plans.push(...planDeletes(deps, result, serverList.filter((s) => !keep.has(s)), now));
  }

  if (plans.length > 0) await applyPlans(deps, result, plans);
  else if (result.changedFiles.length > 0 && result.errors.length === 0) await runPostCommand(deps, result);
  await updateExpiryMetrics(deps, now);
  finishCycle(deps, result, now);
  return result;
}

/** Runs one certificate's work; an error is logged and counted, and leaves the server entry alone. */
async function guarded(deps: SyncDeps, result: CycleResult, who: { domain: string; issuer: string; name?: string | undefined }, work: () => Promise<void>): Promise<void> {
  const id = certificateId(identityOf(who));
  try {
    await work();
    const entry = (deps.state.certificates[id] ??= {});
    delete entry.lastError;
  } catch (err) {
    const message = (err as Error).message;
    result.errors.push(`${id}: ${message}`);
    (deps.state.certificates[id] ??= {}).lastError = message;
    if (err instanceof ManagerError && err.status === 429) skipUntilRetry(deps, id, err);
    deps.log.error(message, logFields(deps, who));
  }
}

function findServerEntry(list: readonly ManagerCertificate[], cert: CertificateConfig): ManagerCertificate | undefined {
  if (cert.name) return list.find((s) => s.name === cert.name);
  return list.find((s) => !s.name && s.issuer === cert.issuer && s.domain === cert.domain);
}

/** The longest a manager's Retry-After keeps a certificate waiting: a ten-year answer must not silence it for ten years. */
export const MAX_SKIP_MS = 24 * 3_600_000;

/**
 * Whether this certificate waits out a 429. A waiting certificate is not what
 * the configuration asks for, so it is an error of the cycle every time (log,
 * `agent status`, the last-sync metric), not a quiet skip.
 */
function isSkipped(deps: SyncDeps, result: CycleResult, id: string, now: Date): boolean {
  const entry = deps.state.certificates[id];
  const until = entry?.skipUntil;
  if (!until) return false;
  // A date written before the cap existed (or by hand) is held to it too; a date that does not parse waits for nothing.
  const untilMs = Math.min(Date.parse(until), now.getTime() + MAX_SKIP_MS);
  if (!(untilMs > now.getTime())) return false;
  const message = `skipped until ${new Date(untilMs).toISOString()} (${entry.skipReason ?? 'asked to wait'})`;
  result.errors.push(`${id}: ${message}`);
  deps.log.error(message, { name: id, owner: deps.owner });
  return true;
}

/** manager-contract.md §7 item 8: a 429 skips this certificate until its Retry-After, at most MAX_SKIP_MS (busy: the next cycle), without blocking the others. */
function skipUntilRetry(deps: SyncDeps, id: string, err: ManagerError): void {
  const entry = (deps.state.certificates[id] ??= {});
  if (err.kind === 'rate-limited' && err.retryAfterMs !== undefined) {
    const capped = err.retryAfterMs > MAX_SKIP_MS;
    entry.skipUntil = new Date(deps.now().getTime() + Math.min(err.retryAfterMs, MAX_SKIP_MS)).toISOString();
    entry.skipReason = capped
      ? `rate limited by the manager, which asked to wait ${Math.round(err.retryAfterMs / 3_600_000)} h; waiting at most 24 h`
      : 'rate limited by the manager';
  } else {
    delete entry.skipUntil;
  }
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
      key = await syncDeployed(deps, result, server, cert);
    } catch (err) {
      // The manager's certificate was refused: a re-issue the configuration asks for still happens; otherwise it is this entry's error.
      if (!(err instanceof CertificateRefused)) throw err;
      refusal = err;
    }
  }
  const plan = planChanges(cert, server, key);
  if (!refusal) return plan;
  if (plan?.kind !== 'reissue') throw refusal;
  deps.log.warn(`${refusal.message}; re-issuing (${plan.why})`, logFields(deps, cert));
  return plan;
}

/**
 * Brings the files of one server certificate up to date (§6.4 b–d, §6.6): the
 * certificate by fingerprint, the CA file, the key (restored from Vault when it
 * is missing or does not pair). Returns whether a usable key is on disk.
 */
async function syncDeployed(deps: SyncDeps, result: CycleResult, server: ManagerCertificate, cert: CertificateConfig | undefined): Promise<'ok' | 'lost'> {
  const common = deps.config.common;
  const identity = identityOf(server);
  const paths = certificatePaths(common, identity);
  const labels = { domain: server.domain, issuer: server.issuer, name: server.name ?? '' };
  const local = await readLocalFiles(certificateFolder(deps), paths);
  const update: LocalFiles = {};
  let downloaded: CertMap | undefined;
  const download = async () => {
    if (downloaded) return downloaded;
    const answer = await deps.manager.getCertificate(managerRef(identity));
    checkAnswerIsFor(identity, answer, `GET certificate ${certificateId(identity)}`);
    return (downloaded = answer);
  };

  if (local.cert === undefined || fingerprintOf(local.cert) !== server.fingerprint) {
    const full = await download();
    update.cert = full.cert;
    // §6.9: a download that does not hash to the metadata is reported, never "fixed" by re-issuing.
    const mismatch = fingerprintOf(full.cert) !== server.fingerprint;
    deps.metrics.metadataMismatch.set(labels, mismatch ? 1 : 0);
    if (mismatch) deps.log.warn('downloaded certificate does not match the fingerprint in the metadata', { ...labels, owner: deps.owner });
  } else {
    deps.metrics.metadataMismatch.set(labels, 0);
  }
  const bundle = cert?.bundle ?? Boolean(server.bundle);
  if (!bundle) {
    const ca = update.cert !== undefined ? (await download()).ca_issuer : local.ca === undefined ? (await download()).ca_issuer : undefined;
    if (ca !== undefined && ca !== '' && ca !== local.ca) update.ca = ca;
  }

  const certText = update.cert ?? local.cert!;
  const id = certificateId(identity);
  deps.seenCertificates?.set(id, certText);
  let keyState: 'ok' | 'lost' = 'ok';
  const entry = (deps.state.certificates[id] ??= {});
  // Parsing the key each cycle is the slow part of an in-sync cycle: a pair checked before, unchanged since, is known good.
  const pairStamp = local.key ? `${fingerprintOf(local.key).slice(0, 32)}:${fingerprintOf(certText)}` : '';
  let keyFromPending = false;
  if (!local.key || (entry.pairChecked !== pairStamp && !keyPairs(local.key, certText))) {
    const restored = await restoreKey(deps, server, certText);
    if (restored) {
      update.key = restored.pem;
      keyFromPending = restored.fromPending;
    } else keyState = 'lost';
  }
  if (keyState === 'lost' && entry.refused?.fingerprint === fingerprintOf(certText)) {
    // The manager still offers the certificate refused when it was issued: asking again would loop every cycle.
    deps.metrics.certificateRefused.set(labels, 1);
    throw new CertificateRefused(`${entry.refused.message} (still offered by the manager; nothing deployed or re-requested until it offers another)`);
  }
  if (keyState === 'ok' && (update.cert !== undefined || update.ca !== undefined)) {
    const ca = bundle ? '' : (update.ca ?? local.ca ?? '');
    const refused = await refusalOf({ certificate: certText, chain: ca }, update.key ?? local.key!, cert ? configIdentifiers(cert) : serverIdentifiers(server), cert ? 'the configuration' : 'the manager\'s own list', deps.now());
    if (refused) {
      // Nothing is written, not even a restored key: the old pair stays as it was.
      entry.refused = { fingerprint: fingerprintOf(certText), message: refused };
      deps.metrics.certificateRefused.set(labels, 1);
      throw new CertificateRefused(refused);
    }
  }
  if (keyState === 'ok') entry.pairChecked = `${fingerprintOf(update.key ?? local.key!).slice(0, 32)}:${fingerprintOf(certText)}`;
  if (keyState === 'lost' && !deps.pullOnly) return 'lost'; // re-issued with a new key: nothing half-updated is written
  if (keyState === 'lost') {
    // Pull-only cannot re-issue: a new certificate beside a key it does not pair with would break the server. Keep the old pair.
    delete update.cert;
    delete update.ca;
  }
  const written = await deployFiles(certificateFolder(deps), paths, update, modesOf(deps));
  if (keyFromPending) await forgetPendingKeys(deps, server);
  if (keyState === 'ok') deps.metrics.certificateRefused.set(labels, 0);
  if (written.length) {
    result.changedFiles.push(...written);
    deps.log.info(`deployed ${written.join(', ')}`, { ...labels, owner: deps.owner });
  }
  rememberMetadata(deps, server);
  if (keyState === 'lost') throw new Error(`the private key ${paths.key} is missing or does not match the certificate, and no Vault backup pairs with it`);
  return 'ok';
}

/** node's own X.509 check: an in-sync daemon never loads the X.509 library used for CSRs. */
function keyPairs(keyPem: string, certPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** §6.8: the backed-up key, accepted only if it pairs with the certificate. */
async function restoreKey(deps: SyncDeps, server: ManagerCertificate, certPem: string): Promise<{ pem: string; fromPending: boolean } | undefined> {
  // A key made for an order that a crash interrupted before it reached the files.
  for (const path of await pendingKeys(deps, server)) {
    const pending = await readFile(path, 'utf8').catch(() => undefined);
    if (pending && keyPairs(pending, certPem)) {
      deps.log.info('private key recovered from an interrupted deploy', logFields(deps, server));
      return { pem: pending, fromPending: true }; // forgotten once it is deployed, not before
    }
  }
  if (!deps.vault || !(deps.config.common.certificateBackup || deps.pullOnly)) return undefined;
  const path = backupPath({ prefix: deps.config.vault.certificatePrefix, owner: deps.owner, issuer: server.issuer, domain: server.domain, ...(server.name ? { name: server.name } : {}) });
  try {
    const secret = await deps.vault.readSecret(path);
    deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'get', status: 'success' });
    const key = typeof secret?.key === 'string' ? secret.key : undefined;
    if (key && keyPairs(key, certPem)) {
      deps.log.info('private key restored from the Vault backup', logFields(deps, server));
      return { pem: key, fromPending: false };
    }
    return undefined;
  } catch (err) {
    deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'get', status: 'failed' });
    throw err;
  }
}

/** §6.4 step 3 through the one deletion planner (agent/deletion-plan.ts): its refusal is this cycle's error, its schedule is kept. */
function planDeletes(deps: SyncDeps, result: CycleResult, orphans: ManagerCertificate[], now: Date): Planned[] {
  const plan = planDeletions({
    orphans: orphans.map((server) => ({ id: certificateId(identityOf(server)), certificate: server })),
    configured: deps.config.certificates.length,
    allowMassDelete: deps.allowMassDelete,
    delayMs: deps.config.common.delayBeforeDeleteMs,
    scheduled: deps.state.pendingDeletes,
    now,
  });
  if ('refused' in plan) {
    result.errors.push(plan.refused);
    deps.log.error(plan.refused, { owner: deps.owner });
    return [];
  }
  for (const { id, certificate: server, at } of plan.schedule) {
    deps.state.pendingDeletes[id] = at;
    deps.log.info(`scheduled deletion for ${id} in ${deps.config.common.delayBeforeDelete}`, logFields(deps, server));
  }
  return plan.deletes.map((server) => ({ kind: 'delete', server }));
}

/** §6.5: pre_cmd, then creates, re-issues, metadata updates and deletes; post_cmd once if files changed and nothing failed. */
async function applyPlans(deps: SyncDeps, result: CycleResult, plans: Planned[]): Promise<void> {
  const common = deps.config.common;
  if (common.cmdEnabled && common.preCmdRun) {
    const ok = await runCommand(deps, common.preCmdRun, common.preCmdTimeoutMs, []);
    if (!ok) {
      result.errors.push('pre_cmd failed: nothing was applied this cycle');
      return;
    }
  }
  for (const plan of plans) {
    const who = plan.kind === 'create' ? plan.cert : plan.kind === 'delete' ? plan.server : plan.cert;
    await guarded(deps, result, who, async () => {
      switch (plan.kind) {
        case 'create': return create(deps, result, plan.cert);
        case 'reissue': return reissue(deps, result, plan.cert, plan.newKey, plan.why);
        case 'metadata': return updateMetadata(deps, result, plan.cert, plan.server, plan.why);
        case 'delete': return remove(deps, result, plan.server);
      }
    });
  }
  if (result.changedFiles.length > 0 && result.errors.length === 0) await runPostCommand(deps, result);
}

async function create(deps: SyncDeps, result: CycleResult, cert: CertificateConfig): Promise<void> {
  const common = deps.config.common;
  const paths = certificatePaths(common, cert);
  const key = common.certificateKeyFileNoGenerate ? (await existingKey(certificateFolder(deps), paths, true))! : (await pendingKeyToReuse(deps, cert)) ?? (await newKey(cert));
  const csr = await csrFor(cert, key.object);
  await savePendingKey(deps, cert, key.pem);
  const response = await deps.manager.createCertificate({ ...requestOf(cert), csr });
  checkAnswerIsFor(cert, response, `POST certificate ${certificateId(cert)}`);
  result.created++;
  deps.metrics.certificateOperations.inc({ issuer: cert.issuer, operation: 'created' });
  deps.log.info('created certificate', logFields(deps, cert));
  await afterIssue(deps, result, cert, paths, response, key.pem);
}

async function reissue(deps: SyncDeps, result: CycleResult, cert: CertificateConfig, wantNewKey: boolean, why: string): Promise<void> {
  const paths = certificatePaths(deps.config.common, cert);
  // A SAN change keeps the key, as the Go client does: the existing key file signs the new CSR.
  const existing = wantNewKey ? undefined : await existingKey(certificateFolder(deps), paths, false);
  const key = existing ?? (await pendingKeyToReuse(deps, cert)) ?? (await newKey(cert));
  const csr = await csrFor(cert, key.object);
  await savePendingKey(deps, cert, key.pem);
  const response = await deps.manager.updateCertificate({ ...requestOf(cert), csr, revoke: deps.config.common.revokeOnUpdate });
  checkAnswerIsFor(cert, response, `PUT certificate ${certificateId(cert)}`);
  result.updated++;
  deps.log.info(`certificate updated (${why})`, logFields(deps, cert));
  if (response.csr === csr) await afterIssue(deps, result, cert, paths, response, key.pem);
}

/** manager-contract.md §7 item 7: resending the stored CSR changes only renewal_days and labels, without a new ACME order. */
async function updateMetadata(deps: SyncDeps, result: CycleResult, cert: CertificateConfig, server: ManagerCertificate, why: string): Promise<void> {
  if (!server.csr) throw new Error('the manager has no stored CSR for this certificate; cannot update its metadata alone');
  await deps.manager.updateCertificate({ ...requestOf(cert), csr: server.csr, key_type: server.key_type ?? cert.keyType, revoke: false });
  result.updated++;
  deps.log.info(`certificate updated (${why})`, logFields(deps, cert));
}

async function remove(deps: SyncDeps, result: CycleResult, server: ManagerCertificate): Promise<void> {
  const id = certificateId(identityOf(server));
  await deps.manager.deleteCertificate(managerRef(identityOf(server)), { revoke: deps.config.common.revokeOnDelete });
  result.deleted++;
  delete deps.state.pendingDeletes[id];
  delete deps.state.certificates[id];
  deps.metrics.certificateOperations.inc({ issuer: server.issuer, operation: 'deleted' });
  deps.log.info('certificate deleted', logFields(deps, server));
  if (deps.config.common.certificateDeploy) {
    const removed = await removeFiles(certificateFolder(deps), certificatePaths(deps.config.common, identityOf(server)));
    result.changedFiles.push(...removed);
    deps.metrics.metadataMismatch.remove({ domain: server.domain, issuer: server.issuer, name: server.name ?? '' });
    deps.metrics.certificateRefused.remove({ domain: server.domain, issuer: server.issuer, name: server.name ?? '' });
  }
}

/** Files and backup after the manager issued: key, certificate and CA written together. */
async function afterIssue(deps: SyncDeps, result: CycleResult, cert: CertificateConfig, paths: DeployPaths, response: CertMap, keyPem: string): Promise<void> {
  const common = deps.config.common;
  const refused = await refusalOf({ certificate: response.cert, chain: cert.bundle ? '' : response.ca_issuer ?? '' }, keyPem, configIdentifiers(cert), 'the configuration', deps.now());
  if (refused) {
    // Not backed up, not deployed; remembered, so the next cycles report it instead of asking again.
    (deps.state.certificates[certificateId(cert)] ??= {}).refused = { fingerprint: fingerprintOf(response.cert), message: refused };
    deps.metrics.certificateRefused.set({ issuer: cert.issuer, name: cert.name ?? '', domain: cert.domain }, 1);
    throw new CertificateRefused(refused);
  }
  deps.metrics.certificateRefused.set({ issuer: cert.issuer, name: cert.name ?? '', domain: cert.domain }, 0);
  if (common.certificateBackup && deps.vault) {
    const path = backupPath({ prefix: deps.config.vault.certificatePrefix, owner: deps.owner, issuer: cert.issuer, domain: cert.domain, ...(cert.name ? { name: cert.name } : {}) });
    try {
      await deps.vault.writeSecret(path, { cert: response.cert, key: keyPem, ...(response.ca_issuer ? { ca_issuer: response.ca_issuer } : {}) });
      deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'put', status: 'success' });
    } catch (err) {
      deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'put', status: 'failed' });
      throw err;
    }
  }
  if (common.certificateDeploy) {
    const written = await deployFiles(certificateFolder(deps), paths, { key: keyPem, cert: response.cert, ...(!cert.bundle && response.ca_issuer ? { ca: response.ca_issuer } : {}) }, modesOf(deps));
    result.changedFiles.push(...written);
    deps.log.info(`deployed ${paths.cert}`, logFields(deps, cert));
  }
  rememberMetadata(deps, { ...response, domain: cert.domain, issuer: cert.issuer, ...(cert.name ? { name: cert.name } : {}) });
  await forgetPendingKeys(deps, cert);
}

/**
 * Pending keys are named `<certificate hash>-<key hash>.pem`: several runs cut
 * short in a row each leave their own, and whichever the manager issued for is found.
 */
function pendingKeyPrefix(who: { name?: string | undefined; issuer: string; domain: string }): string {
  const id = certificateId(identityOf(who));
  return `${createHash('sha256').update(id).digest('hex').slice(0, 24)}-`;
}

async function savePendingKey(deps: SyncDeps, cert: CertificateConfig, keyPem: string): Promise<void> {
  const name = `${pendingKeyPrefix(cert)}${createHash('sha256').update(keyPem).digest('hex').slice(0, 16)}.pem`;
  await writeFileAtomic(join(deps.pendingKeyDir, name), keyPem, { mode: 0o600, forceMode: true, dirMode: 0o700 });
}

async function pendingKeys(deps: SyncDeps, who: { name?: string | undefined; issuer: string; domain: string }): Promise<string[]> {
  const prefix = pendingKeyPrefix(who);
  const names = await readdir(deps.pendingKeyDir).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix)).map((n) => join(deps.pendingKeyDir, n));
}

/**
 * The key of an earlier attempt for this certificate that did not end in
 * deployed files (the manager refused or failed, or the run was cut short),
 * when it is of the configured type: asking again with the same key means a
 * failing manager does not leave one more key behind each cycle. (A key the
 * manager did issue for is found by restoreKey before any new request.)
 */
async function pendingKeyToReuse(deps: SyncDeps, cert: CertificateConfig): Promise<KeyMaterial | undefined> {
  for (const path of await pendingKeys(deps, cert)) {
    const pem = await readFile(path, 'utf8').catch(() => undefined);
    if (pem === undefined) continue;
    try {
      const object = createPrivateKey(pem);
      if (certKeyTypeOf(object, path) === cert.keyType) return { object, pem };
    } catch {
      // damaged, or of another type: left for forgetPendingKeys after the next success
    }
  }
  return undefined;
}

async function forgetPendingKeys(deps: SyncDeps, who: { name?: string | undefined; issuer: string; domain: string }): Promise<void> {
  for (const path of await pendingKeys(deps, who)) await rm(path, { force: true });
}

function requestOf(cert: CertificateConfig): Omit<UpdateCertificateParams, 'csr'> {
  return {
    domain: cert.domain,
    issuer: cert.issuer,
    ...(cert.name ? { name: cert.name } : {}),
    ...(cert.san ? { san: cert.san } : {}),
    ...(cert.days ? { days: cert.days } : {}),
    ...(cert.renewalDays ? { renewal_days: cert.renewalDays } : {}),
    ...(cert.dnsChallenge ? { dns_challenge: cert.dnsChallenge } : {}),
    ...(cert.httpChallenge ? { http_challenge: cert.httpChallenge } : {}),
    ...(cert.profile ? { profile: cert.profile } : {}),
    bundle: cert.bundle,
    labels: cert.labels,
    key_type: cert.keyType,
  };
}

interface KeyMaterial {
  object: KeyObject;
  pem: string;
}

/** §6.7: EC keys as SEC1 `EC PRIVATE KEY`, RSA as PKCS#1 `RSA PRIVATE KEY`, what the Go client writes. */
async function newKey(cert: CertificateConfig): Promise<KeyMaterial> {
  if (cert.keyType === 'rsa8192') throw new Error('key_type rsa8192 is not supported by acmecli (use rsa4096)');
  return newCertificateKey(cert.keyType, 'traditional');
}

async function existingKey(folder: string, paths: DeployPaths, required: boolean): Promise<KeyMaterial | undefined> {
  const { key } = await readLocalFiles(folder, paths);
  if (!key) {
    if (required) throw new Error(`certificate_keyfile_no_generate is set but ${paths.key} does not exist`);
    return undefined;
  }
  return { object: createPrivateKey(key), pem: key };
}

/** CN = domain, SAN = domain and `san` (adding the domain is harmless: the manager de-duplicates it). Sent as base64 of the PEM. */
async function csrFor(cert: CertificateConfig, key: KeyObject): Promise<string> {
  // Loaded only when a certificate is created or re-issued.
  const [{ createCsr }, { parseIdentifier }] = await Promise.all([import('../certs/csr.js'), import('../certs/identifiers.js')]);
  const identifiers = [cert.domain, ...cert.sanNames].map((name) => parseIdentifier(name));
  const csr = await createCsr(key, identifiers);
  return Buffer.from(csr.pem, 'utf8').toString('base64');
}

/** The folder every file the agent writes or deletes must lie in ("" is the current folder, as for the Go client). */
function certificateFolder(deps: SyncDeps): string {
  return deps.config.common.certificateDir || '.';
}

/** A certificate from the manager that did not pass the issued-certificate check: nothing of it was written. */
/** The fields every log line about one certificate carries, with the owner. */
function logFields(deps: SyncDeps, who: { name?: string | undefined; issuer?: string | undefined; domain?: string | undefined }): Record<string, string | undefined> {
  return { domain: who.domain, issuer: who.issuer, name: who.name, owner: deps.owner };
}

class CertificateRefused extends Error {}

/**
 * The issued-certificate check (src/certs/issued-certificate-check.ts) on what the
 * manager sent: undefined when it may be deployed, else the one-line reason.
 * Loaded only when a certificate is about to be written.
 */
async function refusalOf(text: { certificate: string; chain: string }, keyPem: string, identifiers: Identifier[], askedIn: string, now: Date): Promise<string | undefined> {
  const { checkIssuedCertificate, CertificateRefusedError } = await import('../certs/issued-certificate-check.js');
  try {
    checkIssuedCertificate(text, { key: createPrivateKey(keyPem), identifiers, now, from: 'the manager', askedIn });
    return undefined;
  } catch (err) {
    if (err instanceof CertificateRefusedError) return err.message;
    throw err;
  }
}

/** The names a configured certificate asks for: its domain and SANs, as its CSR holds them. */
function configIdentifiers(cert: CertificateConfig): Identifier[] {
  return [cert.domain, ...cert.sanNames].map(nameAsIdentifier);
}

/** Pull-only has no configuration: the names are those the manager's list says the certificate is for. */
function serverIdentifiers(server: ManagerCertificate): Identifier[] {
  return [server.domain, ...(server.san ?? '').split(',').filter(Boolean)].map(nameAsIdentifier);
}

function nameAsIdentifier(name: string): Identifier {
  const trimmed = name.trim();
  return isIP(trimmed) ? { type: 'ip', value: trimmed } : { type: 'dns', value: trimmed };
}

function modesOf(deps: SyncDeps): DeployModes {
  const c = deps.config.common;
  return { dirMode: c.certificateDirMode, fileMode: c.certificateFileMode, keyFileMode: c.certificateKeyFileMode };
}

function rememberMetadata(deps: SyncDeps, server: ManagerCertificate): void {
  const id = certificateId(identityOf(server));
  const entry: CertificateState = (deps.state.certificates[id] ??= {});
  Object.assign(entry, {
    issuer: server.issuer,
    domain: server.domain,
    ...(server.name ? { name: server.name } : {}),
    ...(server.fingerprint ? { fingerprint: server.fingerprint } : {}),
    ...(server.expires ? { expires: server.expires } : {}),
    ...(server.serial ? { serial: server.serial } : {}),
    ...(server.encryption ? { encryption: server.encryption } : {}),
  });
}

async function runPostCommand(deps: SyncDeps, result: CycleResult): Promise<void> {
  const common = deps.config.common;
  if (common.cmdEnabled && common.postCmdRun) await runCommand(deps, common.postCmdRun, common.postCmdTimeoutMs, result.changedFiles);
}

async function runCommand(deps: SyncDeps, commandLine: string, timeoutMs: number, changed: readonly string[]): Promise<boolean> {
  // ACMECLI_CHANGED: the paths this cycle wrote or removed, one per line.
  const outcome = await runUserCommand(commandLine, { env: deps.env, extraEnv: { ACMECLI_CHANGED: changed.join('\n') }, timeoutMs });
  deps.metrics.commandRuns.inc({ command: outcome.program, status: outcome.ok ? 'success' : 'failed' });
  if (outcome.ok) deps.log.info(`command '${commandLine}' successfully executed`, { owner: deps.owner });
  else deps.log.error(`command '${commandLine}' failed: ${outcome.detail}${outcome.output ? `: ${outcome.output.split('\n').slice(-1)[0]}` : ''}`, { owner: deps.owner });
  if (outcome.output) deps.log.debug(outcome.output, { owner: deps.owner });
  return outcome.ok;
}

/** acme_manager_certificate_expiry for every deployed certificate: registered by the Go client, emitted here. */
async function updateExpiryMetrics(deps: SyncDeps, now: Date): Promise<void> {
  deps.metrics.certificateExpiry.reset();
  for (const entry of Object.values(deps.state.certificates)) {
    const info = await deployedCertificate(deps, entry).catch(() => undefined);
    if (!info) continue;
    const daysLeft = Math.floor((info.notAfter.getTime() - now.getTime()) / DAY_MS);
    deps.metrics.certificateExpiry.set({ issuer: entry.issuer ?? '', owner: deps.owner, domain: entry.domain ?? '', name: entry.name ?? '', expires: info.notAfter.toISOString(), encryption: entry.encryption ?? '', serial: info.serialHex }, daysLeft);
  }
}

/** When the manager is out of reach, certificates close to expiry are an error every cycle (someone must look). */
async function alarmOnExpiry(deps: SyncDeps, now: Date): Promise<void> {
  await updateExpiryMetrics(deps, now);
  for (const entry of Object.values(deps.state.certificates)) {
    const info = await deployedCertificate(deps, entry).catch(() => undefined);
    if (!info) continue;
    const daysLeft = (info.notAfter.getTime() - now.getTime()) / DAY_MS;
    if (daysLeft < EXPIRY_ALARM_DAYS) {
      deps.log.error(`certificate expires in ${Math.max(0, Math.floor(daysLeft))} days and the manager cannot be reached`, logFields(deps, entry));
    }
  }
}

/** notAfter and serial of a deployed certificate, read with node's own X.509 parser (fast enough for every cycle). */
async function deployedCertificate(deps: SyncDeps, entry: CertificateState): Promise<{ notAfter: Date; serialHex: string } | undefined> {
  if (!entry.issuer || !entry.domain) return undefined;
  const identity = { name: entry.name ?? '', issuer: entry.issuer, domain: entry.domain };
  const cert = deps.seenCertificates?.get(certificateId(identity)) ?? (await readLocalFiles(certificateFolder(deps), certificatePaths(deps.config.common, identity))).cert;
  if (!cert) return undefined;
  // Parsed once per certificate text, then remembered by its hash: an in-sync cycle parses nothing.
  const fingerprint = fingerprintOf(cert);
  if (entry.parsed?.fingerprint !== fingerprint) {
    const parsed = new X509Certificate(cert);
    entry.parsed = { fingerprint, notAfter: new Date(parsed.validTo).toISOString(), serialHex: parsed.serialNumber.toLowerCase().replace(/^0+(?=.)/, '') };
  }
  return { notAfter: new Date(entry.parsed.notAfter), serialHex: entry.parsed.serialHex };
}

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
