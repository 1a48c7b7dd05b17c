import { afterEach, expect, test } from 'vitest';
import { createHttpTransport } from '../../../src/net/transport.js';
import { BadResponseError, HttpError } from '../../../src/errors.js';
import { backupPath, VaultClient, type VaultClientOptions } from '../../../src/manager/vault.js';
import { goJson, startServer, type Handler, type LoopbackServer } from './loopback-server.js';

const ROLE_ID = 'role-7f3a';
const SECRET_ID = 'secret-id-5d1e9c0b-never-in-a-message';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

interface VaultHarness {
  server: LoopbackServer;
  vault: VaultClient;
  logins: () => number;
  clock: { now: number };
}

/** Answers AppRole logins with tok-1, tok-2, … (lease `leaseSeconds`); other paths go to `data`. */
async function harness(data: Handler, options: Partial<VaultClientOptions> & { leaseSeconds?: number } = {}): Promise<VaultHarness> {
  let logins = 0;
  const server = await startServer((req, res, index) => {
    if (req.method === 'POST' && req.url === '/v1/auth/approle/login') {
      logins++;
      return goJson(res, 200, { auth: { client_token: `tok-${logins}`, lease_duration: options.leaseSeconds ?? 3600, renewable: true } });
    }
    return data(req, res, index);
  });
  const transport = createHttpTransport({ userAgent: 'acmecli-test', allowHttp: true, timeoutMs: 10_000 });
  cleanups.push(() => server.close(), () => transport.close());
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const vault = new VaultClient({
    url: `${server.origin}/`, roleId: ROLE_ID, secretId: SECRET_ID, mountPath: 'approle', secretEngine: 'secret',
    send: transport.send, now: () => clock.now, sleep: async () => {}, ...options,
  });
  return { server, vault, logins: () => logins, clock };
}

const secretAnswer = (data: Record<string, unknown>) => ({ data: { data, metadata: { version: 3 } } });

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect((err as Error).message).not.toContain(SECRET_ID);
    expect((err as Error).message).not.toMatch(/tok-\d/);
    return err as Error;
  }
  throw new Error('expected a failure');
}

test('manager-contract.md §6.8: backup paths have 4 segments, or 5 for a named certificate', () => {
  expect(backupPath({ prefix: 'acme-agent', owner: 'alice', issuer: 'pebble', domain: 'a.example' })).toBe('acme-agent/alice/pebble/a.example');
  expect(backupPath({ prefix: 'acme-agent', owner: 'alice', issuer: 'pebble', domain: 'a.example', name: 'web' })).toBe('acme-agent/alice/pebble/web/a.example');
  expect(backupPath({ prefix: '/nested/prefix/', owner: 'alice', issuer: 'le', domain: '*.a.example', name: undefined })).toBe('nested/prefix/alice/le/*.a.example');
});

test('AppRole login once, then the cached token on every request', async () => {
  const h = await harness((_req, res) => goJson(res, 200, secretAnswer({ cert: 'C', key: 'K' })));
  expect(await h.vault.readSecret('acme-agent/alice/pebble/a.example')).toEqual({ cert: 'C', key: 'K' });
  expect(await h.vault.readSecret('acme-agent/alice/pebble/b.example')).toEqual({ cert: 'C', key: 'K' });
  expect(h.logins()).toBe(1);
  const [login, read1, read2] = h.server.requests;
  expect(JSON.parse(login?.body ?? '')).toStrictEqual({ role_id: ROLE_ID, secret_id: SECRET_ID });
  expect(read1?.url).toBe('/v1/secret/data/acme-agent/alice/pebble/a.example');
  expect(read1?.headers['x-vault-token']).toBe('tok-1');
  expect(read2?.headers['x-vault-token']).toBe('tok-1');
});

test('concurrent requests share one login', async () => {
  const h = await harness((_req, res) => goJson(res, 200, secretAnswer({ cert: 'C' })));
  await Promise.all([h.vault.readSecret('p/1'), h.vault.readSecret('p/2'), h.vault.readSecret('p/3')]);
  expect(h.logins()).toBe(1);
});

test('manager-contract.md §6.8: the token is used until 10 s before its lease ends, then Vault is asked again', async () => {
  const h = await harness((_req, res) => goJson(res, 200, secretAnswer({})), { leaseSeconds: 60 });
  await h.vault.readSecret('p');
  h.clock.now += 49_000;
  await h.vault.readSecret('p');
  expect(h.logins()).toBe(1);
  h.clock.now += 2_000; // 51 s: inside the last 10 s
  await h.vault.readSecret('p');
  expect(h.logins()).toBe(2);
  expect(h.server.requests.at(-1)?.headers['x-vault-token']).toBe('tok-2');
});

test('a 403 drops the cached token and logs in once more', async () => {
  const h = await harness((req, res) => (req.headers['x-vault-token'] === 'tok-1' ? goJson(res, 403, { errors: ['permission denied'] }) : goJson(res, 200, secretAnswer({ key: 'K' }))));
  expect(await h.vault.readSecret('p')).toEqual({ key: 'K' });
  expect(h.logins()).toBe(2);
  // The new token is the cached one now.
  await h.vault.readSecret('p');
  expect(h.logins()).toBe(2);
});

test('a second 403 is an HttpError that names neither secret id nor token', async () => {
  const h = await harness((_req, res) => goJson(res, 403, { errors: ['permission denied'] }));
  const e = await failure(h.vault.writeSecret('acme-agent/alice/pebble/a.example', { cert: 'C', key: 'K' }));
  expect(e).toBeInstanceOf(HttpError);
  expect((e as InstanceType<typeof HttpError>).httpStatus).toBe(403);
  expect(e.message).toBe('Vault write acme-agent/alice/pebble/a.example: 403 permission denied');
  expect(h.logins()).toBe(2);
});

test('manager-contract.md §6.8: a missing backup (404) reads as undefined', async () => {
  const h = await harness((_req, res) => goJson(res, 404, { errors: [] }));
  expect(await h.vault.readSecret('acme-agent/alice/pebble/gone.example')).toBeUndefined();
});

test('manager-contract.md §6.8: a write is POST /v1/{engine}/data/{path} with {"data":{…}}', async () => {
  const h = await harness((_req, res) => goJson(res, 200, { data: { version: 1 } }), { secretEngine: '/kv/' });
  const backup = { cert: '-----BEGIN CERTIFICATE-----\n', key: '-----BEGIN EC PRIVATE KEY-----\n' };
  await h.vault.writeSecret(backupPath({ prefix: 'acme-agent', owner: 'alice', issuer: 'pebble', name: 'web', domain: 'a.example' }), backup);
  const write = h.server.requests[1];
  expect(write?.method).toBe('POST');
  expect(write?.url).toBe('/v1/kv/data/acme-agent/alice/pebble/web/a.example');
  expect(write?.headers['content-type']).toBe('application/json');
  expect(write?.headers['x-vault-token']).toBe('tok-1');
  expect(JSON.parse(write?.body ?? '')).toStrictEqual({ data: backup });
});

test('a refused login is one line without the secret id, even when Vault echoes it', async () => {
  const server = await startServer((req, res) => goJson(res, 400, { errors: [`invalid role or secret ID: ${JSON.parse(req.body).secret_id}`] }));
  const transport = createHttpTransport({ userAgent: 'acmecli-test', allowHttp: true });
  cleanups.push(() => server.close(), () => transport.close());
  const vault = new VaultClient({ url: server.origin, roleId: ROLE_ID, secretId: SECRET_ID, mountPath: 'approle', secretEngine: 'secret', send: transport.send, sleep: async () => {} });
  const e = await failure(vault.readSecret('p'));
  expect(e).toBeInstanceOf(HttpError);
  expect(e.message).toBe('Vault login (auth/approle): 400 invalid role or secret ID: <redacted>');
  expect(server.requests).toHaveLength(1);
});

test('a 502 is retried with backoff; the login is not repeated', async () => {
  const sleeps: number[] = [];
  const h = await harness((_req, res, index) => (index === 1 ? goJson(res, 502, { errors: ['bad gateway'] }) : goJson(res, 200, secretAnswer({ cert: 'C' }))), {
    sleep: async (ms) => { sleeps.push(ms); }, random: () => 0,
  });
  expect(await h.vault.readSecret('p')).toEqual({ cert: 'C' });
  expect(h.logins()).toBe(1);
  expect(h.server.requests).toHaveLength(3);
  expect(sleeps).toEqual([1000]);
});

test('retries end after max; the last error names the status', async () => {
  const h = await harness((_req, res) => goJson(res, 500, { errors: ['internal error'] }), { retry: { max: 2 } });
  const e = await failure(h.vault.readSecret('p'));
  expect(e.message).toBe('Vault read p: 500 internal error');
  expect(h.server.requests).toHaveLength(4); // login + 3 reads
});

test('a read answer without data.data is a BadResponseError', async () => {
  const h = await harness((_req, res) => goJson(res, 200, { warnings: ['no data'] }));
  await expect(h.vault.readSecret('p')).rejects.toThrow(BadResponseError);
});

test('a piece of the secret id or of the Vault token, or a non-JSON answer echoing them, never reaches a message', async () => {
  const server = await startServer((req, res) => {
    if (req.url === '/v1/auth/approle/login') return goJson(res, 200, { auth: { client_token: 'hvs.CAESIJx9f3kq7Lw2', lease_duration: 3600 } });
    const token = String(req.headers['x-vault-token']);
    // A broken proxy: 200 and plain text holding pieces of both credentials, cut where a simple replace would miss them.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello ${token.slice(2)} id=${SECRET_ID.slice(3, 20)} role=${ROLE_ID}`);
  });
  const transport = createHttpTransport({ userAgent: 'acmecli-test', allowHttp: true, timeoutMs: 10_000 });
  cleanups.push(() => server.close(), () => transport.close());
  const vault = new VaultClient({ url: server.origin, roleId: ROLE_ID, secretId: SECRET_ID, mountPath: 'approle', secretEngine: 'secret', send: transport.send, sleep: async () => {} });
  const e = await failure(vault.readSecret('acme/x'));
  expect(e).toBeInstanceOf(BadResponseError);
  expect(e.message).toBe('Vault read acme/x: Vault answered 200 but not with JSON (hello <redacted> id=<redacted> role=<redacted>)');
});

test('a secret path with a ".." segment is refused before any request (it would leave data/)', async () => {
  const h = await harness((_req, res) => goJson(res, 200, secretAnswer({ key: 'K' })));
  await expect(h.vault.readSecret('acme/../../sys/x')).rejects.toThrow('a Vault secret path must not have "." or ".." segments');
  await expect(h.vault.writeSecret('acme/./x', { key: 'K' })).rejects.toThrow('must not have "." or ".." segments');
  expect(h.server.requests).toEqual([]);
});
