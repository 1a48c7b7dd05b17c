/**
 * A hostile ACME server for tests: an HTTPS proxy in front of a real Pebble
 * (from ./pebble.ts) that passes every request through and lets a test rewrite
 * what the CA answers. It is not an ACME implementation: Pebble does the
 * protocol; the proxy only lies about the answers.
 *
 * API (small on purpose):
 *
 *   const proxy = await startHostileAcmeProxy(pebble);
 *   // acmecli -a proxy.directoryUrl --ca-file proxy.caFile ...
 *   proxy.rewrite('authorization', (ex) => { ex.headers['retry-after'] = '0'; });
 *   proxy.rewrite('challenge', (ex) => { ex.json.token = '../../x'; }, { times: 1 });
 *   proxy.rewrite((ex) => ex.path === '/dir', (ex) => { ex.json.newOrder = 'https://…'; });
 *   proxy.requests            // every request seen, in order: method, path, kind, signed, status
 *   proxy.clearRules(); proxy.requests.length = 0;
 *   await proxy.stop();
 *
 * A rule runs on each exchange its matcher selects (a ResourceKind or a
 * predicate), in the order rules were added, after Pebble answered. It mutates
 * the Exchange: `status`, `headers` (lower-case names; delete one to drop it;
 * an array sends it several times, as Link), and either `json` (the body parsed
 * as JSON, when it was JSON) or `body` (the raw text, e.g. the PEM chain of a
 * certificate download). If a rule assigns `body`, that wins; otherwise a `json`
 * that changed is serialized. `times` limits how often a rule fires.
 * `answer(path, fn)` serves a path the proxy answers itself (Pebble never sees it).
 *
 * URLs in Pebble's answers already point at the proxy: the proxy forwards the
 * Host header, and Pebble builds its URLs (and checks each JWS `url`) from it.
 * So a second proxy in front of the same Pebble is "another host" of the same
 * CA, which is how tests point the client at a foreign origin.
 *
 * The proxy listens on a free 127.0.0.1 port with Pebble's own listener
 * certificate, so `pebble.caFile` (re-exported as `caFile`) trusts it.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PebbleInstance } from './pebble.js';

/** What a request is for, from Pebble's URL layout. */
export type ResourceKind =
  | 'directory'
  | 'newNonce'
  | 'newAccount'
  | 'account'
  | 'newOrder'
  | 'order'
  | 'authorization'
  | 'challenge'
  | 'finalize'
  | 'certificate'
  | 'revokeCert'
  | 'keyChange'
  | 'other';

export interface Exchange {
  readonly method: string;
  /** Path and query as requested, e.g. /authZ/abc. */
  readonly path: string;
  readonly kind: ResourceKind;
  /** The decoded JWS payload of a POST ('' for POST-as-GET), undefined for GET/HEAD or a body that is not a JWS. */
  readonly payload: unknown;
  /** The JWS protected header of a POST (url, kid or jwk, nonce). */
  readonly protectedHeader: Record<string, unknown> | undefined;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  json: any;
}

export interface SeenRequest {
  method: string;
  path: string;
  kind: ResourceKind;
  /** A JWS POST (signed with `kid` or `jwk`). */
  signed: boolean;
  /** The status the client was finally given (after rules). */
  status: number;
}

export type Matcher = ResourceKind | ((ex: Exchange) => boolean);
export type Rule = (ex: Exchange) => void | Promise<void>;

export interface HostileAcmeProxy {
  /** https://127.0.0.1:PORT/dir */
  directoryUrl: string;
  /** https://127.0.0.1:PORT */
  origin: string;
  /** PEM file trusting the proxy (Pebble's listener CA). */
  caFile: string;
  requests: SeenRequest[];
  rewrite(match: Matcher, rule: Rule, options?: { times?: number }): void;
  /** Answer `path` (exact, without query) here instead of forwarding it. */
  answer(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  clearRules(): void;
  stop(): Promise<void>;
}

const KIND_BY_PREFIX: Array<[string, ResourceKind]> = [
  ['/dir', 'directory'],
  ['/nonce-plz', 'newNonce'],
  ['/sign-me-up', 'newAccount'],
  ['/my-account/', 'account'],
  ['/order-plz', 'newOrder'],
  ['/my-order/', 'order'],
  ['/authZ/', 'authorization'],
  ['/chalZ/', 'challenge'],
  ['/finalize-order/', 'finalize'],
  ['/certZ/', 'certificate'],
  ['/revoke-cert', 'revokeCert'],
  ['/rollover-account-key', 'keyChange'],
];

export function kindOfPath(urlPath: string): ResourceKind {
  const pathname = urlPath.split('?')[0] ?? urlPath;
  for (const [prefix, kind] of KIND_BY_PREFIX) {
    if (prefix.endsWith('/') ? pathname.startsWith(prefix) : pathname === prefix) return kind;
  }
  return 'other';
}

function decodeJws(body: string): { payload: unknown; protectedHeader: Record<string, unknown> } | undefined {
  try {
    const jws = JSON.parse(body) as { protected?: string; payload?: string };
    if (typeof jws.protected !== 'string' || typeof jws.payload !== 'string') return undefined;
    const protectedHeader = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
    const text = Buffer.from(jws.payload, 'base64url').toString('utf8');
    return { protectedHeader, payload: text === '' ? '' : (JSON.parse(text) as unknown) };
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// Hop-by-hop headers are the proxy's own business, and the length is recomputed after rewriting.
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * `options.port`: listen on this port (a proxy started again where a stopped one was, so a lineage
 * that stored its URL finds the CA "back up"); default a free port.
 */
export async function startHostileAcmeProxy(pebble: PebbleInstance, options: { port?: number } = {}): Promise<HostileAcmeProxy> {
  const pebbleUrl = new URL(pebble.directoryUrl);
  const ca = readFileSync(pebble.caFile);
  const upstream = new https.Agent({ keepAlive: true, ca });
  const rules: Array<{ match: Matcher; rule: Rule; left: number }> = [];
  const answers = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const requests: SeenRequest[] = [];

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = https.request(
        {
          host: pebbleUrl.hostname,
          port: pebbleUrl.port,
          method: req.method,
          path: req.url,
          agent: upstream,
          // Host passes through unchanged: Pebble then builds every URL (and checks each JWS url) for the proxy's origin.
          headers: { ...req.headers, connection: 'keep-alive' },
        },
        (res) => {
          readBody(res).then((data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }), reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const urlPath = req.url ?? '/';
    const kind = kindOfPath(urlPath);
    const body = await readBody(req);
    const jws = req.method === 'POST' ? decodeJws(body.toString('utf8')) : undefined;
    const seen: SeenRequest = { method: req.method ?? 'GET', path: urlPath, kind, signed: jws !== undefined, status: 0 };
    requests.push(seen);

    const own = answers.get(urlPath.split('?')[0] ?? urlPath);
    if (own) {
      res.on('finish', () => (seen.status = res.statusCode));
      own(req, res);
      return;
    }

    const answer = await forward(req, body);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) headers[name] = value;
    }
    const text = answer.body.toString('utf8');
    let json: unknown;
    if (/json/.test(String(answer.headers['content-type'] ?? ''))) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const originalJson = json === undefined ? undefined : JSON.stringify(json);
    const ex: Exchange = {
      method: seen.method,
      path: urlPath,
      kind,
      payload: jws?.payload,
      protectedHeader: jws?.protectedHeader,
      status: answer.status,
      headers,
      body: text,
      json,
    };
    for (const entry of rules) {
      if (entry.left <= 0) continue;
      const selected = typeof entry.match === 'function' ? entry.match(ex) : entry.match === kind;
      if (!selected) continue;
      entry.left--;
      await entry.rule(ex);
    }
    let outBody = ex.body;
    if (outBody === text && ex.json !== undefined && JSON.stringify(ex.json) !== originalJson) outBody = JSON.stringify(ex.json);
    seen.status = ex.status;
    res.writeHead(ex.status, { ...ex.headers, 'content-length': Buffer.byteLength(outBody) });
    res.end(outBody);
  };

  const server = https.createServer(
    { cert: readFileSync(path.join(pebble.dir, 'cert.pem')), key: readFileSync(path.join(pebble.dir, 'key.pem')) },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        // A broken rule or a dead Pebble: say so to the client (and to the test reading `requests`) instead of hanging.
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`hostile-acme-proxy: ${error instanceof Error ? error.message : String(error)}`);
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    directoryUrl: `${origin}${pebbleUrl.pathname}`,
    origin,
    caFile: pebble.caFile,
    requests,
    rewrite(match, rule, options = {}) {
      rules.push({ match, rule, left: options.times ?? Number.POSITIVE_INFINITY });
    },
    answer(pathname, handler) {
      answers.set(pathname, handler);
    },
    clearRules() {
      rules.length = 0;
      answers.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        upstream.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
