/**
 * What a served certificate means for its lineage (`cert check`). Pure: the
 * caller fetched the certificate and read the lineage.
 */
export type ServeState = 'ok' | 'stale' | 'foreign' | 'expiring' | 'expired' | 'unreachable';

export interface KnownVersion {
  number: number;
  sha256: string;
  notBefore: string;
  notAfter: string;
}

export interface ServedFacts {
  /** sha256 of the served leaf's DER, lowercase hex; absent when nothing could be read. */
  sha256?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Why nothing could be read. */
  unreachableReason?: string;
}

export interface ServeVerdict {
  state: ServeState;
  /** The lineage version served, when it is one of ours. */
  version?: number;
  /** Days until the served certificate's notAfter (negative once expired). */
  daysLeft?: number;
  /** The warning threshold that applied, in days. */
  warnDays?: number;
  detail: string;
}

const DAY_MS = 86_400_000;

/**
 * Decides the state, most severe first: a certificate that cannot be read is
 * `unreachable`; one past its notAfter is `expired` whoever issued it; one not
 * issued to this lineage is `foreign`; an older version is `stale` (the server
 * was not reloaded after a renewal); the current version within `warnDays` of
 * its end is `expiring` (renewal is not happening); otherwise `ok`.
 * `warnDays` defaults to a third of the served certificate's lifetime.
 */
export function judgeServedCertificate(served: ServedFacts, versions: readonly KnownVersion[], current: number | undefined, now: Date, warnDays?: number): ServeVerdict {
  if (!served.sha256 || !served.notAfter || !served.notBefore) return { state: 'unreachable', detail: served.unreachableReason ?? 'no certificate was read' };
  const msLeft = served.notAfter.getTime() - now.getTime();
  const daysLeft = Math.round((msLeft / DAY_MS) * 100) / 100;
  const lifetimeDays = (served.notAfter.getTime() - served.notBefore.getTime()) / DAY_MS;
  const threshold = warnDays ?? Math.round((lifetimeDays / 3) * 100) / 100;
  const version = versions.find((v) => v.sha256.toLowerCase() === served.sha256!.toLowerCase());
  const base = { daysLeft, warnDays: threshold, ...(version ? { version: version.number } : {}) };
  if (msLeft <= 0) return { ...base, state: 'expired', detail: `the served certificate expired ${served.notAfter.toISOString()}` };
  if (!version) return { ...base, state: 'foreign', detail: `the served certificate (sha256 ${served.sha256.slice(0, 16)}…) is not one this lineage issued` };
  if (version.number !== current) return { ...base, state: 'stale', detail: `version ${version.number} is served, the current one is ${current ?? 'none'}: reload the server` };
  if (daysLeft <= threshold) return { ...base, state: 'expiring', detail: `${daysLeft} days left, within the ${threshold}-day warning` };
  return { ...base, state: 'ok', detail: `version ${version.number}, ${daysLeft} days left` };
}
