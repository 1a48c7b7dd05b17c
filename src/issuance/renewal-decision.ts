import { renewalTimeFromAri, renewalTimeFromWindow, parseRenewDays } from '../certs/renewal-time.js';
import type { LineageRecord, LineageVersion } from '../state/lineage-store.js';

export interface RenewalDecision {
  isDue: boolean;
  renewAt: Date;
  /** What set renewAt: the CA's ARI window, or the local renewal window. */
  basis: 'ari' | 'window' | 'no-certificate' | 'revoked';
  /** Set when an ARI check is due now (the caller asks the CA, then decides again). */
  shouldCheckAri: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Whether a lineage is due, without the network: a stored ARI window (RFC 9773)
 * wins while it is fresh; otherwise the `--renew-days` window, at a point stable
 * for the certificate (see renewalTimeFromWindow). `shouldCheckAri` says the CA
 * supports ARI and the stored answer is missing or past its Retry-After.
 */
export function decideRenewal(record: LineageRecord, now: Date, ariSupported: boolean): RenewalDecision {
  const current = currentVersion(record);
  if (!current) return { isDue: true, renewAt: now, basis: 'no-certificate', shouldCheckAri: false };
  // A revoked certificate in service is an outage waiting for the first client that checks: replace it now.
  if (current.revoked) return { isDue: true, renewAt: now, basis: 'revoked', shouldCheckAri: false };
  const canAri = ariSupported && Boolean(current.ariCertId);
  const stored = record.ari && record.ari.certId === current.ariCertId ? record.ari : undefined;
  const shouldCheckAri = canAri && (!stored || Date.parse(stored.nextCheckAt) <= now.getTime());
  if (stored) {
    const renewAt = new Date(stored.renewAt);
    return { isDue: renewAt.getTime() <= now.getTime(), renewAt, basis: 'ari', shouldCheckAri };
  }
  const renewAt = renewalTimeFromWindow({
    notBefore: new Date(current.notBefore),
    notAfter: new Date(current.notAfter),
    renewDays: parseRenewDays(record.config.renewDays),
    seed: current.sha256,
  });
  return { isDue: renewAt.getTime() <= now.getTime(), renewAt, basis: 'window', shouldCheckAri };
}

/**
 * Records an ARI answer: a uniformly random moment in the window (RFC 9773
 * §4.2), kept while the window stays the same so cron runs agree; the next
 * check after Retry-After (default 6 hours, bounded to [1 minute, 1 day]).
 */
export function recordAriAnswer(record: LineageRecord, certId: string, window: { start: Date; end: Date; explanationURL?: string | undefined }, retryAfterMs: number | undefined, now: Date, random: () => number = Math.random): void {
  const sameWindow = record.ari && record.ari.certId === certId && record.ari.windowStart === window.start.toISOString() && record.ari.windowEnd === window.end.toISOString();
  const renewAt = sameWindow ? record.ari!.renewAt : renewalTimeFromAri({ start: window.start, end: window.end, random: random() }).toISOString();
  const waitMs = Math.min(Math.max(retryAfterMs ?? 6 * 3_600_000, 60_000), DAY_MS);
  record.ari = {
    certId,
    windowStart: window.start.toISOString(),
    windowEnd: window.end.toISOString(),
    renewAt,
    nextCheckAt: new Date(now.getTime() + waitMs).toISOString(),
    ...(window.explanationURL ? { explanationURL: window.explanationURL } : {}),
  };
}

/** Why a run issues: what the outcome's `basis` says. */
export type IssueBasis = 'new' | 'changed' | 'forced' | 'ari' | 'window' | 'revoked';

/** What a locked run does with a lineage, before any network but the ARI question. */
export type RunDecision =
  | { action: 'issue'; basis: IssueBasis }
  | { action: 'not-due'; decision: RenewalDecision }
  /** `cert renew`: ask the CA's renewalInfo (RFC 9773), record the answer, then decide again with `ariAsked`. */
  | { action: 'ask-ari' }
  | { action: 'dry-run' };

export interface RunFacts {
  /** `cert issue` (new or changed settings) or `cert renew`. */
  kind: 'issue' | 'renew';
  /** As it will be issued from: for `cert issue`, with the new settings. */
  record: LineageRecord;
  now: Date;
  force: boolean;
  dryRun: boolean;
  /** `cert issue` only: the settings changed in a way only a new certificate shows (names, key type…). */
  needsNewCertificate: boolean;
  /** The lineage's CA offers renewalInfo (as last seen). */
  ariSupported: boolean;
  /** The CA was asked this run: decide with what it said. */
  ariAsked: boolean;
}

/**
 * The decision of a run under the lineage's lock, pure: `cert issue` issues a new lineage, one whose
 * settings need a new certificate, or with --force, and otherwise only when due (ARI is not asked:
 * the person is there to see it); `cert renew` runs the dry run, issues with --force, else asks ARI
 * when its stored answer is missing or stale, then issues when due.
 */
export function decideRun(facts: RunFacts): RunDecision {
  const { record, now } = facts;
  if (facts.kind === 'issue') {
    if (!currentVersion(record)) return { action: 'issue', basis: 'new' };
    if (facts.needsNewCertificate) return { action: 'issue', basis: 'changed' };
    if (facts.force) return { action: 'issue', basis: 'forced' };
    const decision = decideRenewal(record, now, false);
    if (!decision.isDue) return { action: 'not-due', decision };
    return { action: 'issue', basis: decision.basis === 'no-certificate' ? 'new' : decision.basis };
  }
  if (facts.dryRun) return { action: 'dry-run' };
  if (facts.force) return { action: 'issue', basis: 'forced' };
  const decision = decideRenewal(record, now, facts.ariSupported || facts.ariAsked);
  if (decision.shouldCheckAri && !facts.ariAsked) return { action: 'ask-ari' };
  if (!decision.isDue) return { action: 'not-due', decision };
  return { action: 'issue', basis: decision.basis === 'no-certificate' ? 'new' : decision.basis };
}

export function currentVersion(record: LineageRecord): LineageVersion | undefined {
  return record.versions.find((v) => v.number === record.current);
}

/** RFC 5280 keyCompromise: the next version must not reuse the key, whatever --reuse-key says. */
export const KEY_COMPROMISE = 1;

/** Records that a version was revoked (`cert revoke`); when it is the current one, the lineage is due at once. */
export function markRevoked(record: LineageRecord, number: number, reason: number | undefined, at: Date): void {
  const version = record.versions.find((v) => v.number === number);
  if (version) version.revoked = { at: at.toISOString(), reason: reason ?? null };
}

/** `revoked` when the certificate in service was revoked, `failed` when the last run failed, else `ok`. */
export function lineageStatus(record: LineageRecord): 'ok' | 'failed' | 'revoked' {
  if (currentVersion(record)?.revoked) return 'revoked';
  return record.lastResult && !record.lastResult.ok ? 'failed' : 'ok';
}
