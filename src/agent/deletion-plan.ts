/**
 * What the agent deletes this cycle, decided in one pure function, whichever path asks (the sync
 * cycle, `--cleanup`).
 *
 * On the manager (manager-contract.md §6.4 step 3): the certificates the manager lists for this
 * owner and the configuration no longer has, held back by two guards. The mass-delete floor: more
 * than half of the owner's certificates at once is refused without --allow-mass-delete (an empty or
 * truncated configuration, a template tool writing in place, must not delete a host's
 * certificates). The delay: with `delay_before_delete`, a certificate is first scheduled, and
 * deleted by the first cycle after its time, unless it came back to the configuration meanwhile.
 *
 * In `certificate_dir` (`--cleanup`, §6.10): the certificate files whose certificate is neither
 * configured nor on the manager's list (its whole list, refused entries too: what is refused is not
 * deleted here either). The files of a certificate held back by a guard are still listed, so kept.
 */
export interface DeletionFacts<T> {
  /** On the manager, not in the configuration, each with its certificate id. */
  orphans: readonly { id: string; certificate: T }[];
  /** How many certificates the configuration holds. */
  configured: number;
  allowMassDelete: boolean;
  /** `delay_before_delete`; 0 deletes at once. */
  delayMs: number;
  /** Deletions scheduled by earlier cycles: certificate id → when (ISO 8601). */
  scheduled: Readonly<Record<string, string>>;
  now: Date;
  /**
   * `--cleanup` this cycle: the certificate files found in certificate_dir, each with every certificate id
   * its path can name (`le/shop.example.ca.crt` is the `.crt` of `le/shop.example.ca` or the `.ca.crt` of `le/shop.example`).
   */
  cleanup?: {
    files: readonly { ids: readonly string[]; path: string }[];
    configuredIds: ReadonlySet<string>;
    listedIds: ReadonlySet<string>;
  } | undefined;
}

export type DeletionPlan<T> = {
  /** Remove these files (none unless `cleanup` was given). */
  orphanFiles: string[];
} & (
  | { refused: string }
  | {
      /** Delete these now. */
      deletes: T[];
      /** Schedule these: not deleted before `at`. */
      schedule: { id: string; certificate: T; at: string }[];
    }
);

export function planDeletions<T>(facts: DeletionFacts<T>): DeletionPlan<T> {
  const { cleanup } = facts;
  // A file stays when any certificate it could belong to is configured or listed: never remove a live file on a guess.
  const orphanFiles = cleanup ? cleanup.files.filter((f) => !f.ids.some((id) => cleanup.configuredIds.has(id) || cleanup.listedIds.has(id))).map((f) => f.path) : [];
  return { orphanFiles, ...planManagerDeletions(facts) };
}

function planManagerDeletions<T>(facts: DeletionFacts<T>): { refused: string } | { deletes: T[]; schedule: { id: string; certificate: T; at: string }[] } {
  const { orphans } = facts;
  if (orphans.length === 0) return { deletes: [], schedule: [] };
  const total = orphans.length + facts.configured;
  if (!facts.allowMassDelete && orphans.length * 2 > Math.max(total, 1)) {
    return { refused: `refusing to delete ${orphans.length} certificates (more than half of this owner's) in one cycle: check the configuration, or pass --allow-mass-delete` };
  }
  const deletes: T[] = [];
  const schedule: { id: string; certificate: T; at: string }[] = [];
  for (const { id, certificate } of orphans) {
    if (facts.delayMs > 0) {
      const at = facts.scheduled[id];
      if (at === undefined) {
        schedule.push({ id, certificate, at: new Date(facts.now.getTime() + facts.delayMs).toISOString() });
        continue;
      }
      if (Date.parse(at) > facts.now.getTime()) continue;
    }
    deletes.push(certificate);
  }
  return { deletes, schedule };
}
