// The deploy phase: the files of a certificate the manager already has are brought up to date
// (certificate by fingerprint, CA file, key restored when lost), with the configured modes; and the
// user's commands around the cycle's changes (pre_cmd, post_cmd).
import type { CertMap, ManagerCertificate } from '../manager/types.js';
import { runUserCommand } from '../process/run-command.js';
import { certificateId, certificatePaths, identityOf, managerRef, type CertificateIdentity } from './config/paths.js';
import type { CertificateConfig } from './config/schema.js';
import { certificateFolder, deployModes, logFields, metricLabels, rememberMetadata, stateOf, vaultBackupPath, type CycleResult, type SyncDeps } from './cycle-context.js';
import { deployFiles, deployedStamp, fingerprintOf, readLocalFiles, type LocalFiles } from './deploy-files.js';
import { CertificateRefused, keyPairs, listedIdentifiers, refusalOf, requestedIdentifiers } from './issued-check.js';
import { checkAnswerIsFor } from './manager-entry.js';
import { forgetPendingKeys, pendingKeyPairingWith } from './pending-keys.js';

/**
 * Brings the files of one server certificate up to date (§6.4 b–d, §6.6): the
 * certificate by fingerprint, the CA file, the key (restored from a pending key or
 * Vault when it is missing or does not pair). `cert` is its configuration (undefined
 * in pull-only mode). Returns whether a usable key is on disk.
 */
export async function deployServerCertificate(deps: SyncDeps, result: CycleResult, server: ManagerCertificate, cert: CertificateConfig | undefined): Promise<'ok' | 'lost'> {
  const common = deps.config.common;
  const identity = identityOf(server);
  const id = certificateId(identity);
  const paths = certificatePaths(common, identity);
  const labels = metricLabels(identity);
  const fields = logFields(deps.owner, identity);
  const folder = certificateFolder(deps.config);
  const bundle = cert?.bundle ?? Boolean(server.bundle);
  const entry = stateOf(deps, id);
  // A cycle in sync: the files are those a cycle found in order (the manager's certificate, a key that
  // pairs, the CA file) and have not changed since; three stats instead of reads, hashes and checks.
  // Taken before the files are read: a change while they are read shows as a new stamp next cycle.
  const listed = server.fingerprint;
  const stamp = deps.checkedFolders && listed ? await deployedStamp(folder, paths, deps.checkedFolders, `${listed}|${bundle}`) : undefined;
  if (stamp !== undefined && listed && entry.deployed === stamp) {
    deps.metrics.metadataMismatch.set(labels, 0);
    deps.seenCertificates?.set(id, { fingerprint: listed });
    deps.metrics.certificateRefused.set(labels, 0);
    rememberMetadata(entry, server);
    return 'ok';
  }
  delete entry.deployed;
  const local = await readLocalFiles(folder, paths);
  const update: LocalFiles = {};
  let downloaded: CertMap | undefined;
  const download = async () => {
    if (downloaded) return downloaded;
    const answer = await deps.manager.getCertificate(managerRef(identity));
    checkAnswerIsFor(identity, answer, `GET certificate ${id}`);
    return (downloaded = answer);
  };

  if (local.cert === undefined || fingerprintOf(local.cert) !== server.fingerprint) {
    const full = await download();
    update.cert = full.cert;
    // §6.9: a download that does not hash to the metadata is reported, never "fixed" by re-issuing.
    const mismatch = fingerprintOf(full.cert) !== server.fingerprint;
    deps.metrics.metadataMismatch.set(labels, mismatch ? 1 : 0);
    if (mismatch) deps.log.warn('downloaded certificate does not match the fingerprint in the metadata', fields);
  } else {
    deps.metrics.metadataMismatch.set(labels, 0);
  }
  if (!bundle) {
    const ca = update.cert !== undefined ? (await download()).ca_issuer : local.ca === undefined ? (await download()).ca_issuer : undefined;
    if (ca !== undefined && ca !== '' && ca !== local.ca) update.ca = ca;
  }

  const certText = update.cert ?? local.cert!;
  const certFingerprint = fingerprintOf(certText);
  deps.seenCertificates?.set(id, { fingerprint: certFingerprint, text: certText });
  let keyState: 'ok' | 'lost' = 'ok';
  // Parsing the key each cycle is the slow part of an in-sync cycle: a pair checked before, unchanged since, is known good.
  const stampOfPair = (keyPem: string) => `${fingerprintOf(keyPem).slice(0, 32)}:${certFingerprint}`;
  const pairStamp = local.key ? stampOfPair(local.key) : '';
  let keyFromPending = false;
  if (!local.key || (entry.pairChecked !== pairStamp && !keyPairs(local.key, certText))) {
    const restored = await restoreKey(deps, identity, certText);
    if (restored) {
      update.key = restored.pem;
      keyFromPending = restored.fromPending;
    } else keyState = 'lost';
  }
  if (keyState === 'lost' && entry.refused?.fingerprint === certFingerprint) {
    // The manager still offers the certificate refused when it was issued: asking again would loop every cycle.
    deps.metrics.certificateRefused.set(labels, 1);
    throw new CertificateRefused(`${entry.refused.message} (still offered by the manager; nothing deployed or re-requested until it offers another)`);
  }
  if (keyState === 'ok' && (update.cert !== undefined || update.ca !== undefined)) {
    const ca = bundle ? '' : (update.ca ?? local.ca ?? '');
    const refused = await refusalOf({ certificate: certText, chain: ca }, update.key ?? local.key!, cert ? requestedIdentifiers(cert) : listedIdentifiers(server), cert ? 'the configuration' : 'the manager\'s own list', deps.now());
    if (refused) {
      // Nothing is written, not even a restored key: the old pair stays as it was.
      entry.refused = { fingerprint: certFingerprint, message: refused };
      deps.metrics.certificateRefused.set(labels, 1);
      throw new CertificateRefused(refused);
    }
  }
  if (keyState === 'ok') entry.pairChecked = update.key === undefined ? pairStamp : stampOfPair(update.key);
  if (keyState === 'lost' && !deps.pullOnly) return 'lost'; // re-issued with a new key: nothing half-updated is written
  if (keyState === 'lost') {
    // Pull-only cannot re-issue: a new certificate beside a key it does not pair with would break the server. Keep the old pair.
    delete update.cert;
    delete update.ca;
  }
  const written = await deployFiles(folder, paths, update, deployModes(common));
  if (keyFromPending && update.key !== undefined) await forgetPendingKeys(deps.pendingKeyDir, identity, update.key);
  if (keyState === 'ok') deps.metrics.certificateRefused.set(labels, 0);
  if (written.length) {
    result.changedFiles.push(...written);
    deps.log.info(`deployed ${written.join(', ')}`, fields);
  }
  rememberMetadata(entry, server);
  // In order, nothing downloaded or written: the next cycle only compares the stamp.
  if (keyState === 'ok' && downloaded === undefined && written.length === 0 && stamp !== undefined) entry.deployed = stamp;
  if (keyState === 'lost') throw new Error(`the private key ${paths.key} is missing or does not match the certificate, and no Vault backup pairs with it`);
  return 'ok';
}

/** §6.8: a key that pairs with the certificate: a pending key (an interrupted deploy), else the Vault backup. */
async function restoreKey(deps: SyncDeps, identity: CertificateIdentity, certPem: string): Promise<{ pem: string; fromPending: boolean } | undefined> {
  // A key made for an order that a crash interrupted before it reached the files.
  const pending = await pendingKeyPairingWith(deps.pendingKeyDir, identity, certPem);
  if (pending) {
    deps.log.info('private key recovered from an interrupted deploy', logFields(deps.owner, identity));
    return { pem: pending, fromPending: true }; // forgotten once it is deployed, not before
  }
  if (!deps.vault || !(deps.config.common.certificateBackup || deps.pullOnly)) return undefined;
  const path = vaultBackupPath(deps, identity);
  try {
    const secret = await deps.vault.readSecret(path);
    deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'get', status: 'success' });
    const key = typeof secret?.key === 'string' ? secret.key : undefined;
    if (key && keyPairs(key, certPem)) {
      deps.log.info('private key restored from the Vault backup', logFields(deps.owner, identity));
      return { pem: key, fromPending: false };
    }
    return undefined;
  } catch (err) {
    deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'get', status: 'failed' });
    throw err;
  }
}

/** pre_cmd before anything is applied; false when it failed (then nothing is). */
export async function runPreCommand(deps: SyncDeps): Promise<boolean> {
  const common = deps.config.common;
  if (!common.cmdEnabled || !common.preCmdRun) return true;
  return runCommand(deps, common.preCmdRun, common.preCmdTimeoutMs, []);
}

/** post_cmd once, told which files changed. */
export async function runPostCommand(deps: SyncDeps, result: CycleResult): Promise<void> {
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
