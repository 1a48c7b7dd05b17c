import type { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
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
  /** Longest wait for a new connection (TCP and TLS handshake), within the deadline; default 15 s. */
  connectTimeoutMs?: number;
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
/** A kept-alive connection unused this long is closed (a daemon between cycles holds no sockets). */
const IDLE_SOCKET_MS = 10_000;
/** Longest wait for a connection (TCP and TLS handshake) within the request's deadline, unless told otherwise. */
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** The code of our own connect timeout, classified like the others. */
const CONNECT_TIMEOUT = 'ACMECLI_CONNECT_TIMEOUT';

interface Connections {
  http: typeof import('node:http');
  https: typeof import('node:https');
  /** One pool per scheme; both hold the proxy settings, the https one also the TLS context. */
  agents: { 'http:': HttpAgent; 'https:': HttpAgent };
  /** The socket the scheme's agent last began to make (taken once): see exchange. */
  takeOpening: (scheme: 'http:' | 'https:') => Socket | undefined;
}

/** An HttpSend on Node's own http/https: keep-alive pools with timeouts, custom trust and proxy support. */
export function createHttpTransport(options: TransportOptions): { send: HttpSend; close: () => Promise<void> } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const caFileOption = options.caFileOption ?? '--ca-file';
  // Checked now: a proxy URL Node cannot use (socks5://, a typo) would otherwise be skipped and the request sent direct.
  const proxyEnv = proxyEnvironment(options.proxy);
  // node:https pulls in node:tls (~6 MB): loaded on the first request, so offline commands never pay for it.
  let connections: Connections | undefined;

  const send: HttpSend = async (req, signal) => {
    const url = parseUrl(req.url, options.allowHttp ?? false);
    // Loading node:https and making the TLS context (first request only) is this process's time, not the server's: the
    // deadline starts after it, or a loaded machine turns a short --timeout into "no answer" before anything is sent.
    try {
      connections ??= makeConnections(options, proxyEnv);
    } catch (err) {
      throw err instanceof UsageError ? err : classifyNetworkError(err, url, caFileOption);
    }
    const deadline = startDeadline(timeoutMs, signal);
    try {
      const { res, closed } = await exchange(connections, url, {
        method: req.method,
        headers: { 'user-agent': options.userAgent, 'accept-language': 'en', ...req.headers },
        signal: deadline.signal,
      }, req.body, Math.min(timeoutMs, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS));
      const body = await readCapped(res, maxBodyBytes, () => new BadResponseError(`the answer from ${req.url} is larger than ${Math.round(maxBodyBytes / 1024)} KiB; refusing it`));
      // The body can be read whole a tick before Node hands the kept-alive socket back to the pool ('close', then
      // 'free'): a request sent at once from that continuation found no free socket and paid a new TLS handshake.
      await closed;
      return { status: res.statusCode ?? 0, headers: headersOf(res), body };
    } catch (err) {
      if (deadline.timedOut && !signal?.aborted) throw new TimeoutError(`no answer from ${url.host} within ${timeoutMs / 1000} s (${req.method} ${req.url})`, { cause: err });
      if (signal?.aborted) throw new AbortedError('interrupted', { cause: err });
      throw classifyNetworkError(err, url, caFileOption);
    } finally {
      deadline.dispose();
    }
  };
  // At the end of a run there is nothing left to send: drop idle keep-alive sockets instead of waiting on them.
  const close = async () => {
    connections?.agents['http:'].destroy();
    connections?.agents['https:'].destroy();
  };
  return { send, close };
}

function makeConnections(options: TransportOptions, proxyEnv: Record<string, string> | undefined): Connections {
  // Built-ins taken from Node itself: the single executable cannot load a module by a dynamic import.
  const http = process.getBuiltinModule('node:http');
  const https = process.getBuiltinModule('node:https');
  const tls = process.getBuiltinModule('node:tls');
  // One context for every connection, made on the first request (so a bad PEM fails there, classified like any TLS
  // failure). Without an extra CA or a client certificate none is made: Node's default context already holds the roots.
  let secureContext: SecureContext | undefined;
  if (options.extraCaPem || options.clientCertificate) {
    try {
      secureContext = tls.createSecureContext(options.clientCertificate ? { cert: options.clientCertificate.certPem, key: options.clientCertificate.keyPem } : {});
    } catch (err) {
      // Only the client certificate and key are read here: what is wrong is ours to fix, not the network's (exit 2,
      // not 3, and the agent does not take it for an unreachable manager to be retried).
      const reason = (err as { reason?: unknown }).reason;
      throw new UsageError(`the client certificate (--client-cert) and its key (--client-key) cannot be used: ${typeof reason === 'string' ? reason : 'not a PEM certificate and its private key'}`, { cause: err });
    }
    // Added to the context's copy of Node's own root store: passing `ca` instead would parse the ~150 roots again.
    if (options.extraCaPem) addCaCertificates(secureContext, options.extraCaPem, options.caFileOption ?? '--ca-file');
  }
  const pool = { keepAlive: true, timeout: IDLE_SOCKET_MS, ...(proxyEnv ? { proxyEnv } : {}) };
  const agents = {
    'http:': new http.Agent(pool),
    'https:': new https.Agent({
      ...pool,
      ...(secureContext ? { secureContext } : {}),
      ...(options.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
    }),
  };
  // An agent makes a new socket synchronously inside http.request(). Through a proxy, https's socket (to the proxy)
  // is handed to the request only once the CONNECT tunnel and the TLS inside it are up: until then nothing of the
  // request's own can end it, so exchange takes it from here to close it at the deadline.
  const opening: { 'http:'?: Socket; 'https:'?: Socket } = {};
  for (const scheme of ['http:', 'https:'] as const) {
    const agent = agents[scheme] as HttpAgent & { createConnection(...args: unknown[]): Socket | undefined };
    const create = agent.createConnection;
    agent.createConnection = function (this: unknown, ...args: unknown[]) {
      const socket = create.apply(this, args);
      opening[scheme] = socket;
      return socket;
    };
  }
  const takeOpening = (scheme: 'http:' | 'https:') => {
    const socket = opening[scheme];
    opening[scheme] = undefined;
    return socket;
  };
  return { http, https, agents, takeOpening };
}
/** A PEM bundle's certificates added to the context's trust store, beside the roots it already has. */
function addCaCertificates(secureContext: SecureContext, pem: string, caFileOption: string): void {
  // OpenSSL skips what it cannot read without a word: a damaged bundle would trust nothing more, and the TLS failure
  // that follows would tell the user to pass the very option they passed. Each certificate is read here first.
  const { X509Certificate } = process.getBuiltinModule('node:crypto');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UsageError(`${caFileOption} holds no PEM certificate`);
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new UsageError(`${caFileOption}: certificate ${index + 1} of ${blocks.length} is not a readable X.509 certificate`);
    }
  });
  // The native context copies Node's shared root store on the first addition, then adds each certificate of the bundle.
  (secureContext.context as { addCACert(pem: string): void }).addCACert(pem);
}

/**
 * The proxy settings in the shape of Node's agents (`proxyEnv`: CONNECT tunnels for https, absolute URLs for http,
 * NO_PROXY host, .suffix, *.suffix, host:port and IPv4 ranges). As curl does, https falls back to HTTP_PROXY.
 */
function proxyEnvironment(proxy: TransportOptions['proxy']): Record<string, string> | undefined {
  if (proxy?.httpsProxy) checkProxyUrl('HTTPS_PROXY', proxy.httpsProxy);
  if (proxy?.httpProxy) checkProxyUrl('HTTP_PROXY', proxy.httpProxy);
  const httpsProxy = proxy?.httpsProxy ?? proxy?.httpProxy;
  if (!httpsProxy && !proxy?.httpProxy) return undefined;
  return {
    ...(httpsProxy ? { HTTPS_PROXY: httpsProxy } : {}),
    ...(proxy?.httpProxy ? { HTTP_PROXY: proxy.httpProxy } : {}),
    ...(proxy?.noProxy ? { NO_PROXY: proxy.noProxy } : {}),
  };
}

/** Node's agents take http:// and https:// proxies and ignore any other; the URL is not shown: it may hold a password. */
function checkProxyUrl(variable: string, value: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`${variable} is not an http:// or https:// proxy URL (no other kind of proxy is supported)`);
}

/**
 * Sends one request and resolves with the response once its head is in (the body is read by the caller), and
 * `closed`: settled once the request is done with its socket (a kept-alive one is back in the pool).
 */
function exchange(connections: Connections, url: URL, init: RequestOptions & { signal: AbortSignal }, body: string | undefined, connectTimeoutMs: number): Promise<{ res: IncomingMessage; closed: Promise<void> }> {
  const scheme = url.protocol === 'https:' ? 'https:' : 'http:';
  const client = scheme === 'https:' ? connections.https : connections.http;
  return new Promise((resolve, reject) => {
    connections.takeOpening(scheme); // one left by a request that failed before its agent made a socket
    // Node follows no redirect: a 3xx comes back to the caller like any answer.
    const request = client.request(url, { ...init, agent: connections.agents[scheme] }, (res) => resolve({ res, closed }));
    const opening = connections.takeOpening(scheme);
    const closed = new Promise<void>((settle) => request.once('close', () => settle()));
    // Ending the request is not enough before it has a socket (a proxy tunnel or its TLS still being made): Node
    // tells it nothing until the socket comes, which may be never. The socket being made is closed, the promise ended.
    const fail = (err: unknown) => {
      opening?.destroy();
      request.destroy(err instanceof Error ? err : undefined);
      reject(err);
    };
    request.on('error', reject);
    const onAbort = () => {
      if (!request.socket) fail(init.signal.reason);
    };
    init.signal.addEventListener('abort', onAbort, { once: true });
    request.once('close', () => init.signal.removeEventListener('abort', onAbort));
    limitConnect(request, scheme, connectTimeoutMs, fail);
    request.end(body);
  });
}

/** A new connection (TCP, a proxy's tunnel, TLS) that is not up within the limit fails as a connect timeout. */
function limitConnect(request: ClientRequest, scheme: 'http:' | 'https:', limitMs: number, fail: (err: Error) => void): void {
  const timer = setTimeout(() => fail(Object.assign(new Error(`no connection within ${limitMs} ms`), { code: CONNECT_TIMEOUT })), limitMs);
  const done = () => clearTimeout(timer);
  request.once('socket', (socket: Socket) => {
    // A kept-alive socket, or one through a proxy tunnel (handed over once its TLS is up), is connected already.
    if (!socket.connecting) done();
    else socket.once(scheme === 'https:' ? 'secureConnect' : 'connect', done);
  });
  request.once('close', done);
}

/** Lower-case names, one string per header, an array for a header sent several times (Link), as HttpResponse says. */
function headersOf(res: IncomingMessage): HttpResponse['headers'] {
  const headers: HttpResponse['headers'] = {};
  for (const [name, values] of Object.entries(res.headersDistinct)) {
    if (values) headers[name] = values.length === 1 ? values[0] : values;
  }
  return headers;
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
  const e = err as { code?: string; message?: string; address?: string; port?: number; hostname?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code ?? '';
  const host = url.host;
  if (TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    const hint = code.includes('SELF_SIGNED') || code.includes('ISSUER') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ? `; pass ${caFileOption} with the CA that signed it` : '';
    return new TlsError(`TLS with ${host} failed: ${code}${hint}`, { cause: err });
  }
  switch (code) {
    case 'ECONNREFUSED': {
      // Refused on another port than the URL's: it was the proxy that did not answer, which is what to fix.
      const targetPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const refused = e.port !== undefined && e.port !== targetPort ? `the proxy ${e.address ?? ''}:${e.port} (for ${host})` : host;
      return new NetworkError(`cannot connect to ${refused}: connection refused`, { cause: err });
    }
    case 'ENOTFOUND': case 'EAI_AGAIN': {
      // Through a proxy, the name that did not resolve is the proxy's (the target is the proxy's to resolve).
      const proxyHost = e.hostname !== undefined && e.hostname !== url.hostname ? e.hostname : undefined;
      return new NetworkError(proxyHost ? `cannot resolve the proxy ${proxyHost} (for ${host})` : `cannot resolve ${url.hostname}`, { cause: err });
    }
    // Node says "socket hang up" (ECONNRESET) when the peer closes before answering, EPIPE when it closes while we send.
    case 'ECONNRESET': case 'EPIPE': return new NetworkError(`${host} closed the connection`, { cause: err });
    case CONNECT_TIMEOUT: return new TimeoutError(`cannot connect to ${host}: timed out`, { cause: err });
    case 'ETIMEDOUT': return new TimeoutError(`${host} stopped answering`, { cause: err });
    case 'EHOSTUNREACH': case 'ENETUNREACH': return new NetworkError(`cannot reach ${host}: network unreachable`, { cause: err });
    // Node's tunnel error names the proxy without its credentials; its invalid-config error quotes the whole URL, so not that.
    case 'ERR_PROXY_TUNNEL': return new NetworkError(`request to ${host} through the proxy failed: ${e?.message ?? String(err)}`, { cause: err });
    case 'ERR_PROXY_INVALID_CONFIG': return new UsageError('the proxy URL (HTTPS_PROXY / HTTP_PROXY) is not usable', { cause: err });
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
