import { BadResponseError, HttpError, type AcmecliError } from '../errors.js';
import { isWellFormedNonce, NoncePool } from './nonce-pool.js';
import { AcmeProblemError, parseProblem } from './problem.js';
import { parseRetryAfter, sleep } from '../net/retry.js';
import { DEFAULT_RETRY_LIMITS, decideRetry, type RetryLimits } from './retry.js';
import { headerValue, headerValues, type HttpResponse, type HttpSend } from '../net/transport.js';
import { parseLinkHeaders, type Link } from './link-header.js';
import { signRequest, type SignerIdentity, type SigningKey } from './jws.js';
import type { Directory } from './types.js';
import { refuseSignedRequest, signingOrigins } from './signing-origins.js';

export interface RequestEvent {
  method: string;
  url: string;
  status: number;
  durationMs: number;
}

export interface RetryEvent {
  url: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

/** Hooks for verbose logging and counting; the client itself prints nothing. */
export interface AcmeClientEvents {
  onRequest?(event: RequestEvent): void;
  onRetry?(event: RetryEvent): void;
}

export interface AcmeClientOptions {
  directoryUrl: string;
  send: HttpSend;
  retryLimits?: RetryLimits;
  events?: AcmeClientEvents;
  /** Injected clock, for Retry-After HTTP-dates. */
  now?: () => number;
  /** Injected jitter of the 429/503 backoff, in [0, 1). */
  random?: () => number;
  signal?: AbortSignal;
  /** A directory already known (from the local cache), to save the first round trip. */
  knownDirectory?: Directory;
}

export interface AcmeResponse<T> {
  status: number;
  body: T;
  /** The Location header, resolved: account and order URLs come from it (RFC 8555 §7.3, §7.4). */
  location?: string;
  links: Link[];
  retryAfterMs?: number;
  raw: HttpResponse;
}

/** Who signs a request: the key and whether the header carries `kid` or `jwk`. */
export interface RequestSigner {
  key: SigningKey;
  identity: SignerIdentity;
}

const JOSE_CONTENT_TYPE = 'application/jose+json';

/**
 * The request layer: directory, nonces, signing, typed failures and retries.
 * Retries happen here, above the signer, so each attempt is signed again with a
 * fresh nonce (a resent JWS would carry a spent one).
 */
export class AcmeClient {
  readonly directoryUrl: string;
  readonly #send: HttpSend;
  readonly #limits: RetryLimits;
  readonly #events: AcmeClientEvents;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #signal: AbortSignal | undefined;
  readonly #nonces: NoncePool;
  #directory: Promise<Directory> | undefined;

  constructor(options: AcmeClientOptions) {
    this.directoryUrl = options.directoryUrl;
    this.#send = options.send;
    this.#limits = options.retryLimits ?? DEFAULT_RETRY_LIMITS;
    this.#events = options.events ?? {};
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#signal = options.signal;
    this.#nonces = new NoncePool(() => this.#fetchNonce());
    if (options.knownDirectory) this.#directory = Promise.resolve(options.knownDirectory);
  }

  /** RFC 8555 §7.1.1, fetched once per client. Throws BAD_RESPONSE when it is not a directory. */
  directory(): Promise<Directory> {
    this.#directory ??= this.#fetchDirectory().catch((err: unknown) => {
      this.#directory = undefined;
      throw err;
    });
    return this.#directory;
  }

  /** A directory fetched from the server this run (not the cached copy). */
  async freshDirectory(): Promise<Directory> {
    this.#directory = undefined;
    return this.directory();
  }

  async #fetchDirectory(): Promise<Directory> {
    const res = await this.#withRetries(this.directoryUrl, () => this.#exchange({ method: 'GET', url: this.directoryUrl }));
    const body = decodeJson(res, this.directoryUrl);
    if (!isDirectory(body)) {
      throw new BadResponseError(`${this.directoryUrl} is not an ACME directory (no newNonce/newAccount/newOrder); check --acme-url`);
    }
    return body;
  }

  async #fetchNonce(): Promise<string> {
    const { newNonce } = await this.directory();
    // This nonce goes straight to its user, never into the pool: pooling it too would spend it twice.
    // GET (RFC 8555 §7.2: 204 No Content), not HEAD: Pebble answers HEAD with neither Content-Length nor chunking,
    // and Node's client then closes the kept-alive connection, so the next request paid a second TLS handshake.
    const res = await this.#withRetries(newNonce, () => this.#exchange({ method: 'GET', url: newNonce }), { poolNonce: false });
    // RFC 8555 §7.2: 204 to a GET (200 to a HEAD); a redirect or another success is not a new nonce.
    if (res.status !== 204 && res.status !== 200) throw new BadResponseError(`${newNonce} answered HTTP ${res.status}, not a new nonce (RFC 8555 §7.2)`);
    const nonce = headerValue(res, 'replay-nonce');
    if (!nonce) throw new BadResponseError(`${newNonce} gave no Replay-Nonce header`);
    if (!isWellFormedNonce(nonce)) throw new BadResponseError(`${newNonce} gave a Replay-Nonce that is not base64url (RFC 8555 §6.5.1)`);
    return nonce;
  }

  /** A signed POST with a JSON payload (RFC 8555 §6.2). */
  async post<T>(url: string, payload: unknown, signer: RequestSigner): Promise<AcmeResponse<T>> {
    const res = await this.#signedPost(url, payload, signer);
    return this.#wrap(res, url, decodeJson(res, url) as T);
  }

  /** A signed POST whose answer body does not matter (key change: Boulder sends the account, Pebble nothing). */
  async postIgnoringBody(url: string, payload: unknown, signer: RequestSigner): Promise<AcmeResponse<unknown>> {
    const res = await this.#signedPost(url, payload, signer);
    const parsed = tryParseJson(res.body);
    return this.#wrap(res, url, parsed.ok ? parsed.value : undefined);
  }

  /** POST-as-GET (RFC 8555 §6.3) of a JSON resource. */
  async postAsGet<T>(url: string, signer: RequestSigner): Promise<AcmeResponse<T>> {
    return this.post<T>(url, undefined, signer);
  }

  /** POST-as-GET of a text resource (a PEM certificate chain, RFC 8555 §7.4.2). */
  async postAsGetText(url: string, signer: RequestSigner, accept = 'application/pem-certificate-chain'): Promise<AcmeResponse<string>> {
    const res = await this.#signedPost(url, undefined, signer, accept);
    return this.#wrap(res, url, Buffer.from(res.body).toString('utf8'));
  }

  /** A GET without signing, for resources RFC 9773 §4.2 serves openly (renewalInfo). */
  async getJson<T>(url: string): Promise<AcmeResponse<T>> {
    const res = await this.#withRetries(url, () => this.#exchange({ method: 'GET', url }));
    return this.#wrap(res, url, decodeJson(res, url) as T);
  }

  #wrap<T>(res: HttpResponse, url: string, body: T): AcmeResponse<T> {
    const location = headerValue(res, 'location');
    const retryAfterMs = parseRetryAfter(headerValue(res, 'retry-after'), this.#now());
    return {
      status: res.status,
      body,
      ...(location ? { location: resolveLocation(location, url) } : {}),
      links: parseLinkHeaders(headerValues(res, 'link'), url),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      raw: res,
    };
  }

  async #signedPost(url: string, payload: unknown, signer: RequestSigner, accept?: string): Promise<HttpResponse> {
    const refusal = refuseSignedRequest(url, signingOrigins(this.directoryUrl, await this.directory()));
    if (refusal) throw new BadResponseError(refusal);
    let nonce = await this.#nonces.take();
    for (let attempt = 1; ; attempt++) {
      const jws = await signRequest(signer.key, signer.identity, url, nonce, payload);
      const headers: Record<string, string> = { 'content-type': JOSE_CONTENT_TYPE };
      if (accept) headers.accept = accept;
      const res = await this.#exchange({ method: 'POST', url, headers, body: JSON.stringify(jws) });
      const fresh = headerValue(res, 'replay-nonce');
      if (res.status < 400) {
        this.#nonces.put(fresh);
        return res;
      }
      const failure = this.#toFailure(res, 'POST', url);
      const decision = decideRetry(failure, attempt, this.#limits, { signed: true, random: this.#random });
      if (!decision.retry) {
        this.#nonces.put(fresh);
        throw failure;
      }
      this.#events.onRetry?.({ url, attempt, delayMs: decision.delayMs, reason: decision.reason });
      await sleep(decision.delayMs, this.#signal);
      // RFC 8555 §6.5: the error response carries a fresh nonce, to be used for the retry.
      nonce = fresh ?? (await this.#nonces.take());
    }
  }

  /** GET and HEAD have no side effects, so they may be repeated as they are. */
  async #withRetries(url: string, exchange: () => Promise<HttpResponse>, options: { poolNonce: boolean } = { poolNonce: true }): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      const res = await exchange();
      if (options.poolNonce || res.status >= 400) this.#nonces.put(headerValue(res, 'replay-nonce'));
      if (res.status < 400) return res;
      const failure = this.#toFailure(res, 'GET', url);
      const decision = decideRetry(failure, attempt, this.#limits, { signed: false, random: this.#random });
      if (!decision.retry) throw failure;
      this.#events.onRetry?.({ url, attempt, delayMs: decision.delayMs, reason: decision.reason });
      await sleep(decision.delayMs, this.#signal);
    }
  }

  async #exchange(req: Parameters<HttpSend>[0]): Promise<HttpResponse> {
    const started = performance.now();
    const res = await this.#send(req, this.#signal);
    this.#events.onRequest?.({ method: req.method, url: req.url, status: res.status, durationMs: performance.now() - started });
    return res;
  }

  #toFailure(res: HttpResponse, method: string, url: string): AcmecliError {
    const retryAfterMs = parseRetryAfter(headerValue(res, 'retry-after'), this.#now());
    const parsed = tryParseJson(res.body);
    const problem = parsed.ok ? parseProblem(parsed.value, res.status) : undefined;
    if (problem) return new AcmeProblemError(problem, { method, url }, retryAfterMs);
    const suffix = retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : '';
    return new HttpError(`${method} ${url} failed: HTTP ${res.status} with ${describeBody(res)}${suffix}`, {
      httpStatus: res.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}

/** RFC 8555 §7.3, §7.4: account and order URLs come from Location; a CA that sends garbage there gets named. */
function resolveLocation(location: string, url: string): string {
  let resolved: URL | undefined;
  try {
    resolved = new URL(location, url);
  } catch {
    resolved = undefined;
  }
  if (!resolved || (resolved.protocol !== 'https:' && resolved.protocol !== 'http:')) {
    const shown = location.length > 200 ? `${location.slice(0, 200)}…` : location;
    throw new BadResponseError(`${url} sent a Location header that is not a URL: ${JSON.stringify(shown)}`);
  }
  return resolved.toString();
}

function decodeJson(res: HttpResponse, url: string): unknown {
  const parsed = tryParseJson(res.body);
  if (!parsed.ok) throw new BadResponseError(`${url} answered HTTP ${res.status} with ${describeBody(res)} where JSON was due`);
  return parsed.value;
}

function tryParseJson(body: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  if (body.byteLength === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(body).toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** What kind of body came back, in a few words and never the whole of it. */
function describeBody(res: HttpResponse): string {
  if (res.body.byteLength === 0) return 'an empty body';
  const type = headerValue(res, 'content-type')?.split(';')[0]?.trim();
  const start = Buffer.from(res.body.subarray(0, 200)).toString('utf8').trimStart();
  if (/^<(!doctype|html|\?xml|head|body)/i.test(start) || type === 'text/html') return 'an HTML page';
  if (tryParseJson(res.body).ok) return 'JSON that is not a problem document';
  return `${type ? `a ${type} body` : 'a body'} that is not JSON`;
}

function isDirectory(body: unknown): body is Directory {
  if (typeof body !== 'object' || body === null) return false;
  const d = body as Record<string, unknown>;
  return typeof d.newNonce === 'string' && typeof d.newAccount === 'string' && typeof d.newOrder === 'string';
}
