import type { AccountRef } from '../acme/account.js';
import type { PollClock, PollOptions } from '../acme/poll.js';
import type { AcmeClient } from '../acme/client.js';
import {
  deactivateAuthorization, fetchAuthorization, pollAuthorizationUntilSettled, respondToChallenge, type AuthorizationRef,
} from '../acme/authorization.js';
import { downloadCertificate } from '../acme/certificate.js';
import { createOrder, finalizeOrder, orderFailure, pollOrderUntilReady, pollOrderUntilSettled, type OrderRef } from '../acme/order.js';
import { AcmeProblemError } from '../acme/problem.js';
import type { ChallengeSolver, ChallengeTask, ChallengeType } from '../acme/solver.js';
import type { Challenge, Identifier } from '../acme/types.js';
import { AcmecliError, BadResponseError, UsageError } from '../errors.js';
import { challengeTask, isKnownChallengeType, typesAllowedFor } from './challenge-tasks.js';
import { checkChallengeTokens, checkOrderIdentifiers, requestedIdentifierOf } from './ca-answers.js';
import { choosePreferredChain } from './preferred-chain.js';

export type IssuanceStep = 'order' | 'authorization' | 'challenge' | 'waiting' | 'validation' | 'valid' | 'finalize' | 'download' | 'done';

export interface ObtainEvents {
  onStep?(identifier: string, step: IssuanceStep, detail?: string): void;
  /** Something the user should know that is not a failure (an unmatched --preferred-chain). */
  onWarning?(message: string): void;
  /** The order exists at the CA: record it, so a crash leaves a trace. */
  onOrderCreated?(orderUrl: string): void;
}

export interface ObtainRequest {
  client: AcmeClient;
  account: AccountRef;
  thumbprint: string;
  identifiers: Identifier[];
  /** The CSR, or its promise: made while the challenges run, it is only needed at finalize. */
  csrDer: Uint8Array | Promise<Uint8Array>;
  solvers: readonly ChallengeSolver[];
  /** `--challenge`: limits and orders the types; empty means every type a solver supports, in the solvers' order. */
  challengeTypes?: readonly ChallengeType[];
  profile?: string;
  notAfter?: string;
  replaces?: string;
  /** Issuer CN of the chain's top certificate to prefer among alternates. */
  preferredChain?: string;
  /** Reads the top issuer CN of a PEM chain (src/certs), injected to keep this flow free of X.509 parsing. */
  topIssuerName?: (chainPem: string) => string | undefined;
  /**
   * The check the chain kept must pass (key, names, dates: src/certs), injected like topIssuerName; it throws
   * when a chain fails. A preferred alternate that fails it is passed over for the default chain.
   */
  checkChain?: (chainPem: string) => void;
  events?: ObtainEvents;
  signal?: AbortSignal;
  /** The clock the CA is polled on (Retry-After, the schedule, the budget); the system's unless a test sets one. */
  pollClock?: PollClock;
}

export interface SolvedChallenge {
  identifier: string;
  type: ChallengeType | 'already-valid';
  solver: string;
}

export interface ObtainResult {
  orderUrl: string;
  certificateUrl: string;
  chainPem: string;
  /** The issuer name of the chain chosen (preferred chain), when known. */
  chainIssuer?: string;
  challenges: SolvedChallenge[];
}

/**
 * One certificate, end to end (RFC 8555 §7.4): order, authorizations answered in
 * parallel, finalize, poll, download, alternate chain. Solvers are cleaned up
 * whatever happens; authorizations left pending after a failure are deactivated.
 * Throws ACME_PROBLEM naming the identifier when a validation fails.
 */
export async function obtainCertificate(req: ObtainRequest): Promise<ObtainResult> {
  const step = (identifier: string, s: IssuanceStep, detail?: string) => req.events?.onStep?.(identifier, s, detail);
  const all = req.identifiers.map((i) => i.value).join(', ');
  step(all, 'order');
  const created = await createOrder(req.client, req.account, {
    identifiers: req.identifiers,
    ...(req.notAfter ? { notAfter: req.notAfter } : {}),
    ...(req.replaces ? { replaces: req.replaces } : {}),
    ...(req.profile ? { profile: req.profile } : {}),
  });
  req.events?.onOrderCreated?.(created.url);
  if (created.order.status === 'invalid') throw orderFailure(created);
  checkOrderIdentifiers(created.order, req.identifiers, created.url);

  const sameName = answeringBarrier(req.identifiers, created.order.authorizations.length);
  const outcomes = await Promise.allSettled(created.order.authorizations.map((url) => authorize(req, url, step, sameName)));
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failures.length > 0) {
    // Authorizations still pending would linger at the CA; give them up (RFC 8555 §7.5.2).
    await Promise.allSettled(outcomes.map((o, i) => (o.status === 'fulfilled' ? undefined : deactivateQuietly(req, created.order.authorizations[i]!))));
    throw failures[0]!.reason;
  }
  const challenges = outcomes.map((o) => (o as PromiseFulfilledResult<SolvedChallenge>).value);

  step(all, 'finalize');
  let order: OrderRef;
  try {
    order = await finalizeOrder(req.client, req.account, created, await req.csrDer);
  } catch (err) {
    // orderNotReady: a CA that is slow to notice the last authorization; wait (bounded) until it is ready.
    if (!(err instanceof AcmeProblemError && err.is('orderNotReady'))) throw err;
    const settled = await pollOrderUntilReady(req.client, req.account, created.url, { ...pollOptions(req), deadlineMs: 30_000 });
    order = await finalizeOrder(req.client, req.account, settled, await req.csrDer);
  }
  order = await pollOrderUntilSettled(req.client, req.account, order, pollOptions(req));
  if (order.order.status !== 'valid' || !order.order.certificate) {
    if (order.order.status === 'invalid') throw orderFailure(order);
    throw new BadResponseError(`order ${order.url} is ${order.order.status} after finalize, with no certificate`);
  }

  step(all, 'download');
  const chain = await choosePreferredChain(await downloadCertificate(req.client, req.account, order.order.certificate), {
    preferred: req.preferredChain,
    topIssuerName: req.topIssuerName,
    check: req.checkChain,
    download: (url) => downloadCertificate(req.client, req.account, url),
    onWarning: req.events?.onWarning,
  });
  step(all, 'done');
  return {
    orderUrl: created.url,
    certificateUrl: order.order.certificate,
    chainPem: chain.pem,
    ...(chain.issuer ? { chainIssuer: chain.issuer } : {}),
    challenges,
  };
}

async function authorize(req: ObtainRequest, url: string, step: (i: string, s: IssuanceStep, d?: string) => void, sameName: AnsweringBarrier): Promise<SolvedChallenge> {
  let identifier: Identifier;
  let fetched: AuthorizationRef;
  let wildcard: boolean;
  try {
    fetched = await fetchAuthorization(req.client, req.account, url);
    // From here on the name is ours (as requested), never the CA's spelling of it.
    ({ identifier, wildcard } = requestedIdentifierOf(fetched.authorization, req.identifiers, url));
  } catch (err) {
    sameName.releaseAll(); // whose name this was is unknown: nobody waits for it
    throw err;
  }
  // Counted once per authorization, however often it is asked (today a failed challenge ends the authorization,
  // so it is asked once; a retry of another challenge must not count twice and release the other name early).
  let arrived: Promise<void> | undefined;
  const ready = () => (arrived ??= sameName.ready(identifier.value, () => {
    step(wildcard ? `*.${identifier.value}` : identifier.value, 'waiting', `for the other record at _acme-challenge.${identifier.value}`);
  }));
  let finished: Promise<void> | undefined;
  const settle = () => {
    // Finished with the record means publishing nothing more for the name either: an authorization that failed
    // before it was ready (its record never showed up) must not keep the twin waiting to answer while it waits
    // for that twin to settle, or each waits for the other for ever.
    arrived ??= sameName.ready(identifier.value);
    return (finished ??= sameName.settled(identifier.value));
  };
  try {
    return await answer(req, url, step, fetched, identifier, wildcard, ready, settle);
  } finally {
    if (!arrived) void ready();
    if (!finished) void settle();
  }
}

async function answer(
  req: ObtainRequest, url: string, step: (i: string, s: IssuanceStep, d?: string) => void,
  fetched: AuthorizationRef, identifier: Identifier, wildcard: boolean, readyToAnswer: () => Promise<void>,
  othersSettled: () => Promise<void>,
): Promise<SolvedChallenge> {
  const a = { ...fetched.authorization, identifier, wildcard };
  const authz: AuthorizationRef = { ...fetched, authorization: a };
  const name = wildcard ? `*.${identifier.value}` : identifier.value;
  step(name, 'authorization');
  if (a.status === 'valid') {
    step(name, 'valid', 'already valid');
    return { identifier: name, type: 'already-valid', solver: 'none' };
  }
  if (a.status !== 'pending') throw new AcmeProblemError({ type: 'urn:ietf:params:acme:error:unauthorized', detail: `authorization for ${name} is ${a.status}`, status: 403 }, { method: 'POST', url });

  checkChallengeTokens(a, name, url);
  const tried: string[] = [];
  for (const { challenge, solver } of candidates(req, authz)) {
    const meta = challenge.type === 'dns-persist-01' ? (await req.client.directory()).meta : undefined;
    const task = challengeTask(challenge, a, req.thumbprint, req.account.url, meta);
    step(name, 'challenge', `${challenge.type} via ${solver.name}`);
    const signal = req.signal ?? new AbortController().signal;
    const outcome = await solver.begin(task, signal);
    if (outcome === 'declined') {
      tried.push(`${solver.name} declined ${challenge.type}`);
      continue;
    }
    let result: 'done' | 'failed' = 'failed';
    try {
      await solver.waitUntilReady?.(task, signal);
      await readyToAnswer();
      step(name, 'validation', challenge.type);
      const fetched = solver.answerFetched?.(task);
      const answered = await respondToChallenge(req.client, req.account, challenge);
      const settled = await pollAuthorizationUntilSettled(req.client, req.account, url, {
        ...pollOptions(req),
        ...(answered.retryAfterMs !== undefined ? { firstRetryAfterMs: answered.retryAfterMs } : {}),
        ...(fetched ? { firstPollAfter: fetched } : {}),
      });
      if (settled.authorization.status !== 'valid') throw validationFailure(name, challenge.type, settled, url);
      result = 'done';
      step(name, 'valid', challenge.type);
      return { identifier: name, type: challenge.type, solver: solver.name };
    } finally {
      // The record may share its name with the twin's, which the CA may still be checking: a hook that clears
      // every TXT at the name on `done` (as most do) must not be called before the twin is settled too.
      await othersSettled();
      await endQuietly(solver, task, result);
    }
  }
  const offered = a.challenges.map((c) => c.type).join(', ') || 'none';
  const why = tried.length ? ` (${tried.join('; ')})` : '';
  throw new UsageError(`no solver could answer for ${name}: the CA offers ${offered}; allowed here: ${allowedTypes(req, a).join(', ') || 'none'}${why}`);
}

interface AnsweringBarrier {
  /**
   * This authorization publishes nothing more for `name`: resolves once no other authorization of the order does.
   * `onHeld` is called at once when another one still does, so the wait is shown (its hook may be slow).
   */
  ready(name: string, onHeld?: () => void): Promise<void>;
  /**
   * This authorization is finished with the record at `name`: resolves once every authorization of the order
   * for `name` is (so the shared record is cleaned up only once no validation can still read it).
   */
  settled(name: string): Promise<void>;
  /** An authorization failed before its name was known: nobody waits any more. */
  releaseAll(): void;
}

/**
 * A name and its wildcard are answered at one TXT name (_acme-challenge.NAME), by authorizations that run in
 * parallel. The CA is told to look at either only once both records are published (as lego and certbot do):
 * told at once, the CA's resolver could answer the second validation with what it fetched for the first
 * (an answer still in flight, or cached), without the second value, and that validation fails. Keyed by
 * the name without `*.`; a name requested once waits for nothing, and once every authorization is
 * ready (or failed) nobody waits. Likewise neither record is cleaned up (the solver's `done`/`failed`) until
 * both validations are over: most DNS hooks and APIs remove every TXT at the name.
 */
function answeringBarrier(identifiers: readonly Identifier[], authorizations: number): AnsweringBarrier {
  const key = (value: string) => value.replace(/^\*\./, '').toLowerCase();
  const sizes = new Map<string, number>();
  for (const { value } of identifiers) sizes.set(key(value), (sizes.get(key(value)) ?? 0) + 1);
  // Two gates per name: every record published (ready), then every validation over (settled).
  const gates = { ready: new Map<string, Gate>(), settled: new Map<string, Gate>() };
  for (const [name, size] of sizes) {
    gates.ready.set(name, new Gate(size));
    gates.settled.set(name, new Gate(size));
  }
  const openAll = (which: Map<string, Gate>) => {
    for (const gate of which.values()) gate.open();
  };
  // A CA whose authorizations do not pair up as the names do must not leave one waiting for ever.
  const counts = { ready: 0, settled: 0 };
  const pass = (which: 'ready' | 'settled', name: string, onHeld?: () => void): Promise<void> => {
    const gate = gates[which].get(key(name));
    gate?.arrive();
    if (++counts[which] >= authorizations) openAll(gates[which]);
    if (!gate) return Promise.resolve();
    if (!gate.isOpen) onHeld?.();
    return gate.opened;
  };
  return {
    ready: (name, onHeld) => pass('ready', name, onHeld),
    settled: (name) => pass('settled', name),
    releaseAll: () => {
      openAll(gates.ready);
      openAll(gates.settled);
    },
  };
}

/** Opens once `size` parties have arrived (or when opened early); stays open. */
class Gate {
  isOpen = false;
  readonly opened: Promise<void>;
  #left: number;
  #resolve = () => {};

  constructor(size: number) {
    this.#left = size;
    this.opened = new Promise<void>((resolve) => (this.#resolve = resolve));
  }

  arrive(): void {
    if (--this.#left <= 0) this.open();
  }

  open(): void {
    this.isOpen = true;
    this.#resolve();
  }
}

/** Solvers in the user's order; with --challenge, types in that order first. An already-failed type is never retried. */
function* candidates(req: ObtainRequest, authz: AuthorizationRef): Generator<{ challenge: Challenge & { type: ChallengeType }; solver: ChallengeSolver }> {
  const a = authz.authorization;
  const allowed = allowedTypes(req, a);
  const offered = a.challenges.filter((c): c is Challenge & { type: ChallengeType } => isKnownChallengeType(c.type) && allowed.includes(c.type as ChallengeType) && c.status !== 'invalid');
  if (req.challengeTypes?.length) {
    for (const type of req.challengeTypes) {
      const challenge = offered.find((c) => c.type === type);
      if (!challenge) continue;
      for (const solver of req.solvers) if (solver.canAnswer(challenge.type, a.identifier)) yield { challenge, solver };
    }
    return;
  }
  for (const solver of req.solvers) {
    for (const challenge of offered) if (solver.canAnswer(challenge.type, a.identifier)) yield { challenge, solver };
  }
}

function allowedTypes(req: ObtainRequest, a: { identifier: Identifier; wildcard?: boolean }): ChallengeType[] {
  const byIdentifier = typesAllowedFor(a.identifier, Boolean(a.wildcard));
  return req.challengeTypes?.length ? req.challengeTypes.filter((t) => byIdentifier.includes(t)) : byIdentifier;
}

function validationFailure(name: string, type: string, settled: AuthorizationRef, url: string): AcmecliError {
  const failed = settled.authorization.challenges.find((c) => c.type === type && c.error) ?? settled.authorization.challenges.find((c) => c.error);
  const problem = failed?.error ?? { type: 'urn:ietf:params:acme:error:unauthorized', detail: `authorization is ${settled.authorization.status}` };
  const err = new AcmeProblemError(problem, { method: 'POST', url });
  err.message = `${type} for ${name} failed: ${err.message}`;
  return err;
}

async function endQuietly(solver: ChallengeSolver, task: ChallengeTask, outcome: 'done' | 'failed'): Promise<void> {
  try {
    await solver.end(task, outcome);
  } catch {
    // Cleanup failing must not hide the result; the solver reports its own warnings.
  }
}

async function deactivateQuietly(req: ObtainRequest, url: string): Promise<void> {
  try {
    const current = await fetchAuthorization(req.client, req.account, url);
    if (current.authorization.status === 'pending') await deactivateAuthorization(req.client, req.account, url);
  } catch {
    // Best effort: the CA expires pending authorizations on its own.
  }
}

function pollOptions(req: ObtainRequest): PollOptions {
  return { ...(req.signal ? { signal: req.signal } : {}), ...(req.pollClock ? { now: req.pollClock.now, sleep: req.pollClock.sleep } : {}) };
}

