import { BadResponseError } from '../errors.js';
import { accountSigner, type AccountRef } from './account.js';
import type { AcmeClient } from './client.js';
import { pollDelayMs, sleep } from './retry.js';
import type { Authorization, Challenge } from './types.js';
import type { PollOptions } from './order.js';

export interface AuthorizationRef {
  url: string;
  authorization: Authorization;
  retryAfterMs?: number;
}

/** RFC 8555 §7.5: POST-as-GET of an authorization. */
export async function fetchAuthorization(client: AcmeClient, account: AccountRef, url: string): Promise<AuthorizationRef> {
  const res = await client.postAsGet<Authorization>(url, accountSigner(account));
  const a = res.body;
  if (!a || typeof a !== 'object' || typeof a.status !== 'string' || !Array.isArray(a.challenges) || typeof a.identifier?.value !== 'string') {
    throw new BadResponseError(`${url} did not answer with an authorization object (RFC 8555 §7.1.4)`);
  }
  return { url, authorization: a, ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}) };
}

/** RFC 8555 §7.5.1: tells the CA the challenge is ready, with an empty JSON object. */
export async function respondToChallenge(client: AcmeClient, account: AccountRef, challenge: Challenge): Promise<{ challenge: Challenge; retryAfterMs?: number }> {
  const res = await client.post<Challenge>(challenge.url, {}, accountSigner(account));
  return { challenge: res.body, ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}) };
}

/**
 * Polls until the authorization is no longer pending (RFC 8555 §7.5.1), starting
 * short and honouring Retry-After. `firstDelayMs` lets the caller use the
 * challenge response's Retry-After for the first wait.
 */
export async function pollAuthorizationUntilSettled(client: AcmeClient, account: AccountRef, url: string, options: PollOptions & { firstRetryAfterMs?: number } = {}): Promise<AuthorizationRef> {
  const now = options.now ?? Date.now;
  const deadlineMs = options.deadlineMs ?? 300_000;
  const deadline = now() + deadlineMs;
  let retryAfterMs = options.firstRetryAfterMs;
  for (let attempt = 1; ; attempt++) {
    await sleep(pollDelayMs(attempt, retryAfterMs), options.signal);
    const current = await fetchAuthorization(client, account, url);
    if (current.authorization.status !== 'pending') return current;
    if (now() > deadline) throw new BadResponseError(`authorization for ${current.authorization.identifier.value} is still pending after ${Math.round(deadlineMs / 1000)} s`);
    retryAfterMs = current.retryAfterMs;
  }
}

/** RFC 8555 §7.5.2: give up an authorization we will not complete, so it does not linger. */
export async function deactivateAuthorization(client: AcmeClient, account: AccountRef, url: string): Promise<void> {
  await client.post<Authorization>(url, { status: 'deactivated' }, accountSigner(account));
}
