import { afterEach, expect, test } from 'vitest';
import { createHttpTransport } from '../../../src/net/transport.js';
import { BadResponseError, NetworkError, TimeoutError, UsageError } from '../../../src/errors.js';
import { ManagerClient, type ManagerClientOptions, type ManagerRetryEvent } from '../../../src/manager/client.js';
import { ManagerError } from '../../../src/manager/manager-error.js';
import type { CertMap } from '../../../src/manager/types.js';
import { makeToken } from './fixtures.js';
import { goError, goJson, startServer, type Handler, type LoopbackServer } from './loopback-server.js';

const TOKEN = makeToken();
const CERT_MAP: CertMap = {
  domain: 'a.example', issuer: 'pebble', cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', ca_issuer: '', url: 'https://ca/cert/1',
  fingerprint: 'ab'.repeat(32), expires: '2026-04-12 08:13:55 +0000 UTC', owner: 'alice',
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

interface Harness {
  server: LoopbackServer;
  client: ManagerClient;
  sleeps: number[];
  retries: ManagerRetryEvent[];
}

async function harness(handler: Handler, options: Partial<ManagerClientOptions> = {}): Promise<Harness> {
  const server = await startServer(handler);
  const transport = createHttpTransport({ userAgent: 'acmecli-test', allowHttp: true, timeoutMs: 10_000 });
  cleanups.push(() => server.close(), () => transport.close());
  const sleeps: number[] = [];
  const retries: ManagerRetryEvent[] = [];
  const client = new ManagerClient({
    baseUrl: `${server.origin}/api/v1`,
    token: TOKEN,
    send: transport.send,
    sleep: async (ms) => { sleeps.push(ms); },
    onRetry: (event) => retries.push(event),
    ...options,
  });
  return { server, client, sleeps, retries };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(String((err as Error).message)).not.toContain(TOKEN);
    return err as Error;
  }
  throw new Error('expected a failure');
}

test('manager-contract.md §1: the base URL must end in /api/v1', () => {
  const send = async () => ({ status: 200, headers: {}, body: new Uint8Array() });
  for (const baseUrl of ['http://localhost:8989', 'https://manager.example:8989/api', 'not a url', 'ftp://m/api/v1', 'https://m/api/v1?x=1']) {
    expect(() => new ManagerClient({ baseUrl, token: TOKEN, send }), baseUrl).toThrow(new UsageError('the manager URL must end in /api/v1 (e.g. https://manager.example:8989/api/v1)'));
  }
  expect(() => new ManagerClient({ baseUrl: 'https://m.example/prefix/api/v1/', token: TOKEN, send })).not.toThrow();
  expect(() => new ManagerClient({ baseUrl: 'https://m.example/api/v1', token: 'nope', send })).toThrow(UsageError);
});

test('whoami: GET /api/v1/token/self with the bearer token and no body', async () => {
  const h = await harness((_req, res) => goJson(res, 200, { username: 'alice', scope: ['read', 'create'], expires: 'Never', tokenHash: 'x' }));
  const self = await h.client.whoami();
  expect(self.username).toBe('alice');
  expect(self.scope).toEqual(['read', 'create']);
  const [req] = h.server.requests;
  expect(req?.method).toBe('GET');
  expect(req?.url).toBe('/api/v1/token/self');
  expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(req?.headers['content-type']).toBeUndefined();
  expect(req?.body).toBe('');
});

test('a trailing slash on the base URL is not doubled', async () => {
  const h = await harness((_req, res) => goJson(res, 200, { username: 'alice', scope: [], expires: 'Never' }));
  const transport = createHttpTransport({ userAgent: 't', allowHttp: true });
  cleanups.push(() => transport.close());
  const client = new ManagerClient({ baseUrl: `${h.server.origin}/api/v1/`, token: ` ${TOKEN}\n`, send: transport.send });
  await client.whoami();
  expect(h.server.requests[0]?.url).toBe('/api/v1/token/self');
  expect(h.server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
});

test('manager-contract.md §3.2: an empty metadata list is `null` on the wire and [] here', async () => {
  const h = await harness((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('null');
  });
  expect(await h.client.listMetadata()).toEqual([]);
  expect(h.server.requests[0]?.url).toBe('/api/v1/certificate/metadata');
});

test('pieces of the token anywhere in a success answer are redacted, in nested lists and a field named __proto__ too; blobs are left whole', async () => {
  const body = `[{"domain":"a.example","issuer":"pebble","labels":"stolen=${TOKEN}","__proto__":"x${TOKEN}","san":["b.example","${TOKEN}"],"csr":"${TOKEN}"}]`;
  const h = await harness((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  const [entry] = (await h.client.listMetadata()) as unknown as Record<string, unknown>[];
  expect(JSON.stringify(entry)).toBe(`{"domain":"a.example","issuer":"pebble","labels":"stolen=<redacted>","__proto__":"x<redacted>","san":["b.example","<redacted>"],"csr":"${TOKEN}"}`);
  expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
});

test('the same metadata answer twice gives the same frozen list, read once; another answer is read anew', async () => {
  let list: object[] = [{ domain: 'a.example', issuer: 'pebble', labels: `x=${TOKEN}` }];
  const h = await harness((_req, res) => goJson(res, 200, list));
  const first = await h.client.listMetadata();
  expect(first).toEqual([{ domain: 'a.example', issuer: 'pebble', labels: 'x=<redacted>' }]);
  expect(Object.isFrozen(first) && Object.isFrozen(first[0])).toBe(true);
  expect(await h.client.listMetadata()).toBe(first);
  list = [{ domain: 'b.example', issuer: 'pebble' }];
  expect(await h.client.listMetadata()).toEqual(list);
  expect(h.server.requests.length).toBe(3); // one request per call all the same
});

test('the metadata list comes back with its wire field names', async () => {
  const list = [{ domain: 'a.example', issuer: 'pebble', renewal_days: '20-30', key_type: 'ec256' }, { domain: 'b.example', issuer: 'pebble', name: 'web' }];
  const h = await harness((_req, res) => goJson(res, 200, list));
  expect(await h.client.listMetadata()).toEqual(list);
});

test('getCertificate by name and by issuer/domain', async () => {
  const h = await harness((_req, res) => goJson(res, 200, CERT_MAP));
  expect(await h.client.getCertificate({ name: 'web' })).toEqual(CERT_MAP);
  await h.client.getCertificate({ issuer: 'pebble', domain: '*.a.example' });
  expect(h.server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/v1/certificate/web', 'GET /api/v1/certificate/pebble/*.a.example']);
  await expect(h.client.getCertificate({ name: 'metadata' })).rejects.toThrow(UsageError);
});

test('manager-contract.md §3.2: POST sends the Go client body (omitempty fields gone, bundle/revoke/labels/key_type kept)', async () => {
  const h = await harness((_req, res) => goJson(res, 201, CERT_MAP));
  const result = await h.client.createCertificate({ domain: 'a.example', issuer: 'letsencrypt', csr: 'LS0t', key_type: 'ec256', name: '', san: '', days: 0 });
  expect(result.cert).toBe(CERT_MAP.cert);
  const [req] = h.server.requests;
  expect(req?.method).toBe('POST');
  expect(req?.url).toBe('/api/v1/certificate');
  expect(req?.headers['content-type']).toBe('application/json');
  expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(JSON.parse(req?.body ?? '')).toStrictEqual({ domain: 'a.example', issuer: 'letsencrypt', bundle: false, csr: 'LS0t', revoke: false, labels: '', key_type: 'ec256' });
});

test('PUT carries every set field and revoke', async () => {
  const h = await harness((_req, res) => goJson(res, 200, CERT_MAP));
  const params = {
    domain: 'a.example', issuer: 'pebble', name: 'web', san: 'b.example,c.example', csr: 'LS0t', days: 90, renewal_days: '20-30',
    dns_challenge: 'ns1', profile: 'shortlived', bundle: true, labels: 'env=prod', key_type: 'rsa2048', revoke: true,
  };
  await h.client.updateCertificate(params);
  expect(h.server.requests[0]?.method).toBe('PUT');
  expect(JSON.parse(h.server.requests[0]?.body ?? '')).toStrictEqual(params);
});

test('manager-contract.md §3.2: DELETE revokes only with the exact ?revoke=true, and takes the 204', async () => {
  const h = await harness((_req, res) => {
    res.writeHead(204);
    res.end();
  });
  await h.client.deleteCertificate({ issuer: 'pebble', domain: 'a.example' }, { revoke: true });
  await h.client.deleteCertificate({ name: 'web' });
  await h.client.deleteCertificate({ name: 'web' }, { revoke: false });
  expect(h.server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
    'DELETE /api/v1/certificate/pebble/a.example?revoke=true',
    'DELETE /api/v1/certificate/web',
    'DELETE /api/v1/certificate/web',
  ]);
  expect(h.server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
});

test('manager-contract.md §3.5: a 429 with Retry-After is rate-limited, one line, and not retried', async () => {
  const h = await harness((_req, res) => goError(res, 429, { domain: 'a.example', err: 'rate limit exceeded, retry after 847s', issuer: 'pebble', name: '', owner: 'alice' }, { 'retry-after': '847' }));
  const err = await failure(h.client.createCertificate({ domain: 'a.example', issuer: 'pebble', csr: 'LS0t', key_type: 'ec256' }));
  expect(err).toBeInstanceOf(ManagerError);
  const e = err as ManagerError;
  expect(e.message).toBe('POST certificate pebble/a.example: 429 rate limit exceeded, retry after 847s');
  expect(e.code).toBe('HTTP');
  expect(e.kind).toBe('rate-limited');
  expect(e.status).toBe(429);
  expect(e.httpStatus).toBe(429);
  expect(e.retryAfterMs).toBe(847_000);
  expect(e.serverMessage).toBe('rate limit exceeded, retry after 847s');
  expect(h.server.requests).toHaveLength(1);
});

test('manager-contract.md §3.5: through a follower the header is gone, so `retry after 12s` in the body gives the wait', async () => {
  const h = await harness((_req, res) => goError(res, 429, { err: 'rate limit exceeded, retry after 12s', name: 'web', owner: 'alice' }));
  const e = (await failure(h.client.updateCertificate({ domain: 'a.example', issuer: 'pebble', name: 'web', csr: 'LS0t', key_type: 'ec256' }))) as ManagerError;
  expect(e.kind).toBe('rate-limited');
  expect(e.retryAfterMs).toBe(12_000);
  expect(e.message).toBe('PUT certificate web: 429 rate limit exceeded, retry after 12s');
});

test('Retry-After as an HTTP-date counts from now', async () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const h = await harness((_req, res) => goError(res, 429, { err: 'rate limit exceeded' }, { 'retry-after': 'Thu, 01 Jan 2026 00:01:00 GMT' }), { now: () => now });
  const e = (await failure(h.client.deleteCertificate({ name: 'web' }))) as ManagerError;
  expect(e.retryAfterMs).toBe(60_000);
  expect(h.server.requests).toHaveLength(1);
});

test('manager-contract.md §7 item 8: a 429 busy lock has no Retry-After and is not retried, even on DELETE', async () => {
  const h = await harness((_req, res) => goError(res, 429, { domain: 'a.example', err: 'another operation is in progress', issuer: 'pebble', name: '', owner: 'alice' }));
  const e = (await failure(h.client.deleteCertificate({ issuer: 'pebble', domain: 'a.example' }))) as ManagerError;
  expect(e.kind).toBe('busy');
  expect(e.retryAfterMs).toBeUndefined();
  expect(h.server.requests).toHaveLength(1);
  expect(h.sleeps).toEqual([]);
});

test.each([
  [401, { error: 'token expired' }, 'unauthorized', 'GET certificate web: 401 token expired'],
  [403, { error: "invalid scope, missing 'read' scope" }, 'forbidden', "GET certificate web: 403 invalid scope, missing 'read' scope"],
  [404, { err: 'certificate not found', name: 'web', owner: 'alice' }, 'not-found', 'GET certificate web: 404 certificate not found'],
  [409, { error: "certificate 'web' is pending deletion" }, 'conflict', "GET certificate web: 409 certificate 'web' is pending deletion"],
  [400, { error: 'EOF' }, 'bad-request', 'GET certificate web: 400 EOF'],
  [405, 'Method Not Allowed', 'bad-request', 'GET certificate web: 405 Method Not Allowed'],
] as const)('manager-contract.md §1: a %i error body (error or err, JSON or text) becomes its kind and one line', async (status, body, kind, message) => {
  const h = await harness((_req, res) => goError(res, status, body));
  const e = (await failure(h.client.getCertificate({ name: 'web' }))) as ManagerError;
  expect(e).toBeInstanceOf(ManagerError);
  expect(e.kind).toBe(kind);
  expect(e.message).toBe(message);
  expect(e.isPendingDeletion).toBe(status === 409);
  expect(h.server.requests).toHaveLength(1);
});

test('a long HTML error page becomes one truncated line', async () => {
  const h = await harness((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end(`<html>\n<body>\n${'x'.repeat(1000)}\n</body></html>\n`);
  });
  const e = (await failure(h.client.whoami())) as ManagerError;
  expect(e.message).not.toContain('\n');
  expect(e.message.length).toBeLessThan(260);
  expect(e.kind).toBe('not-found');
});

test('a server that echoes the token does not get it into the error', async () => {
  const h = await harness((req, res) => goError(res, 401, { error: `bad header ${req.headers.authorization}` }));
  const e = (await failure(h.client.whoami())) as ManagerError;
  expect(e.serverMessage).toBe('bad header Bearer <redacted>');
});

test('manager-contract.md §6.11: a GET retries 502 with backoff and then succeeds', async () => {
  const h = await harness((_req, res, index) => (index === 0 ? goError(res, 502, { error: 'dial tcp 10.0.0.2:8989: connection refused' }) : goJson(res, 200, [])), { random: () => 0.5 });
  expect(await h.client.listMetadata()).toEqual([]);
  expect(h.server.requests).toHaveLength(2);
  expect(h.retries).toEqual([{ operation: 'GET certificate/metadata', attempt: 1, delayMs: 1500, reason: 'HTTP 502' }]);
  expect(h.sleeps).toEqual([1500]);
});

test('a failed metadata listing (500, body null) is retried max times, then one line with the attempts', async () => {
  const h = await harness((_req, res) => goError(res, 500, 'null'), { retry: { max: 2 }, random: () => 1 });
  const e = (await failure(h.client.listMetadata())) as ManagerError;
  expect(e.kind).toBe('server');
  expect(e.serverMessage).toBe('');
  expect(e.attempts).toBe(3);
  expect(e.message).toBe('GET certificate/metadata: 500 (the manager gave no reason) (after 3 attempts)');
  expect(h.server.requests).toHaveLength(3);
  expect(h.sleeps).toEqual([2000, 4000]); // full jitter's top: waitMin·2^n
});

test('backoff never exceeds waitMax', async () => {
  const h = await harness((_req, res) => goError(res, 503, { error: 'unavailable' }), { retry: { max: 6, waitMinMs: 1000, waitMaxMs: 5000 }, random: () => 0.999999 });
  await failure(h.client.getCertificate({ name: 'web' }));
  expect(h.server.requests).toHaveLength(7);
  expect(h.sleeps.every((ms) => ms >= 1000 && ms <= 5000)).toBe(true);
  expect(h.sleeps.at(-1)).toBe(5000);
});

test('501 is not retried; extraStatuses are', async () => {
  const h501 = await harness((_req, res) => goError(res, 501, { error: 'not implemented' }));
  await failure(h501.client.listMetadata());
  expect(h501.server.requests).toHaveLength(1);

  const h418 = await harness((_req, res, index) => (index === 0 ? goError(res, 418, { error: 'teapot' }) : goJson(res, 200, null)), { retry: { extraStatuses: [418] } });
  expect(await h418.client.listMetadata()).toEqual([]);
  expect(h418.server.requests).toHaveLength(2);
});

test('a 503 asking for more than waitMax is returned at once with its retryAfter', async () => {
  const h = await harness((_req, res) => goError(res, 503, { error: 'later' }, { 'retry-after': '3600' }));
  const e = (await failure(h.client.getCertificate({ issuer: 'pebble', domain: 'a.example' }))) as ManagerError;
  expect(e.retryAfterMs).toBe(3_600_000);
  expect(h.server.requests).toHaveLength(1);
});

test('a DELETE retries a 500 (the revoke failed, nothing was deleted)', async () => {
  const h = await harness((_req, res, index) => {
    if (index === 0) return goError(res, 500, { domain: 'a.example', err: 'revoke failed', issuer: 'pebble', name: '', owner: 'alice' });
    res.writeHead(204);
    res.end();
  });
  await h.client.deleteCertificate({ issuer: 'pebble', domain: 'a.example' }, { revoke: true });
  expect(h.server.requests.map((r) => r.url)).toEqual(['/api/v1/certificate/pebble/a.example?revoke=true', '/api/v1/certificate/pebble/a.example?revoke=true']);
});

test('manager-contract.md §6.11 (done better): a 500 on POST is not repeated, since each attempt is a new ACME order', async () => {
  const h = await harness((_req, res) => goError(res, 500, { domain: 'a.example', err: 'acme: error: 400 :: urn:ietf:params:acme:error:rejectedIdentifier', issuer: 'pebble', name: '', owner: 'alice' }));
  const e = (await failure(h.client.createCertificate({ domain: 'a.example', issuer: 'pebble', csr: 'LS0t', key_type: 'ec256' }))) as ManagerError;
  expect(e.kind).toBe('server');
  expect(e.message).toBe('POST certificate pebble/a.example: 500 acme: error: 400 :: urn:ietf:params:acme:error:rejectedIdentifier');
  expect(h.server.requests).toHaveLength(1);
  expect(h.sleeps).toEqual([]);
});

test('a 502 on PUT is not repeated either', async () => {
  const h = await harness((_req, res) => goError(res, 502, { error: 'proxy error' }));
  await failure(h.client.updateCertificate({ domain: 'a.example', issuer: 'pebble', csr: 'LS0t', key_type: 'ec256' }));
  expect(h.server.requests).toHaveLength(1);
});

test('a dropped connection: GET tries again, POST does not and says why', async () => {
  const drop: Handler = (_req, res, index) => (index === 0 ? res.socket?.destroy() : goJson(res, 200, [])) as void;
  const get = await harness(drop);
  expect(await get.client.listMetadata()).toEqual([]);
  expect(get.server.requests).toHaveLength(2);
  expect(get.retries[0]?.reason).toBe('NETWORK');

  const post = await harness((_req, res) => res.socket?.destroy() as unknown as void);
  const e = await failure(post.client.createCertificate({ domain: 'a.example', issuer: 'pebble', csr: 'LS0t', key_type: 'ec256' }));
  expect(e).toBeInstanceOf(NetworkError);
  expect(e.message).toMatch(/^POST certificate pebble\/a\.example: .*; not repeated, since a POST may already have started an ACME order$/);
  expect(post.server.requests).toHaveLength(1);
});

test('a per-call deadline ends a silent manager with a TimeoutError naming the call', async () => {
  // A deadline runs from before the connection, and the first request of a transport loads node:https: on a loaded
  // machine a 150 ms deadline ended attempts before they reached the server, which then saw fewer than 2 requests.
  // So the transport is loaded by one answered call first; after it, an attempt only has to reach a loopback server
  // (the first on the kept-alive socket, the second on a new one), and 400 ms is ample even on the loaded machine.
  const h = await harness((_req, res, index) => {
    if (index === 0) goJson(res, 200, { username: 'alice', scope: [], expires: 'Never' });
    // then never answers
  }, { timeouts: { tokenSelfMs: 400 }, retry: { max: 1 } });
  expect((await h.client.whoami()).username).toBe('alice');
  const e = await failure(h.client.whoami());
  expect(e).toBeInstanceOf(TimeoutError);
  expect(e.message).toBe('GET token/self: no answer within 400 ms (after 2 attempts)');
  expect(h.server.requests).toHaveLength(3);
});

test('a 200 that is not JSON where JSON is due is a BadResponseError', async () => {
  const h = await harness((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>login</html>');
  });
  const e = await failure(h.client.getCertificate({ name: 'web' }));
  expect(e).toBeInstanceOf(BadResponseError);
  expect(e.message).toBe('GET certificate web: the manager answered 200 but not with JSON (<html>login</html>)');
  await expect(h.client.whoami()).rejects.toThrow(BadResponseError);
});

test('JSON of the wrong shape is a BadResponseError too', async () => {
  const h = await harness((req, res) => goJson(res, 200, req.url.endsWith('metadata') ? { not: 'a list' } : { username: 'alice' }));
  await expect(h.client.listMetadata()).rejects.toThrow(BadResponseError);
  await expect(h.client.getCertificate({ name: 'web' })).rejects.toThrow('GET certificate web: the answer has no certificate (cert)');
});

test('a redirect is refused and points at the URL', async () => {
  const h = await harness((_req, res) => {
    res.writeHead(302, { location: 'https://login.example/' });
    res.end();
  });
  const e = await failure(h.client.whoami());
  expect(e).toBeInstanceOf(BadResponseError);
  expect(e.message).toBe('GET token/self: unexpected 302 to https://login.example/; check the manager URL');
});
