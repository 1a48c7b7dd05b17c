import type { Identifier } from './types.js';

/** Challenge types acmecli can answer (RFC 8555 §8.3, §8.4; RFC 8737; the dns-persist and dns-account drafts). */
export const CHALLENGE_TYPES = ['http-01', 'dns-01', 'tls-alpn-01', 'dns-persist-01', 'dns-account-01'] as const;
export type ChallengeType = (typeof CHALLENGE_TYPES)[number];

/** One challenge to answer, with everything a solver needs already computed. */
export interface ChallengeTask {
  type: ChallengeType;
  identifier: Identifier;
  /** RFC 8555 §8.1; empty for dns-persist-01, which has no token. */
  token: string;
  /** `token.thumbprint` (RFC 8555 §8.1). */
  keyAuthorization: string;
  /** dns-01 and dns-account-01: the record to publish. */
  txt?: { name: string; value: string };
  /** Whether the authorization is for a wildcard (the identifier then has no `*.`). */
  wildcard: boolean;
  /** dns-persist-01: what the persistent record must name (draft-ietf-acme-dns-persist). */
  persist?: {
    /** The challenge's `issuer-domain-names`; empty when the CA sent none. */
    issuerDomainNames: string[];
    accountUrl: string;
    thumbprint: string;
    /** The directory's `meta.accountHashPrefix` (draft 02), when it has one. */
    accountHashPrefix?: string;
  };
}

export type BeginOutcome = 'accepted' | 'declined';

/**
 * Something that can make a challenge pass: a web server, a hook, a DNS record.
 * Shaped after acmez's solver (present, clean up, optional wait) and uacme's hook
 * (begin / done / failed, a non-zero begin declines).
 */
export interface ChallengeSolver {
  /** 'http-standalone', 'webroot', 'hook'…: shown in errors and --json. */
  readonly name: string;
  /**
   * Whether it can answer this type of challenge for this identifier (a wildcard's base name), asked
   * before any order to refuse a command that could only fail, and again for each challenge a CA offers.
   */
  canAnswer(type: ChallengeType, identifier: Identifier): boolean;
  /**
   * Check what can be checked before any order is placed (bind the listening socket,
   * find the hook program, see that the webroot is writable), so a mistake costs
   * nothing at the CA. Idempotent; throws a one-line error (usually UsageError).
   */
  prepare?(): Promise<void>;
  /** Make the challenge answerable. 'declined' lets the next solver or type try. */
  begin(task: ChallengeTask, signal: AbortSignal): Promise<BeginOutcome>;
  /** For DNS: wait until the record is visible, so the CA does not look too early. */
  waitUntilReady?(task: ChallengeTask, signal: AbortSignal): Promise<void>;
  /**
   * For a solver that serves the answer itself (http-standalone): settles once the CA has fetched
   * this task's answer, after `begin`. The first poll of the authorization waits for it, so it does
   * not ask while the CA has not even looked. May never settle (the CA did not fetch from here):
   * the poll schedule bounds that wait.
   */
  answerFetched?(task: ChallengeTask): Promise<void>;
  /** Always called after a begin that was accepted, in `finally`. */
  end(task: ChallengeTask, outcome: 'done' | 'failed'): Promise<void>;
  /** Release shared resources (listening sockets) once the whole run is over. */
  close?(): Promise<void>;
}
