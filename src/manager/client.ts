import { hash } from 'node:crypto';
import { startDeadline } from '../net/deadline.js';
import type { HttpRequest, HttpResponse, HttpSend } from '../net/transport.js';
import { AcmecliError, BadResponseError, NetworkError, TimeoutError, TlsError, UsageError } from '../errors.js';
import { backoffDelayMs, retryDelayMs, sleep as defaultSleep, type BackoffPolicy } from '../net/retry.js';
import { isRetryableFailure, isRetryableStatus } from './retryable.js';
import { managerErrorFrom, oneLine } from './manager-error.js';
import { parseBearerToken } from './token.js';
import { bearerTokenSecrets, createRedactor } from './redact.js';
import type { CertMap, CertificateParams, CertificateRef, ManagerCertificate, ManagerTokenRecord, UpdateCertificateParams } from './types.js';

export interface ManagerRetryOptions extends BackoffPolicy {
  /** Statuses to retry besides 5xx (not 501), as `http_client_retry_status_code`. 429 never is. */
  extraStatuses: readonly number[];
}

/** The Go client's defaults (`http_client_retry_*`, manager-contract.md §6.2). */
export const DEFAULT_MANAGER_RETRY: ManagerRetryOptions = { max: 4, waitMinMs: 1_000, waitMaxMs: 30_000, extraStatuses: [] };

/** Per-attempt deadlines (manager-contract.md §6.11). The transport's own `timeoutMs` must not be shorter. */
export interface ManagerTimeouts {
  /** POST and PUT: the manager runs a whole ACME order before it answers (`certificate_timeout`). */
  certificateMs: number;
  tokenSelfMs: number;
  metadataMs: number;
  getMs: number;
  deleteMs: number;
}

export const DEFAULT_MANAGER_TIMEOUTS: ManagerTimeouts = { certificateMs: 270_000, tokenSelfMs: 30_000, metadataMs: 60_000, getMs: 30_000, deleteMs: 60_000 };

export interface ManagerRetryEvent {
  operation: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  /** `HTTP 502`, `NETWORK`, `TIMEOUT`. */
  reason: string;
}

export interface ManagerClientOptions {
  /** Must end in `/api/v1`, as `-client.manager-url` does. */
  baseUrl: string;
  /** The bearer token; checked with parseBearerToken. */
  token: string;
  /** Made by the caller, e.g. createHttpTransport({ allowHttp: true, timeoutMs: ≥ certificateMs, … }). */
  send: HttpSend;
  retry?: Partial<ManagerRetryOptions>;
  timeouts?: Partial<ManagerTimeouts>;
  /** In [0, 1); for the backoff jitter. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Milliseconds since the epoch; for Retry-After dates. */
  now?: () => number;
  onRetry?: (event: ManagerRetryEvent) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Call {
  method: Method;
  /** Below the base URL, already encoded. */
  path: string;
  operation: string;
  timeoutMs: number;
  body?: unknown;
}

/**
 * Client of the ACME Manager REST API (manager-contract.md §3), for the deploy agent.
 *
 * GET and DELETE retry on network errors, 5xx except 501 and `extraStatuses`, with exponential
 * backoff and full jitter. POST and PUT are never repeated: each attempt would be a new ACME order.
 * A 429 is never waited out inside a call: the ManagerError carries `kind` and `retryAfterMs` so
 * the caller can skip that certificate until then.
 *
 * Errors: ManagerError (`HTTP`) for an error answer; BadResponseError (`BAD_RESPONSE`) for a
 * success that is not what the API promises; NetworkError, TimeoutError, TlsError, AbortedError
 * from the transport; UsageError (`USAGE`) for a bad base URL or token. No message contains the token.
 */
export class ManagerClient {
  readonly #baseUrl: string;
  readonly #token: string;
  /** What must never appear in a message made from the manager's answers. */
  readonly #secrets: readonly string[];
  readonly #redact: (text: string) => string;
  readonly #send: HttpSend;
  readonly #retry: ManagerRetryOptions;
  readonly #timeouts: ManagerTimeouts;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #onRetry: ((event: ManagerRetryEvent) => void) | undefined;

  /** The API's URL, as checked (`https://manager.example:8989/api/v1`). */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  constructor(options: ManagerClientOptions) {
    this.#baseUrl = checkBaseUrl(options.baseUrl);
    this.#token = parseBearerToken(options.token).token;
    this.#secrets = bearerTokenSecrets(this.#token);
    this.#redact = createRedactor(this.#secrets);
    this.#send = options.send;
    this.#retry = { ...DEFAULT_MANAGER_RETRY, ...options.retry };
    this.#timeouts = { ...DEFAULT_MANAGER_TIMEOUTS, ...options.timeouts };
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? Date.now;
    this.#onRetry = options.onRetry;
  }

  /** `GET /token/self`: the token's own record; `username` is the owner of every certificate it sees. */
  async whoami(options: CallOptions = {}): Promise<ManagerTokenRecord> {
    const call: Call = { method: 'GET', path: '/token/self', operation: 'GET token/self', timeoutMs: this.#timeouts.tokenSelfMs };
    const json = await this.#json(call, options.signal);
    if (!isObject(json) || typeof json.username !== 'string' || json.username === '') {
      throw new BadResponseError(`${call.operation}: the answer has no username`);
    }
    return json as unknown as ManagerTokenRecord;
  }

  /** `GET /certificate/metadata`: every live certificate of the token's username (the manager sends `null` for none). */
  async listMetadata(options: CallOptions = {}): Promise<readonly ManagerCertificate[]> {
    const call: Call = { method: 'GET', path: '/certificate/metadata', operation: 'GET certificate/metadata', timeoutMs: this.#timeouts.metadataMs };
    const res = await this.#request(call, options.signal);
    // An agent in sync is sent the same list every cycle: the same bytes give the list read last time
    // (frozen, so no caller can have changed it), not a new parse and redaction of 5,000 entries.
    // By its SHA-256, not a copy of the bytes: 4.4 MiB for 5,000 certificates, held for the agent's lifetime.
    const digest = hash('sha256', res.body);
    if (this.#lastList?.digest === digest) return this.#lastList.list;
    const json = this.#parse(res, call);
    if (json === null) return [];
    if (!Array.isArray(json) || !json.every(isObject)) throw new BadResponseError(`${call.operation}: the answer is not a list of certificates`);
    const list = deepFreeze(json as unknown as ManagerCertificate[]);
    this.#lastList = { digest, list };
    return list;
  }

  /** The last metadata list and the SHA-256 of the bytes it was read from. */
  #lastList: { digest: string; list: readonly ManagerCertificate[] } | undefined;

  /** `GET /certificate/{name}` or `GET /certificate/{issuer}/{domain}`: the certificate with its PEM. */
  async getCertificate(ref: CertificateRef, options: CallOptions = {}): Promise<CertMap> {
    // manager-contract.md §1: the literal `GET /certificate/metadata` wins over `/certificate/{name}`.
    if ('name' in ref && ref.name === 'metadata') throw new UsageError("a certificate named 'metadata' cannot be read by name: the manager routes that path to its metadata list");
    const call: Call = { method: 'GET', path: refPath(ref), operation: `GET certificate ${labelOf(ref)}`, timeoutMs: this.#timeouts.getMs };
    return certMapOf(await this.#json(call, options.signal), call.operation);
  }

  /** `POST /certificate`: the manager orders a certificate for the CSR (201). Never repeated. */
  async createCertificate(params: CertificateParams, options: CallOptions = {}): Promise<CertMap> {
    const call: Call = { method: 'POST', path: '/certificate', operation: `POST certificate ${labelOf(params)}`, timeoutMs: this.#timeouts.certificateMs, body: certificateBody(params) };
    return certMapOf(await this.#json(call, options.signal), call.operation);
  }

  /**
   * `PUT /certificate`: re-issues when the CSR or an order field changed, else updates only
   * `renewal_days` and `labels` (send the stored `csr` for that). Never repeated.
   */
  async updateCertificate(params: UpdateCertificateParams, options: CallOptions = {}): Promise<CertMap> {
    const call: Call = { method: 'PUT', path: '/certificate', operation: `PUT certificate ${labelOf(params)}`, timeoutMs: this.#timeouts.certificateMs, body: certificateBody(params) };
    return certMapOf(await this.#json(call, options.signal), call.operation);
  }

  /** `DELETE /certificate/…`; with `revoke`, the manager revokes it at the CA first (only `?revoke=true` does). */
  async deleteCertificate(ref: CertificateRef, options: CallOptions & { revoke?: boolean } = {}): Promise<void> {
    const call: Call = {
      method: 'DELETE',
      path: `${refPath(ref)}${options.revoke ? '?revoke=true' : ''}`,
      operation: `DELETE certificate ${labelOf(ref)}`,
      timeoutMs: this.#timeouts.deleteMs,
    };
    await this.#request(call, options.signal);
  }

  async #json(call: Call, signal: AbortSignal | undefined): Promise<unknown> {
    return this.#parse(await this.#request(call, signal), call);
  }

  #parse(res: HttpResponse, call: Call): unknown {
    const text = new TextDecoder().decode(res.body);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadResponseError(`${call.operation}: the manager answered ${res.status} but not with JSON (${this.#redact(oneLine(text, 80)) || 'empty body'})`);
    }
    return redactFields(json, this.#redact);
  }

  async #request(call: Call, signal: AbortSignal | undefined): Promise<HttpResponse> {
    // A GET or DELETE can be repeated; a POST or PUT would be a second ACME order (manager-contract.md §6.11).
    const isIdempotent = call.method === 'GET' || call.method === 'DELETE';
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const req: HttpRequest = {
      method: call.method,
      url: `${this.#baseUrl}${call.path}`,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.#sendOnce(req, call, signal);
      } catch (err) {
        if (!isRetryableFailure(err)) throw err;
        if (!isIdempotent) throw notRepeated(err as AcmecliError, call.method);
        if (attempt > this.#retry.max) throw withAttempts(err as AcmecliError, attempt);
        await this.#wait(call, attempt, backoffDelayMs(attempt, this.#retry, this.#random), (err as AcmecliError).code, signal);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res;
      if (res.status < 400) {
        const location = typeof res.headers.location === 'string' ? ` to ${this.#redact(oneLine(res.headers.location, 200))}` : '';
        throw new BadResponseError(`${call.operation}: unexpected ${res.status}${location}; check the manager URL`, { httpStatus: res.status });
      }
      const error = managerErrorFrom(res, call.operation, this.#now(), attempt, this.#secrets);
      if (!isIdempotent || !isRetryableStatus(res.status, this.#retry.extraStatuses) || attempt > this.#retry.max) throw error;
      // A 503 that asks for more than we would ever wait: give up now, the caller knows when to return.
      const delayMs = retryDelayMs(attempt, this.#retry, error.retryAfterMs, this.#retry.waitMaxMs, this.#random);
      if (delayMs === undefined) throw error;
      await this.#wait(call, attempt, delayMs, `HTTP ${res.status}`, signal);
    }
  }

  async #sendOnce(req: HttpRequest, call: Call, signal: AbortSignal | undefined): Promise<HttpResponse> {
    const deadline = startDeadline(call.timeoutMs, signal);
    try {
      return await this.#send(req, deadline.signal);
    } catch (err) {
      if (deadline.timedOut && !signal?.aborted) throw new TimeoutError(`${call.operation}: no answer within ${call.timeoutMs < 1000 ? `${call.timeoutMs} ms` : `${Math.round(call.timeoutMs / 1000)} s`}`, { cause: err });
      throw withOperation(err, call.operation);
    } finally {
      deadline.dispose();
    }
  }

  async #wait(call: Call, attempt: number, delayMs: number, reason: string, signal: AbortSignal | undefined): Promise<void> {
    this.#onRetry?.({ operation: call.operation, attempt, delayMs, reason });
    await this.#sleep(delayMs, signal);
  }
}

/** The PEM and CSR blobs are written or compared byte for byte, and never shown as text in a log line. */
const BLOB_FIELDS = new Set(['cert', 'ca_issuer', 'csr']);

/**
 * A success answer's text fields (names, labels, messages) are shown and logged:
 * pieces of the token in them are redacted like those of an error body, so a
 * manager echoing the token in `labels` or a `name` cannot put it in
 * `manager list --json` or the agent's log. An entry redacted so is then
 * refused by the agent (manager-entry.ts).
 */
function redactFields(value: unknown, redact: (text: string) => string, key = ''): unknown {
  if (typeof value === 'string') return BLOB_FIELDS.has(key) ? value : redact(value);
  // In place: the answer was just parsed and is ours, and a list of 5,000 certificates is not copied each cycle.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = redactFields(value[i], redact);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const before = record[k];
      const after = redactFields(before, redact, k);
      // An own field (a parsed "__proto__" too) is replaced, never a prototype's setter called.
      if (after !== before) record[k] = after;
    }
    return record;
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function checkBaseUrl(raw: string): string {
  const example = 'the manager URL must end in /api/v1 (e.g. https://manager.example:8989/api/v1)';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(example);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (!/^https?:$/.test(url.protocol) || !path.endsWith('/api/v1') || url.search !== '' || url.hash !== '') throw new UsageError(example);
  if (url.username !== '' || url.password !== '') throw new UsageError('the manager URL must not carry a user or password; the token authenticates');
  return `${url.origin}${path}`;
}

function refPath(ref: CertificateRef): string {
  return 'name' in ref ? `/certificate/${encodeURIComponent(ref.name)}` : `/certificate/${encodeURIComponent(ref.issuer)}/${encodeURIComponent(ref.domain)}`;
}

function labelOf(ref: CertificateRef | CertificateParams): string {
  if ('name' in ref && ref.name) return ref.name;
  const { issuer, domain } = ref as { issuer: string; domain: string };
  return `${issuer}/${domain}`;
}

/**
 * The body as the Go client sends it (manager-contract.md §3.2): `name, san, csr, days, renewal_days,
 * dns_challenge, http_challenge, profile` only when non-empty; `bundle, revoke, labels, key_type` always.
 */
export function certificateBody(params: UpdateCertificateParams): Record<string, unknown> {
  const body: Record<string, unknown> = { domain: params.domain, issuer: params.issuer };
  const omitEmpty = (key: keyof UpdateCertificateParams) => {
    const value = params[key];
    if (value !== undefined && value !== '' && value !== 0) body[key] = value;
  };
  omitEmpty('name');
  omitEmpty('san');
  body.bundle = params.bundle ?? false;
  omitEmpty('csr');
  omitEmpty('days');
  omitEmpty('renewal_days');
  omitEmpty('dns_challenge');
  omitEmpty('http_challenge');
  body.revoke = params.revoke ?? false;
  body.labels = params.labels ?? '';
  body.key_type = params.key_type;
  omitEmpty('profile');
  return body;
}

function certMapOf(json: unknown, operation: string): CertMap {
  if (!isObject(json) || typeof json.cert !== 'string') throw new BadResponseError(`${operation}: the answer has no certificate (cert)`);
  return json as unknown as CertMap;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const PREFIXED_CLASSES = { NETWORK: NetworkError, TIMEOUT: TimeoutError, TLS: TlsError, BAD_RESPONSE: BadResponseError } as const;

/** Names the operation in a transport error, keeping its class and code. */
function withOperation(err: unknown, operation: string): unknown {
  if (!(err instanceof AcmecliError) || !(err.code in PREFIXED_CLASSES)) return err;
  const Class = PREFIXED_CLASSES[err.code as keyof typeof PREFIXED_CLASSES];
  return new Class(`${operation}: ${err.message}`, { cause: err });
}

function withAttempts(err: AcmecliError, attempts: number): AcmecliError {
  const Class = PREFIXED_CLASSES[err.code as keyof typeof PREFIXED_CLASSES] ?? NetworkError;
  return new Class(`${err.message} (after ${attempts} attempts)`, { cause: err });
}

function notRepeated(err: AcmecliError, method: Method): AcmecliError {
  const Class = PREFIXED_CLASSES[err.code as keyof typeof PREFIXED_CLASSES] ?? NetworkError;
  // The request may have reached the manager, which may still be ordering: the next listing shows it.
  return new Class(`${err.message}; not repeated, since a ${method} may already have started an ACME order`, { cause: err });
}
