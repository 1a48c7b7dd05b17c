import type { ChallengeSolver, ChallengeType } from '../acme/solver.js';
import type { Directory } from '../acme/types.js';
import { UsageError } from '../errors.js';
import type { LineageConfig } from '../state/lineage-store.js';
import { typesAllowedFor } from './challenge-tasks.js';

/**
 * What `cert issue` can refuse before the CA sees an order, decided from the lineage's settings:
 * every identifier must be provable by some allowed challenge type with some solver, or the order
 * could only fail. No solver at all is let through: a CA that pre-authorised the names needs none,
 * and the order flow says so if one was needed after all.
 *
 * @throws UsageError naming the identifier and what it needs.
 */
export function checkSolversCoverIdentifiers(config: Pick<LineageConfig, 'identifiers' | 'challengeTypes'>, solvers: readonly Pick<ChallengeSolver, 'canAnswer'>[]): void {
  for (const identifier of config.identifiers) {
    const wildcard = identifier.value.startsWith('*.');
    const base = { type: identifier.type, value: wildcard ? identifier.value.slice(2) : identifier.value };
    const byIdentifier = typesAllowedFor(base, wildcard);
    const allowed = config.challengeTypes.length ? (config.challengeTypes as ChallengeType[]).filter((t) => byIdentifier.includes(t)) : byIdentifier;
    if (allowed.length === 0) {
      const need = wildcard ? 'a wildcard needs a DNS challenge (dns-01, dns-account-01, dns-persist-01)' : 'an IP address needs http-01 or tls-alpn-01 (RFC 8738)';
      throw new UsageError(`${identifier.value}: ${need}, and --challenge allows only ${config.challengeTypes.join(', ')}`);
    }
    if (solvers.length === 0) continue;
    if (!allowed.some((type) => solvers.some((solver) => solver.canAnswer(type, base)))) {
      const need = wildcard ? 'a wildcard needs a DNS challenge: pass --dns PROVIDER, --hook (dns-01) or --dns-persist' : identifier.type === 'ip' ? 'an IP address needs http-01 or tls-alpn-01' : `none of the solvers answers ${allowed.join(', ')}`;
      throw new UsageError(`${identifier.value}: ${need}`);
    }
  }
}

/**
 * `--profile NAME` must be one the CA's directory offers (draft-ietf-acme-profiles).
 *
 * @throws UsageError naming what the CA offers.
 */
export function checkProfileOffered(directory: Directory, directoryUrl: string, profile: string): void {
  const profiles = directory.meta?.profiles;
  if (!profiles || Object.keys(profiles).length === 0) throw new UsageError(`${directoryUrl} offers no ACME profiles, so --profile ${profile} cannot be used`);
  if (!(profile in profiles)) throw new UsageError(`${directoryUrl} has no profile ${JSON.stringify(profile)}; it offers ${Object.keys(profiles).join(', ')}`);
}
