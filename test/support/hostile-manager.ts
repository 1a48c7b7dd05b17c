// Stand-in: a hostile ACME Manager for tests. No ACME Manager binary runs here; this is a proxy in front of
// test/support/manager-standin.ts (which follows docs/manager-contract.md and issues through the real Pebble), told to misbehave.
/**
 * What a compromised or broken manager can make a client see, without the
 * stand-in itself having to know: every request is forwarded to the honest
 * stand-in unless the test said otherwise, so certificates are still real
 * (issued by Pebble for the client's CSR).
 *
 * - `addEntry`: the metadata list gains an entry with any identity
 *   (`../../victim/important`, a name with a newline or ESC). With `copyOf`,
 *   it carries a real certificate's metadata, and GET on the fake identity
 *   answers that certificate's CertMap under the fake identity.
 * - `intercept`: answer any request yourself (a 401 that echoes the decoded
 *   token, a 200 text page holding the token, a 429 with a ten-year Retry-After,
 *   a 500 for every POST…). Return undefined to forward it.
 * - `rewriteAnswer`: change a forwarded JSON answer (another name in a POST answer).
 *
 * Additive by design: the honest stand-in is not changed, so other tests and
 * its other knobs keep working.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ManagerStandin } from './manager-standin.js';

export interface HostileRequest {
  method: string;
  /** Path and query as received (still percent-encoded), e.g. `/api/v1/certificate/..%2F..%2Fvictim`. */
  rawPath: string;
  /** The path decoded, below `/api/v1` (e.g. `/certificate/metadata`). */
  path: string;
  body: string;
  authorization: string | undefined;
  /** base64-decoded `id:secret` of the bearer token, when there is one. */
  decodedToken: string | undefined;
}

export interface HostileAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface FakeEntry {
  /** Fields shown in the list (and in GET answers for it): name, issuer, domain… */
  entry: Record<string, unknown>;
  /** `name` or `issuer/domain` of a real certificate of the token's owner whose metadata and PEM this entry carries. */
  copyOf?: string;
}

export interface HostileManager {
  /** http://127.0.0.1:PORT/api/v1 */
  url: string;
  addEntry(fake: FakeEntry): void;
  /** First answer wins; undefined forwards to the stand-in. */
  intercept(handler: ((req: HostileRequest) => HostileAnswer | undefined) | undefined): void;
  rewriteAnswer(rewrite: ((req: HostileRequest, json: unknown) => unknown) | undefined): void;
  /** Holds the first request that `matches` until release(); then it is answered as any other. */
  hold(matches: (req: HostileRequest) => boolean): { arrived: Promise<HostileRequest>; release: () => void };
  /** Every request seen, intercepted or not. */
  requests: HostileRequest[];
  reset(): void;
  stop(): Promise<void>;
}

const API_PREFIX = '/api/v1';

export async function startHostileManager(upstream: ManagerStandin): Promise<HostileManager> {
  const fakes: FakeEntry[] = [];
  const requests: HostileRequest[] = [];
  let interceptor: ((req: HostileRequest) => HostileAnswer | undefined) | undefined;
  let rewriter: ((req: HostileRequest, json: unknown) => unknown) | undefined;
  let held: { matches: (req: HostileRequest) => boolean; arrive: (req: HostileRequest) => void; released: Promise<void> } | undefined;
  const upstreamOrigin = upstream.url.slice(0, -API_PREFIX.length);

  const forward = async (req: HostileRequest, rawPath: string, method = req.method): Promise<HostileAnswer> => {
    const res = await fetch(`${upstreamOrigin}${rawPath}`, {
      method,
      headers: { ...(req.authorization ? { authorization: req.authorization } : {}), ...(req.body ? { 'content-type': 'application/json' } : {}) },
      ...(req.body && method !== 'GET' && method !== 'HEAD' ? { body: req.body } : {}),
    });
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'retry-after', 'owner', 'x-request-id']) {
      const value = res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    return { status: res.status, headers, body: await res.text() };
  };

  const pathOf = (ref: string) => (ref.includes('/') ? `/certificate/${ref.split('/').map(encodeURIComponent).join('/')}` : `/certificate/${encodeURIComponent(ref)}`);
  const fakePathOf = (e: Record<string, unknown>) =>
    typeof e.name === 'string' && e.name !== '' ? `/certificate/${encodeURIComponent(e.name)}` : `/certificate/${encodeURIComponent(String(e.issuer))}/${encodeURIComponent(String(e.domain))}`;

  const answer = async (req: HostileRequest): Promise<HostileAnswer> => {
    if (held?.matches(req)) {
      const { arrive, released } = held;
      held = undefined;
      arrive(req);
      await released;
    }
    const own = interceptor?.(req);
    if (own) return own;
    const apiPath = req.rawPath.slice(API_PREFIX.length).split('?')[0]!;
    if (req.method === 'GET' && apiPath === '/certificate/metadata' && !req.rawPath.includes('?')) {
      const real = await forward(req, req.rawPath);
      if (real.status !== 200) return real;
      const list = (JSON.parse(real.body) as Record<string, unknown>[] | null) ?? [];
      for (const fake of fakes) {
        const source = fake.copyOf ? list.find((c) => (fake.copyOf!.includes('/') ? `${String(c.issuer)}/${String(c.domain)}` === fake.copyOf && !c.name : c.name === fake.copyOf)) : {};
        list.push({ ...(source ?? {}), ...fake.entry });
      }
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(list) };
    }
    const fake = fakes.find((f) => apiPath === fakePathOf(f.entry));
    if (fake) {
      if (req.method !== 'GET' || !fake.copyOf) return { status: 204, body: '' };
      const real = await forward(req, `${API_PREFIX}${pathOf(fake.copyOf)}`);
      if (real.status !== 200) return real;
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...(JSON.parse(real.body) as object), ...fake.entry }) };
    }
    const real = await forward(req, req.rawPath);
    if (rewriter && real.status >= 200 && real.status < 300 && real.body) {
      return { ...real, body: JSON.stringify(rewriter(req, JSON.parse(real.body))) };
    }
    return real;
  };

  const server = http.createServer((incoming: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      const rawPath = incoming.url ?? '/';
      const authorization = incoming.headers.authorization;
      const bearer = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
      const req: HostileRequest = {
        method: incoming.method ?? 'GET',
        rawPath,
        path: decodeURIComponent(rawPath.split('?')[0]!.slice(API_PREFIX.length)),
        body: Buffer.concat(chunks).toString('utf8'),
        authorization,
        decodedToken: bearer ? Buffer.from(bearer, 'base64').toString('utf8') : undefined,
      };
      requests.push(req);
      answer(req).then(
        (a) => {
          res.writeHead(a.status, a.headers ?? {});
          res.end(a.body);
        },
        (err: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`hostile proxy: ${String(err)}`);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${API_PREFIX}`,
    addEntry: (fake) => void fakes.push(fake),
    intercept: (handler) => void (interceptor = handler),
    rewriteAnswer: (rewrite) => void (rewriter = rewrite),
    hold(matches) {
      let arrive!: (req: HostileRequest) => void;
      let release!: () => void;
      const arrived = new Promise<HostileRequest>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      held = { matches, arrive, released };
      return { arrived, release };
    },
    requests,
    reset() {
      fakes.length = 0;
      interceptor = undefined;
      rewriter = undefined;
      held = undefined;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
