import { createHash } from 'node:crypto';
import { CHALLENGE_TYPES, type ChallengeTask, type ChallengeType } from '../acme/solver.js';
import type { Authorization, Challenge } from '../acme/types.js';
import { dnsAccountRecordName } from '../dns/dns-account.js';

export function isKnownChallengeType(type: string): type is ChallengeType {
  return (CHALLENGE_TYPES as readonly string[]).includes(type);
}

/**
 * What a solver needs to answer `challenge`: RFC 8555 §8.1 key authorization, and
 * for DNS types the record to publish: §8.4 `_acme-challenge.<domain>` with
 * base64url(SHA-256(key authorization)); dns-account-01 the same value under the
 * account-scoped name of draft-ietf-acme-dns-account-label.
 */
export function challengeTask(challenge: Challenge & { type: ChallengeType }, authorization: Authorization, thumbprint: string, accountUrl: string, directoryMeta?: Readonly<Record<string, unknown>>): ChallengeTask {
  const token = typeof challenge.token === 'string' ? challenge.token : '';
  const keyAuthorization = token ? `${token}.${thumbprint}` : '';
  const domain = authorization.identifier.value;
  const task: ChallengeTask = {
    type: challenge.type,
    identifier: authorization.identifier,
    token,
    keyAuthorization,
    wildcard: Boolean(authorization.wildcard),
  };
  const digest = () => createHash('sha256').update(keyAuthorization).digest('base64url');
  if (challenge.type === 'dns-01') task.txt = { name: `_acme-challenge.${domain}`, value: digest() };
  if (challenge.type === 'dns-account-01') task.txt = { name: dnsAccountRecordName(domain, accountUrl).replace(/\.$/, ''), value: digest() };
  if (challenge.type === 'dns-persist-01') {
    // Outside input: only short printable strings are kept; the pre-check compares, never builds, with them.
    const names = challenge['issuer-domain-names'];
    const issuerDomainNames = Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && /^[a-z0-9.-]{1,253}$/i.test(n)) : [];
    const prefix = directoryMeta?.['accountHashPrefix'];
    task.persist = { issuerDomainNames, accountUrl, thumbprint, ...(typeof prefix === 'string' && prefix.length <= 512 ? { accountHashPrefix: prefix } : {}) };
  }
  return task;
}

/** Which challenge types can prove which identifiers: wildcards only by DNS (RFC 8555 §7.1.3), IPs never by DNS (RFC 8738 §7). */
export function typesAllowedFor(identifier: { type: string; value: string }, wildcard: boolean): ChallengeType[] {
  if (identifier.type === 'ip') return ['http-01', 'tls-alpn-01'];
  if (wildcard) return ['dns-01', 'dns-account-01', 'dns-persist-01'];
  return [...CHALLENGE_TYPES];
}
