import type { HttpRequest, HttpResponse, HttpSend } from '../net/transport.js';
import { AcmecliError, BadResponseError, HttpError, NetworkError, TimeoutError, TlsError, UsageError } from '../errors.js';
import { backoffDelayMs, sleep as defaultSleep, type BackoffPolicy } from '../net/retry.js';
import { isRetryableFailure, isRetryableStatus } from './retryable.js';
import { oneLine } from './manager-error.js';
import { redactSecrets } from './redact.js';

/** The Go client's `storage.vault.retry_*` defaults (manager-contract.md §6.2). */
export const DEFAULT_VAULT_RETRY: BackoffPolicy = { max: 3, waitMinMs: 1_000, waitMaxMs: 10_000 };

export interface VaultClientOptions {
  /** e.g. `https://vault.example:8200`, without `/v1`. */
  url: string;
  roleId: string;
  secretId: string;
  /** The AppRole auth mount, e.g. `approle`. */
  mountPath: string;
  /** The KV v2 mount, e.g. `secret`. */
  secretEngine: string;
  send: HttpSend;
  retry?: Partial<BackoffPolicy>;
  /** Milliseconds since the epoch; for the token's lease. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (event: { operation: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** A token is dropped this long before its lease ends, so no request races the expiry. */
const LEASE_MARGIN_MS = 10_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Where the agent backs up a certificate and its key (manager-contract.md §6.8): `prefix/owner/issuer/domain`,
 * or `prefix/owner/issuer/name/domain` for a named one (5 segments, unlike the server's own layout).
 */
export function backupPath(where: { prefix: string; owner: string; issuer: string; domain: string; name?: string | undefined }): string {
  const prefix = where.prefix.replace(/^\/+|\/+$/g, '');
  return [...(prefix ? [prefix] : []), where.owner, where.issuer, ...(where.name ? [where.name] : []), where.domain].join('/');
}

/**
 * A small Vault client: AppRole login and KV v2 read/write, for the agent's key backup.
 * The token is cached until 10 s before its lease ends; a 403 drops it and logs in once more.
 * Requests are retried on network errors and 5xx except 501.
 *
 * Errors: HttpError (`HTTP`) for an error answer, BadResponseError (`BAD_RESPONSE`), and the
 * transport's NetworkError, TimeoutError, TlsError. No message contains the secret id or a token.
 */
export class VaultClient {
  readonly #url: string;
  readonly #roleId: string;
  readonly #secretId: string;
  readonly #mountPath: string;
  readonly #secretEngine: string;
  readonly #send: HttpSend;
  readonly #retry: BackoffPolicy;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onRetry: VaultClientOptions['onRetry'];
  #cached: CachedToken | undefined;
  #loggingIn: Promise<string> | undefined;

  constructor(options: VaultClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url.trim());
    } catch {
      throw new UsageError(`the Vault URL is not a URL: ${oneLine(options.url, 80)}`);
    }
    if (!/^https?:$/.test(url.protocol)) throw new UsageError('the Vault URL must start with https:// (or http:// for a local test)');
    this.#url = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.#roleId = options.roleId;
    this.#secretId = options.secretId;
    this.#mountPath = encodePath(options.mountPath);
    this.#secretEngine = encodePath(options.secretEngine);
    if (!this.#mountPath || !this.#secretEngine) throw new UsageError('Vault needs both mount_path (AppRole) and secret_engine (KV v2)');
    this.#send = options.send;
    this.#retry = { ...DEFAULT_VAULT_RETRY, ...options.retry };
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#onRetry = options.onRetry;
  }

  /** The `data` of the latest version of a KV v2 secret, or undefined when there is none (404). */
  async readSecret(path: string, options: { signal?: AbortSignal } = {}): Promise<Record<string, unknown> | undefined> {
    const operation = `Vault read ${path}`;
    const res = await this.#withToken({ method: 'GET', url: this.#dataUrl(path) }, operation, options.signal, [404]);
    if (res.status === 404) return undefined;
    const json = this.#parseJson(res, operation) as { data?: { data?: unknown } } | null;
    const data = json?.data?.data;
    if (data === null) return undefined; // a deleted or destroyed version
    if (typeof data !== 'object' || data === undefined || Array.isArray(data)) throw new BadResponseError(`${operation}: the answer has no data.data object`);
    return data as Record<string, unknown>;
  }

  /** Writes a new version of a KV v2 secret: `POST /v1/{engine}/data/{path}` with `{"data":{…}}`. */
  async writeSecret(path: string, data: Record<string, unknown>, options: { signal?: AbortSignal } = {}): Promise<void> {
    const operation = `Vault write ${path}`;
    await this.#withToken({ method: 'POST', url: this.#dataUrl(path), body: JSON.stringify({ data }) }, operation, options.signal, []);
  }

  #dataUrl(path: string): string {
    const encoded = encodePath(path);
    if (!encoded) throw new UsageError('a Vault secret path must not be empty');
    // A `.` or `..` segment would be resolved by the URL: the request would leave the secret engine's data/ tree.
    if (encoded.split('/').some((segment) => segment === '.' || segment === '..')) throw new UsageError('a Vault secret path must not have "." or ".." segments');
    return `${this.#url}/v1/${this.#secretEngine}/data/${encoded}`;
  }

  async #withToken(req: Omit<HttpRequest, 'headers'>, operation: string, signal: AbortSignal | undefined, acceptedStatuses: readonly number[]): Promise<HttpResponse> {
    for (let isRelogin = false; ; isRelogin = true) {
      const token = await this.#token(signal);
      const headers: Record<string, string> = { 'x-vault-token': token, accept: 'application/json' };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      const res = await this.#request({ ...req, headers }, operation, signal);
      // A 403 may mean the token was revoked or has expired early: log in once more, then give up.
      if (res.status === 403 && !isRelogin) {
        if (this.#cached?.token === token) this.#cached = undefined;
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || acceptedStatuses.includes(res.status)) return res;
      throw this.#httpError(res, operation);
    }
  }

  async #token(signal: AbortSignal | undefined): Promise<string> {
    if (this.#cached && this.#now() < this.#cached.expiresAt) return this.#cached.token;
    // Several certificates may need Vault at once: one login serves them all.
    this.#loggingIn ??= this.#login(signal).finally(() => {
      this.#loggingIn = undefined;
    });
    return this.#loggingIn;
  }

  async #login(signal: AbortSignal | undefined): Promise<string> {
    const operation = `Vault login (auth/${this.#mountPath})`;
    const res = await this.#request({
      method: 'POST',
      url: `${this.#url}/v1/auth/${this.#mountPath}/login`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ role_id: this.#roleId, secret_id: this.#secretId }),
    }, operation, signal);
    if (res.status < 200 || res.status >= 300) throw this.#httpError(res, operation);
    const auth = (this.#parseJson(res, operation) as { auth?: { client_token?: unknown; lease_duration?: unknown } } | null)?.auth;
    if (typeof auth?.client_token !== 'string' || auth.client_token === '') throw new BadResponseError(`${operation}: the answer has no auth.client_token`);
    const leaseSeconds = typeof auth.lease_duration === 'number' ? auth.lease_duration : 0;
    // A lease of 0 is a token that does not expire.
    const expiresAt = leaseSeconds > 0 ? this.#now() + leaseSeconds * 1000 - LEASE_MARGIN_MS : Number.POSITIVE_INFINITY;
    this.#cached = { token: auth.client_token, expiresAt };
    return auth.client_token;
  }

  async #request(req: HttpRequest, operation: string, signal: AbortSignal | undefined): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.#send(req, signal);
      } catch (err) {
        if (!isRetryableFailure(err) || attempt > this.#retry.max) throw this.#transportError(err, operation);
        await this.#wait(operation, attempt, (err as AcmecliError).code, signal);
        continue;
      }
      if (!isRetryableStatus(res.status) || attempt > this.#retry.max) return res;
      await this.#wait(operation, attempt, `HTTP ${res.status}`, signal);
    }
  }

  async #wait(operation: string, attempt: number, reason: string, signal: AbortSignal | undefined): Promise<void> {
    const delayMs = backoffDelayMs(attempt, this.#retry, this.#random);
    this.#onRetry?.({ operation, attempt, delayMs, reason });
    await this.#sleep(delayMs, signal);
  }

  #httpError(res: HttpResponse, operation: string): AcmecliError {
    const text = new TextDecoder().decode(res.body);
    let reason = '';
    try {
      const errors = (JSON.parse(text) as { errors?: unknown } | null)?.errors;
      if (Array.isArray(errors)) reason = errors.filter((e) => typeof e === 'string').join('; ');
    } catch {
      reason = text;
    }
    return new HttpError(`${operation}: ${res.status} ${this.#redact(oneLine(reason)) || '(Vault gave no reason)'}`, { httpStatus: res.status });
  }

  #transportError(err: unknown, operation: string): unknown {
    if (!(err instanceof AcmecliError)) return err;
    const Class = { NETWORK: NetworkError, TIMEOUT: TimeoutError, TLS: TlsError, BAD_RESPONSE: BadResponseError }[err.code as string];
    return Class ? new Class(`${operation}: ${this.#redact(err.message)}`, { cause: err }) : err;
  }

  /** The role id, the secret id and the current Vault token, and any run of them (redactSecrets), never reach a message. */
  #redact(text: string): string {
    return redactSecrets(text, [this.#roleId, this.#secretId, this.#cached?.token]);
  }

  #parseJson(res: HttpResponse, operation: string): unknown {
    const text = new TextDecoder().decode(res.body);
    try {
      return JSON.parse(text);
    } catch {
      throw new BadResponseError(`${operation}: Vault answered ${res.status} but not with JSON (${this.#redact(oneLine(text, 80)) || 'empty body'})`);
    }
  }
}

function encodePath(path: string): string {
  return path.split('/').filter((segment) => segment !== '').map(encodeURIComponent).join('/');
}
