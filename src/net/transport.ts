import type { Dispatcher } from 'undici';
import { createSecureContext, rootCertificates } from 'node:tls';
import { startDeadline } from './deadline.js';
import { readCapped } from './read-capped.js';
import { AbortedError, BadResponseError, NetworkError, TimeoutError, TlsError, UsageError } from '../errors.js';

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; a header sent several times (Link) is an array. */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

/** The one function the protocol layer needs from the network, so tests and stand-ins can supply their own. */
export type HttpSend = (req: HttpRequest, signal?: AbortSignal) => Promise<HttpResponse>;

export interface TransportOptions {
  userAgent: string;
  /** Extra trusted CA certificates (PEM), added to the system's roots. */
  extraCaPem?: string;
  /** Per-request deadline, from connect to the last body byte. */
  timeoutMs?: number;
  /** Bodies above this are refused: an ACME answer is never this big. */
  maxBodyBytes?: number;
  /** RFC 8555 §6.1 requires https; plain http only for explicit local testing. */
  allowHttp?: boolean;
  /** Client certificate for mutual TLS (PEM), e.g. an ACME Manager behind an mTLS proxy. */
  clientCertificate?: { certPem: string; keyPem: string };
  /** Turn off server certificate checks: only for --insecure-skip-verify, which warns every time. */
  insecureSkipVerify?: boolean;
  /** The option that adds a trusted CA, named in the hint of a TLS failure (default --ca-file; the manager's is --manager-ca-file). */
  caFileOption?: string;
  /** From HTTPS_PROXY / HTTP_PROXY / NO_PROXY, read by the caller (this layer reads no environment). */
  proxy?: { httpsProxy?: string; httpProxy?: string; noProxy?: string };
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** An undici-backed HttpSend: one dispatcher with timeouts, custom trust and proxy support. */
export function createHttpTransport(options: TransportOptions): { send: HttpSend; close: () => Promise<void> } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const trust = {
    ...(options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {}),
    ...(options.clientCertificate ? { cert: options.clientCertificate.certPem, key: options.clientCertificate.keyPem } : {}),
  };
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 };
  const hasProxy = Boolean(options.proxy?.httpsProxy || options.proxy?.httpProxy);
  // undici is the largest dependency: loaded on the first request, so offline commands never pay for it.
  let loaded: Promise<{ undici: typeof import('undici'); dispatcher: Dispatcher }> | undefined;
  const load = () => (loaded ??= import('undici').then((undici) => ({ undici, dispatcher: makeDispatcher(undici) })));
  const makeDispatcher = ({ Agent, EnvHttpProxyAgent }: typeof import('undici')): Dispatcher => {
    const tls = {
      // One context for every connection: given as PEM, the ~150 system roots would be parsed again for each socket.
      // Made on the first request, so a bad PEM fails there, classified like any TLS failure.
      ...(Object.keys(trust).length > 0 ? { secureContext: createSecureContext(trust) } : {}),
      ...(options.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
    };
    const connect = { ...tls, timeout: Math.min(timeoutMs, 15_000) };
    return hasProxy
      ? new EnvHttpProxyAgent({
          ...timeouts,
          connect,
          requestTls: tls,
          ...(options.proxy?.httpsProxy ? { httpsProxy: options.proxy.httpsProxy } : {}),
          ...(options.proxy?.httpProxy ? { httpProxy: options.proxy.httpProxy } : {}),
          ...(options.proxy?.noProxy ? { noProxy: options.proxy.noProxy } : {}),
        })
      : new Agent({ ...timeouts, connect });
  };

  const send: HttpSend = async (req, signal) => {
    const url = parseUrl(req.url, options.allowHttp ?? false);
    // Loading undici and making the TLS context (first request only) is this process's time, not the server's: the
    // deadline starts after it, or a loaded machine turns a short --timeout into "no answer" before anything is sent.
    const { undici, dispatcher } = await load().catch((err: unknown) => {
      throw classifyNetworkError(err, url, options.caFileOption ?? '--ca-file');
    });
    const deadline = startDeadline(timeoutMs, signal);
    try {
      const res = await undici.request(url, {
        method: req.method,
        headers: { 'user-agent': options.userAgent, 'accept-language': 'en', ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        dispatcher,
        signal: deadline.signal,
        maxRedirections: 0,
      } as Parameters<typeof undici.request>[1]);
      const body = await readCapped(res.body, maxBodyBytes, () => new BadResponseError(`the answer from ${req.url} is larger than ${Math.round(maxBodyBytes / 1024)} KiB; refusing it`));
      return { status: res.statusCode, headers: res.headers as HttpResponse['headers'], body };
    } catch (err) {
      if (deadline.timedOut && !signal?.aborted) throw new TimeoutError(`no answer from ${url.host} within ${Math.round(timeoutMs / 1000)} s (${req.method} ${req.url})`, { cause: err });
      if (signal?.aborted) throw new AbortedError('interrupted', { cause: err });
      throw classifyNetworkError(err, url, options.caFileOption ?? '--ca-file');
    } finally {
      deadline.dispose();
    }
  };
  // At the end of a run there is nothing left to send: drop idle keep-alive sockets instead of waiting on them.
  return { send, close: async () => { if (loaded) await loaded.then(({ dispatcher }) => dispatcher.destroy(), () => {}); } };
}

function parseUrl(raw: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${raw}`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowHttp) return url;
  // RFC 8555 §6.1: "Each ACME function is accomplished by the client sending a sequence of HTTPS requests".
  throw new UsageError(`refusing ${url.protocol}// URL ${raw}: ACME requires https (RFC 8555 §6.1); pass --allow-http for a local test server`);
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_REVOKED', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function classifyNetworkError(err: unknown, url: URL, caFileOption: string): Error {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code ?? '';
  const host = url.host;
  if (TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    const hint = code.includes('SELF_SIGNED') || code.includes('ISSUER') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ? `; pass ${caFileOption} with the CA that signed it` : '';
    return new TlsError(`TLS with ${host} failed: ${code}${hint}`, { cause: err });
  }
  switch (code) {
    case 'ECONNREFUSED': return new NetworkError(`cannot connect to ${host}: connection refused`, { cause: err });
    case 'ENOTFOUND': case 'EAI_AGAIN': return new NetworkError(`cannot resolve ${url.hostname}`, { cause: err });
    case 'ECONNRESET': case 'UND_ERR_SOCKET': return new NetworkError(`${host} closed the connection`, { cause: err });
    case 'UND_ERR_CONNECT_TIMEOUT': return new TimeoutError(`cannot connect to ${host}: timed out`, { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT': case 'UND_ERR_BODY_TIMEOUT': return new TimeoutError(`${host} stopped answering`, { cause: err });
    case 'EHOSTUNREACH': case 'ENETUNREACH': return new NetworkError(`cannot reach ${host}: network unreachable`, { cause: err });
    default:
      if (err instanceof Error && 'code' in err && (err as { code: unknown }).code === 'BAD_RESPONSE') return err;
      return new NetworkError(`request to ${host} failed: ${e?.cause?.message ?? e?.message ?? String(err)}`, { cause: err });
  }
}

/** The first value of a header, whatever the transport's shape. */
export function headerValue(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a header sent once or several times. */
export function headerValues(res: HttpResponse, name: string): string[] {
  const v = res.headers[name.toLowerCase()];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
