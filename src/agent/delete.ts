// The delete phase: the one deletion planner's decision (deletion-plan.ts) kept and applied.
import type { ManagerCertificate } from '../manager/types.js';
import { certificateId, certificatePaths, identityOf, managerRef } from './config/paths.js';
import { certificateFolder, logFields, metricLabels, type CycleResult, type SyncDeps } from './cycle-context.js';
import { planDeletions, type DeletionFacts } from './deletion-plan.js';
import { removeOrphanFiles } from './cleanup.js';
import { removeFiles } from './deploy-files.js';

/**
 * §6.4 step 3 and `--cleanup` through the one deletion planner: its refusal is this cycle's error,
 * its schedule is kept in the state; returns the certificates to delete now and the files to remove.
 */
export function deletionsDue(deps: SyncDeps, result: CycleResult, orphans: readonly ManagerCertificate[], now: Date, cleanup: DeletionFacts<ManagerCertificate>['cleanup']): { deletes: ManagerCertificate[]; orphanFiles: string[] } {
  const plan = planDeletions({
    orphans: orphans.map((server) => ({ id: certificateId(identityOf(server)), certificate: server })),
    configured: deps.config.certificates.length,
    allowMassDelete: deps.allowMassDelete,
    delayMs: deps.config.common.delayBeforeDeleteMs,
    scheduled: deps.state.pendingDeletes,
    now,
    cleanup,
  });
  if ('refused' in plan) {
    result.errors.push(plan.refused);
    deps.log.error(plan.refused, { owner: deps.owner });
    return { deletes: [], orphanFiles: plan.orphanFiles };
  }
  for (const { id, certificate: server, at } of plan.schedule) {
    deps.state.pendingDeletes[id] = at;
    deps.log.info(`scheduled deletion for ${id} in ${deps.config.common.delayBeforeDelete}`, logFields(deps.owner, identityOf(server)));
  }
  return { deletes: plan.deletes, orphanFiles: plan.orphanFiles };
}

/** `--cleanup`'s removals, after the cycle's changes; a failure is logged, and is not the cycle's error. */
export async function removeOrphans(deps: SyncDeps, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  try {
    for (const path of await removeOrphanFiles(deps.config.common.certificateDir, paths)) deps.log.info(`removed orphan file ${path}`);
  } catch (err) {
    deps.log.error(`cleanup failed: ${(err as Error).message}`);
  }
}

/** Deletes the certificate on the manager, then its files here (certificate_deploy) and what the agent remembers of it. */
export async function deleteCertificate(deps: SyncDeps, result: CycleResult, server: ManagerCertificate): Promise<void> {
  const identity = identityOf(server);
  const id = certificateId(identity);
  await deps.manager.deleteCertificate(managerRef(identity), { revoke: deps.config.common.revokeOnDelete });
  result.deleted++;
  delete deps.state.pendingDeletes[id];
  delete deps.state.certificates[id];
  deps.metrics.certificateOperations.inc({ issuer: server.issuer, operation: 'deleted' });
  deps.log.info('certificate deleted', logFields(deps.owner, identity));
  if (deps.config.common.certificateDeploy) {
    const removed = await removeFiles(certificateFolder(deps.config), certificatePaths(deps.config.common, identity));
    result.changedFiles.push(...removed);
    deps.metrics.metadataMismatch.remove(metricLabels(identity));
    deps.metrics.certificateRefused.remove(metricLabels(identity));
  }
}
