import { BadResponseError } from '../errors.js';
import { accountSigner, type AccountRef } from './account.js';
import type { AcmeClient } from './client.js';
import { pollRuntime, pollUntilSettled, type PollOptions } from './poll.js';
import type { Authorization, Challenge } from './types.js';

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
 * Polls until the authorization is no longer pending (RFC 8555 §7.5.1) on the
 * schedule of poll.ts. `firstRetryAfterMs` is the challenge response's
 * Retry-After, which may lengthen the first wait.
 */
export async function pollAuthorizationUntilSettled(client: AcmeClient, account: AccountRef, url: string, options: PollOptions & { firstRetryAfterMs?: number } = {}): Promise<AuthorizationRef> {
  const runtime = pollRuntime(options);
  let last: AuthorizationRef | undefined;
  const settled = await pollUntilSettled(
    async () => {
      last = await fetchAuthorization(client, account, url);
      return { value: last, ...(last.retryAfterMs !== undefined ? { retryAfterMs: last.retryAfterMs } : {}) };
    },
    (current) => current.authorization.status !== 'pending',
    runtime,
    options.firstRetryAfterMs,
  );
  if (!settled) throw new BadResponseError(`authorization for ${last?.authorization.identifier.value ?? url} is still pending after ${Math.round(runtime.policy.budgetMs / 1000)} s`);
  return settled;
}

/** RFC 8555 §7.5.2: give up an authorization we will not complete, so it does not linger. */
export async function deactivateAuthorization(client: AcmeClient, account: AccountRef, url: string): Promise<void> {
  await client.post<Authorization>(url, { status: 'deactivated' }, accountSigner(account));
}
