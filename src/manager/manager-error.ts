import { parseRetryAfter } from '../net/retry.js';
import { headerValue, type HttpResponse } from '../net/transport.js';
import { AcmecliError } from '../errors.js';
import { redactSecrets } from './redact.js';

/** What went wrong, so the agent decides without reading message text. */
export type ManagerErrorKind =
  | 'rate-limited' // 429 from the rate limiter: skip the certificate until retryAfterMs
  | 'busy' // 429 `another operation is in progress`: the per-certificate lock; try next cycle
  | 'unauthorized' // 401: token unknown, expired, pending deletion or malformed
  | 'forbidden' // 403: the token lacks the scope
  | 'not-found' // 404
  | 'conflict' // 409: already exists, or pending deletion
  | 'server' // 5xx
  | 'bad-request'; // 400 and any other status

const KIND_BY_STATUS: Record<number, ManagerErrorKind> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
};

/** An error answer from ACME Manager, with the server's reason and when to come back. */
export class ManagerError extends AcmecliError {
  readonly code = 'HTTP';
  readonly status: number;
  readonly kind: ManagerErrorKind;
  /** The manager's `error` or `err`, else its raw text on one line; "" when it gave none. */
  readonly serverMessage: string;
  /** What was asked, e.g. `POST certificate pebble/a.example`. */
  readonly operation: string;
  /** The manager's `X-Request-ID` echo, for its logs. */
  readonly requestId: string | undefined;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(init: { operation: string; status: number; serverMessage: string; retryAfterMs?: number; requestId?: string; attempts?: number }) {
    const attempts = init.attempts ?? 1;
    super(`${init.operation}: ${init.status} ${init.serverMessage || '(the manager gave no reason)'}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`);
    this.name = 'ManagerError';
    this.operation = init.operation;
    this.status = init.status;
    this.httpStatus = init.status;
    this.serverMessage = init.serverMessage;
    this.requestId = init.requestId;
    this.attempts = attempts;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    this.kind = init.status === 429
      ? (/another operation is in progress/i.test(init.serverMessage) ? 'busy' : 'rate-limited')
      : KIND_BY_STATUS[init.status] ?? (init.status >= 500 ? 'server' : 'bad-request');
  }

  /** 409 because an earlier delete has not been reaped yet (manager-contract.md §4). */
  get isPendingDeletion(): boolean {
    return this.status === 409 && /pending deletion/i.test(this.serverMessage);
  }
}

const MAX_MESSAGE_CHARS = 200;

/** Collapses whitespace and cuts long text, so a message stays one readable line. */
export function oneLine(text: string, maxChars = MAX_MESSAGE_CHARS): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/**
 * The reason in an error body. The manager writes JSON with Go's `http.Error`, so it comes as
 * `text/plain` with a trailing newline, under `error` or (contextual) `err` (manager-contract.md §1);
 * a proxy in front may answer HTML or plain text instead.
 */
export function serverMessageOf(body: Uint8Array): string {
  const text = new TextDecoder().decode(body);
  try {
    const json: unknown = JSON.parse(text);
    if (json !== null && typeof json === 'object') {
      const { error, err } = json as { error?: unknown; err?: unknown };
      const message = typeof error === 'string' && error !== '' ? error : err;
      if (typeof message === 'string' && message !== '') return oneLine(message);
    }
    // A failed metadata listing answers 500 with body `null`: no reason at all.
    if (json === null) return '';
  } catch {
    // not JSON: fall through to the raw text
  }
  return oneLine(text);
}

/**
 * Builds the ManagerError for a non-2xx answer. Retry-After (seconds or HTTP-date) wins; a
 * follower drops the leader's headers, so `retry after Ns` in the message is the fallback
 * (manager-contract.md §3.5). Every run of `secrets` (bearerTokenSecrets) in the body is redacted
 * here, before the text becomes a message (redactSecrets).
 */
export function managerErrorFrom(res: HttpResponse, operation: string, now: number, attempts = 1, secrets: readonly string[] = []): ManagerError {
  const serverMessage = redactSecrets(serverMessageOf(res.body), secrets);
  let retryAfterMs = parseRetryAfter(headerValue(res, 'retry-after'), now);
  if (retryAfterMs === undefined) {
    const match = /retry after (\d+)s/i.exec(serverMessage);
    if (match) retryAfterMs = Number(match[1]) * 1000;
  }
  return new ManagerError({
    operation,
    status: res.status,
    serverMessage,
    attempts,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(headerValue(res, 'x-request-id') ? { requestId: headerValue(res, 'x-request-id') } : {}),
  });
}
