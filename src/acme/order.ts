import { BadResponseError } from '../errors.js';
import { accountSigner, type AccountRef } from './account.js';
import type { AcmeClient } from './client.js';
import { pollRuntime, pollUntilSettled, type PollOptions } from './poll.js';
import type { Identifier, Order } from './types.js';
import { AcmeProblemError } from './problem.js';

export type { PollOptions } from './poll.js';

export interface NewOrderOptions {
  identifiers: Identifier[];
  /** RFC 8555 §7.4 notAfter: some CAs honour it (`--days`), Let's Encrypt refuses it. */
  notAfter?: string;
  /** RFC 9773 §5: the ARI CertID of the certificate this order replaces. */
  replaces?: string;
  /** draft-ietf-acme-profiles §4: one of the directory's meta.profiles. */
  profile?: string;
}

export interface OrderRef {
  url: string;
  order: Order;
  retryAfterMs?: number;
}

/** RFC 8555 §7.4 newOrder. Throws ACME_PROBLEM (rejectedIdentifier, rateLimited, …). */
export async function createOrder(client: AcmeClient, account: AccountRef, options: NewOrderOptions): Promise<OrderRef> {
  const directory = await client.directory();
  const payload: Record<string, unknown> = { identifiers: options.identifiers };
  if (options.notAfter) payload.notAfter = options.notAfter;
  if (options.replaces) payload.replaces = options.replaces;
  if (options.profile) payload.profile = options.profile;
  const res = await client.post<Order>(directory.newOrder, payload, accountSigner(account));
  if (!res.location) throw new BadResponseError(`${directory.newOrder} gave no Location header for the order`);
  return { url: res.location, order: checkOrder(res.body, res.location), ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}) };
}

export async function fetchOrder(client: AcmeClient, account: AccountRef, url: string): Promise<OrderRef> {
  const res = await client.postAsGet<Order>(url, accountSigner(account));
  return { url, order: checkOrder(res.body, url), ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}) };
}

/** RFC 8555 §7.4 finalize with the CSR in DER. The answer is the order, usually `processing` or `valid`. */
export async function finalizeOrder(client: AcmeClient, account: AccountRef, order: OrderRef, csrDer: Uint8Array): Promise<OrderRef> {
  const res = await client.post<Order>(order.order.finalize, { csr: Buffer.from(csrDer).toString('base64url') }, accountSigner(account));
  return { url: order.url, order: checkOrder(res.body, order.url), ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}) };
}

/**
 * Polls an order until it leaves `processing` (RFC 8555 §7.4: "the client
 * SHOULD … poll the order … until it is valid or invalid", honouring
 * Retry-After within bounds, see poll.ts). Returns the order whatever its final
 * status; the caller decides.
 */
export async function pollOrderUntilSettled(client: AcmeClient, account: AccountRef, order: OrderRef, options: PollOptions = {}): Promise<OrderRef> {
  if (order.order.status !== 'processing') return order;
  const runtime = pollRuntime(options);
  const settled = await pollUntilSettled(
    async () => {
      const current = await fetchOrder(client, account, order.url);
      return { value: current, ...(current.retryAfterMs !== undefined ? { retryAfterMs: current.retryAfterMs } : {}) };
    },
    (current) => current.order.status !== 'processing',
    runtime,
    order.retryAfterMs,
  );
  if (!settled) throw new BadResponseError(`order ${order.url} is still processing after ${Math.round(runtime.policy.budgetMs / 1000)} s`);
  return settled;
}

/**
 * Polls an order until it is no longer `pending` (a CA slow to notice its last
 * authorization answered finalize with orderNotReady). Returns the last order
 * seen, even if still pending when the budget ran out: finalize then says why.
 */
export async function pollOrderUntilReady(client: AcmeClient, account: AccountRef, url: string, options: PollOptions = {}): Promise<OrderRef> {
  let last = await fetchOrder(client, account, url);
  if (last.order.status !== 'pending') return last;
  const ready = await pollUntilSettled(
    async () => {
      last = await fetchOrder(client, account, url);
      return { value: last, ...(last.retryAfterMs !== undefined ? { retryAfterMs: last.retryAfterMs } : {}) };
    },
    (current) => current.order.status !== 'pending',
    pollRuntime(options),
    last.retryAfterMs,
  );
  return ready ?? last;
}

/** Turns an order's `error` into the typed error it carries. */
export function orderFailure(order: OrderRef): AcmeProblemError {
  const problem = order.order.error ?? { type: 'urn:ietf:params:acme:error:serverInternal', detail: `order ${order.url} became invalid without saying why` };
  return new AcmeProblemError(problem, { method: 'POST', url: order.url });
}

function checkOrder(body: unknown, url: string): Order {
  const o = body as Partial<Order> | null;
  if (!o || typeof o !== 'object' || typeof o.status !== 'string' || !Array.isArray(o.authorizations) || typeof o.finalize !== 'string') {
    throw new BadResponseError(`${url} did not answer with an order object (RFC 8555 §7.1.3)`);
  }
  return o as Order;
}
