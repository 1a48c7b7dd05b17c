// Stand-in: no ACME Manager or Vault binary runs here; these tests prove test/support/manager-standin.ts and vault-standin.ts keep manager-contract.md's wire quirks, issuing for real at Pebble.
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { splitPemChain } from '../../src/certs/certificate.js';
import { createCsr } from '../../src/certs/csr.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { startManagerStandin, type ManagerStandin } from '../support/manager-standin.js';
import { getCertStatusBySerial, sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startVaultStandin, type VaultStandin } from '../support/vault-standin.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One HTTP exchange on a fresh connection (no keep-alive, so setDown/setGarbage act at once). */
function call(method: string, url: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const GO_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000 UTC$/;
const RENEWAL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00 \+0000 UTC$/;
const DAY_MS = 86_400_000;

/** A new EC key and the base64(PEM) CSR the Go client would send: CN = domain, SAN = the rest (§6.7). */
async function makeCsr(domain: string, san: string[] = []): Promise<{ key: KeyObject; csr: string }> {
  const key = await generatePrivateKey('ec256');
  const { pem } = await createCsr(key, [domain, ...san].map((value) => ({ type: 'dns' as const, value })));
  return { key, csr: Buffer.from(pem).toString('base64') };
}

/** The body the Go client sends for POST/PUT (§3.2): bundle, revoke, labels, key_type always present. */
function certBody(domain: string, csr: string, extra: Record<string, unknown> = {}) {
  return { domain, issuer: 'pebble', bundle: false, csr, revoke: false, labels: '', key_type: 'ec256', ...extra };
}

/** Go's `http.Error`: text/plain, nosniff, JSON body plus a newline. */
function expectGoError(reply: Reply, status: number, body: Record<string, string>): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.text).toBe(`${JSON.stringify(body)}\n`);
}

/** Success: application/json, compact, no trailing newline. */
function json(reply: Reply, status: number): any {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(reply.text.endsWith('\n')).toBe(false);
  return JSON.parse(reply.text);
}

const pebbleOrders = async (pebble: PebbleInstance) => ((await pebble.readLog()).match(/POST \/order-plz/g) ?? []).length;

let pebble: PebbleInstance;
let manager: ManagerStandin;
const ALL: ('create' | 'read' | 'update' | 'delete')[] = ['create', 'read', 'update', 'delete'];

beforeAll(async () => {
  pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
  manager = await startManagerStandin({ pebble });
});
afterAll(async () => {
  await manager?.stop();
  await pebble?.stop();
});

describe('bearer authentication (§2)', () => {
  test('every 401 message, in the plain {"error"} shape', async () => {
    const url = `${manager.url}/certificate/metadata`;
    const good = manager.createToken({ username: 'auth-user', scope: ['read'], id: '11111111-2222-4333-8444-555555555555' });
    const [id, secret] = Buffer.from(good, 'base64').toString('utf8').split(':') as [string, string];
    const cases: [Record<string, string>, string][] = [
      [{}, 'authorization Header is missing or empty'],
      [{ authorization: `Basic ${good}` }, 'invalid token format'],
      [{ authorization: 'Bearer not base64!' }, 'invalid token format'],
      [{ authorization: `Bearer ${good.slice(0, 8)} ${good.slice(8)}` }, 'invalid token format'],
      [{ authorization: `Bearer ${Buffer.from('no-colon').toString('base64')}` }, 'invalid token format'],
      [{ authorization: `Bearer ${Buffer.from(`nobody:${secret}`).toString('base64')}` }, "token id 'nobody' not found"],
      [{ authorization: `Bearer ${Buffer.from(`${id}:${secret}x`).toString('base64')}` }, 'invalid token'],
    ];
    for (const [headers, message] of cases) expectGoError(await call('GET', url, { headers }), 401, { error: message });
    // The owner header appears only once auth succeeded.
    expect((await call('GET', url, { headers: {} })).headers.owner).toBeUndefined();
    expect((await call('GET', url, { token: good })).headers.owner).toBe('auth-user');

    manager.expireToken(id);
    expectGoError(await call('GET', url, { token: good }), 401, { error: 'token expired' });
  });

  test('the stored hash is SHA-256 hex of the secret part only; /token/self needs no scope', async () => {
    const token = manager.createToken({ username: 'hash-user', scope: ['create'], duration: '30d' });
    const secret = Buffer.from(token, 'base64').toString('utf8').split(':')[1]!;
    const self = json(await call('GET', `${manager.url}/token/self`, { token }), 200);
    expect(self.tokenHash).toBe(sha256(secret));
    expect(self.tokenHash).not.toBe(sha256(Buffer.from(token, 'base64').toString('utf8')));
    expect(self).toMatchObject({ username: 'hash-user', scope: ['create'], duration: '30d' });
    expect(self.expires).toMatch(GO_TIME);
    const expiresMs = Date.parse(self.expires.replace(' +0000 UTC', 'Z').replace(' ', 'T'));
    expect(Math.abs(expiresMs - (Date.now() + 30 * DAY_MS))).toBeLessThan(60_000);
    expect(self.id).toBeUndefined();
    // Without a bearer token, `self` is a token id behind the admin key.
    expectGoError(await call('GET', `${manager.url}/token/self`), 401, { error: 'X-API-Key Header is missing or empty' });
  });

  test('X-Request-ID is echoed, or generated as req_<32 hex>', async () => {
    const token = manager.createToken({ username: 'rid-user', scope: ['read'] });
    expect((await call('GET', `${manager.url}/certificate/metadata`, { token, headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id']).toBe('abc-123');
    expect((await call('GET', `${manager.url}/certificate/metadata`)).headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

describe('routing and validation (§1, §3.2)', () => {
  test('ServeMux answers: 405 with Allow, 404 text, metadata beats {name}', async () => {
    const token = manager.createToken({ username: 'route-user', scope: ALL });
    const wrong = await call('GET', `${manager.url}/token`, { token });
    expect([wrong.status, wrong.headers.allow, wrong.text]).toEqual([405, 'POST, PUT', 'Method Not Allowed\n']);
    const unknown = await call('GET', `${manager.url}/nothing/here`, { token });
    expect([unknown.status, unknown.text]).toEqual([404, '404 page not found\n']);
    // A GET on /certificate/metadata never reaches the by-name handler (which would need `read`).
    const listerOnly = manager.createToken({ username: 'route-user', scope: ['create'] });
    expect(json(await call('GET', `${manager.url}/certificate/metadata`, { token: listerOnly }), 200)).toBeNull();
  });

  test('400s in the plain shape: EOF, Go type errors, CN and untrimmed SAN checks', async () => {
    const token = manager.createToken({ username: 'valid-user', scope: ALL });
    const url = `${manager.url}/certificate`;
    expectGoError(await call('POST', url, { token }), 400, { error: 'EOF' });
    expectGoError(await call('POST', url, { token, body: { domain: 'a.example.com', issuer: 'pebble', days: '90' } }), 400, {
      error: 'json: cannot unmarshal string into Go struct field CertificateParams.days of type int',
    });
    expectGoError(await call('POST', url, { token, body: certBody('a.example.com', 'x', { issuer: 'letsencrypt' }) }), 400, {
      error: "invalid issuer 'letsencrypt' must be one of [pebble]",
    });
    expectGoError(await call('POST', url, { token, body: certBody('a.example.com', '', { renewal_days: '-5' }) }), 400, {
      error: `invalid value in 'cert_days_renewal': strconv.Atoi: parsing "": invalid syntax`,
    });
    expectGoError(await call('POST', url, { token, body: certBody('a.example.com', '', { days: 30 }) }), 400, {
      error: "'renewal_days' () should be lower than 'days' (30)",
    });
    expectGoError(await call('POST', url, { token, body: certBody('a.example.com', '') }), 400, { error: "missing 'csr' parameter" });
    const { csr } = await makeCsr('a.example.com', ['b.example.com', 'c.example.com']);
    expectGoError(await call('POST', url, { token, body: certBody('other.example.com', csr, { san: 'b.example.com,c.example.com' }) }), 400, {
      error: "CSR Common Name should match 'domain' parameter. Domain 'other.example.com' - Common Name 'a.example.com'",
    });
    expectGoError(await call('POST', url, { token, body: certBody('a.example.com', csr, { san: 'b.example.com, c.example.com' }) }), 400, {
      error: "CSR Domains should match 'SAN' parameter. SAN: [b.example.com  c.example.com] - CSR domains: [b.example.com c.example.com]",
    });
    expectGoError(await call('POST', url, { token, body: certBody('a.example.com', csr) }), 400, {
      error: "CSR Domains should match 'SAN' parameter. SAN: [] - CSR domains: [b.example.com c.example.com]",
    });
    expect(manager.certificates('valid-user').size).toBe(0);
  });
});

describe('certificate lifecycle with real issuance at Pebble (§3.2–§4)', () => {
  const owner = 'alice';
  const domain = 'life.example.com';
  const san = 'www.life.example.com';
  let token: string;
  let first: { key: KeyObject; csr: string };
  let created: any;

  beforeAll(async () => {
    token = manager.createToken({ username: owner, scope: ALL });
    first = await makeCsr(domain, [san]);
  });

  test('the metadata list of a user with no certificate is null, not []', async () => {
    const reply = await call('GET', `${manager.url}/certificate/metadata`, { token });
    expect(json(reply, 200)).toBeNull();
    expect(reply.text).toBe('null');
  });

  test('POST → 201 CertMap with a Pebble certificate whose fingerprint is sha256(cert)', async () => {
    const reply = await call('POST', `${manager.url}/certificate`, { token, body: certBody(domain, first.csr, { san, labels: 'env=test' }) });
    created = json(reply, 201);
    expect(reply.headers.owner).toBe(owner);
    expect(created.fingerprint).toBe(sha256(created.cert));
    expect(created.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(splitPemChain(created.cert)).toHaveLength(1); // bundle false: leaf only
    expect(splitPemChain(created.ca_issuer).length).toBeGreaterThan(0);
    const leaf = new X509Certificate(created.cert);
    expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(createPublicKey(first.key).export({ type: 'spki', format: 'der' }));
    expect(leaf.subjectAltName).toContain(`DNS:${san}`);
    expect(created).toMatchObject({ domain, issuer: 'pebble', san, owner, csr: first.csr, labels: 'env=test', key_type: 'ec256', encryption: 'ECDSA-256' });
    expect(created.serial).toBe(leaf.serialNumber.toLowerCase().replace(/^0+/, ''));
    expect(created.expires).toBe(`${new Date(leaf.validTo).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`);
    expect(created.renewal_date).toMatch(RENEWAL_TIME);
    expect(created.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    // omitempty: false / 0 / "" keys are absent; cert, ca_issuer, url always present.
    for (const absent of ['bundle', 'days', 'renewal_days', 'name', 'dns_challenge', 'renewal_count']) expect(created).not.toHaveProperty(absent);
    expect((await getCertStatusBySerial(pebble, created.serial))?.Status).toBe('Valid');

    const list = json(await call('GET', `${manager.url}/certificate/metadata`, { token }), 200);
    expect(list).toHaveLength(1);
    expect(list[0].fingerprint).toBe(created.fingerprint);
    expect(list[0]).not.toHaveProperty('cert');
    // Go marshals models.Certificate in struct order (§3.3), empty fields left out.
    expect(Object.keys(list[0])).toEqual(['domain', 'issuer', 'san', 'renewal_date', 'expires', 'fingerprint', 'owner', 'csr', 'labels', 'encryption', 'serial', 'key_type', 'updated_at']);
    const one = json(await call('GET', `${manager.url}/certificate/metadata?issuer=pebble&domain=${domain}`, { token }), 200);
    expect(one).toEqual(list);
    expect(json(await call('GET', `${manager.url}/certificate/pebble/${domain}`, { token }), 200)).toEqual(created);
  });

  test('a second POST is 409 in the contextual {"err"} shape, even without the create scope', async () => {
    const dup = await call('POST', `${manager.url}/certificate`, { token, body: certBody(domain, first.csr, { san }) });
    expectGoError(dup, 409, { domain, err: 'certificate already exists', issuer: 'pebble', name: '', owner });
    const readOnly = manager.createToken({ username: owner, scope: ['read'] });
    expect((await call('POST', `${manager.url}/certificate`, { token: readOnly, body: certBody(domain, first.csr, { san }) })).status).toBe(409);
    const reader = manager.createToken({ username: owner, scope: ['create'] });
    expectGoError(await call('GET', `${manager.url}/certificate/pebble/${domain}`, { token: reader }), 403, { error: "invalid scope, missing 'read' scope" });
    const noDelete = manager.createToken({ username: owner, scope: ['read'] });
    expectGoError(await call('DELETE', `${manager.url}/certificate/pebble/${domain}`, { token: noDelete }), 403, {
      domain, err: "invalid scope, missing 'delete' scope", issuer: 'pebble', name: '', owner,
    });
  });

  test('a PUT resending the stored csr is metadata-only: old csr, same fingerprint, no order at Pebble', async () => {
    const ordersBefore = await pebbleOrders(pebble);
    const reply = await call('PUT', `${manager.url}/certificate`, { token, body: certBody(domain, created.csr, { san, renewal_days: '10-15', labels: 'env=prod' }) });
    const updated = json(reply, 200);
    expect(updated).toMatchObject({ csr: first.csr, fingerprint: created.fingerprint, serial: created.serial, renewal_days: '10-15', labels: 'env=prod' });
    const expiresMs = Date.parse(created.expires.replace(' +0000 UTC', 'Z').replace(' ', 'T'));
    const renewMs = Date.parse(updated.renewal_date.replace(' +0000 UTC', 'Z').replace(' ', 'T'));
    // §5: the day after a weekday in [exp−15d, exp−10d], at a random minute.
    expect(renewMs).toBeGreaterThanOrEqual(expiresMs - 16 * DAY_MS);
    expect(renewMs).toBeLessThanOrEqual(expiresMs - 8 * DAY_MS);
    expect(await pebbleOrders(pebble)).toBe(ordersBefore);
  });

  test('a PUT with a new CSR re-issues: new fingerprint and csr; bundle puts the chain in cert', async () => {
    const second = await makeCsr(domain, [san]);
    const reply = await call('PUT', `${manager.url}/certificate`, { token, body: certBody(domain, second.csr, { san, bundle: true }) });
    const reissued = json(reply, 200);
    expect(reissued.csr).toBe(second.csr);
    expect(reissued.fingerprint).not.toBe(created.fingerprint);
    expect(reissued.fingerprint).toBe(sha256(reissued.cert));
    expect(reissued.bundle).toBe(true);
    expect(splitPemChain(reissued.cert).length).toBeGreaterThan(1);
    expect(reissued.cert.endsWith(reissued.ca_issuer)).toBe(true);
    created = reissued;
  });

  test('renewNow reuses the stored csr: new fingerprint and serial, same key, renewal_count 1', async () => {
    await manager.renewNow(owner, `pebble/${domain}`);
    const renewed = json(await call('GET', `${manager.url}/certificate/pebble/${domain}`, { token }), 200);
    expect(renewed.csr).toBe(created.csr);
    expect(renewed.fingerprint).not.toBe(created.fingerprint);
    expect(renewed.serial).not.toBe(created.serial);
    expect(renewed.fingerprint).toBe(sha256(renewed.cert));
    expect(renewed.renewal_count).toBe(1);
    const spki = (pem: string) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
    expect(spki(renewed.cert)).toEqual(spki(created.cert));
    created = renewed;
  });

  test('the per-cert lock answers 429 busy without Retry-After until released', async () => {
    const release = manager.holdLock(owner, `pebble/${domain}`);
    const busy = await call('PUT', `${manager.url}/certificate`, { token, body: certBody(domain, created.csr, { san, bundle: true }) });
    expectGoError(busy, 429, { domain, err: 'another operation is in progress', issuer: 'pebble', name: '', owner });
    expect(busy.headers['retry-after']).toBeUndefined();
    expect((await call('DELETE', `${manager.url}/certificate/pebble/${domain}`, { token })).status).toBe(429);
    release();
    expect((await call('PUT', `${manager.url}/certificate`, { token, body: certBody(domain, created.csr, { san, bundle: true }) })).status).toBe(200);
  });

  test('DELETE ?revoke=true → 204, revoked at Pebble, then 409 pending deletion until reaped', async () => {
    const reply = await call('DELETE', `${manager.url}/certificate/pebble/${domain}?revoke=true`, { token });
    expect([reply.status, reply.text]).toEqual([204, '']);
    expect((await getCertStatusBySerial(pebble, created.serial))?.Status).toBe('Revoked');
    const get = await call('GET', `${manager.url}/certificate/pebble/${domain}`, { token });
    expect(get.status).toBe(409);
    expect(get.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(JSON.parse(get.text).error).toMatch(/is pending deletion$/);
    expect(get.text.endsWith('\n')).toBe(true);
    expect((await call('POST', `${manager.url}/certificate`, { token, body: certBody(domain, created.csr, { san }) })).status).toBe(409);
    expect(json(await call('GET', `${manager.url}/certificate/metadata`, { token }), 200)).toBeNull();

    manager.reapPendingDeletions();
    const gone = await call('GET', `${manager.url}/certificate/pebble/${domain}`, { token });
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.text)).toMatchObject({ domain, issuer: 'pebble', name: '', owner });
    expect(JSON.parse(gone.text).err).toMatch(/not found/);
  });

  test('named certificates: identity is the name, by-name errors carry {err,name,owner}', async () => {
    const { csr } = await makeCsr('named.example.com');
    const made = json(await call('POST', `${manager.url}/certificate`, { token, body: certBody('named.example.com', csr, { name: 'web' }) }), 201);
    expect(made.name).toBe('web');
    expect(json(await call('GET', `${manager.url}/certificate/web`, { token }), 200).fingerprint).toBe(made.fingerprint);
    expect(json(await call('GET', `${manager.url}/certificate/anything/else?name=web`, { token }), 200).fingerprint).toBe(made.fingerprint);
    expectGoError(await call('GET', `${manager.url}/certificate/nope`, { token }), 404, { err: "certificate 'alice/nope' not found", name: 'nope', owner });
    expect((await call('DELETE', `${manager.url}/certificate/web`, { token })).status).toBe(204);
  });
});

describe('rate limit (§3.5)', () => {
  test('429 with Retry-After and "retry after Ns" under err; counted per identity', async () => {
    let clock = Date.parse('2030-01-07T10:00:00Z');
    const limited = await startManagerStandin({ pebble, rateLimit: { windowMs: 3_600_000, maxRequests: 1 }, now: () => new Date(clock) });
    try {
      const token = limited.createToken({ username: 'bob', scope: ALL });
      const { csr } = await makeCsr('rl.example.com');
      expect((await call('POST', `${limited.url}/certificate`, { token, body: certBody('rl.example.com', csr) })).status).toBe(201);
      expect((await call('DELETE', `${limited.url}/certificate/pebble/rl.example.com`, { token })).status).toBe(204);
      limited.reapPendingDeletions();
      clock += 600_000;
      const refused = await call('POST', `${limited.url}/certificate`, { token, body: certBody('rl.example.com', csr) });
      expectGoError(refused, 429, { domain: 'rl.example.com', err: 'rate limit exceeded, retry after 3000s', issuer: 'pebble', name: '', owner: 'bob' });
      expect(refused.headers['retry-after']).toBe('3000');
      const other = await makeCsr('rl2.example.com');
      expect((await call('POST', `${limited.url}/certificate`, { token, body: certBody('rl2.example.com', other.csr) })).status).toBe(201);
      clock += 3_000_000;
      expect((await call('POST', `${limited.url}/certificate`, { token, body: certBody('rl.example.com', csr) })).status).toBe(201);
    } finally {
      await limited.stop();
    }
  });
});

describe('failure modes', () => {
  test('setDown resets connections; setGarbage answers 200 HTML; the log keeps every request', async () => {
    const token = manager.createToken({ username: 'carol', scope: ALL });
    const url = `${manager.url}/certificate/metadata`;
    manager.setDown(true);
    await expect(call('GET', url, { token })).rejects.toMatchObject({ code: 'ECONNRESET' });
    manager.setDown(false);
    manager.setGarbage(true);
    const garbage = await call('GET', url, { token });
    expect([garbage.status, garbage.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(garbage.text).toMatch(/^<!DOCTYPE html>/);
    manager.setGarbage(false);
    expect(json(await call('GET', url, { token }), 200)).toBeNull();
    expect(manager.requests.filter((r) => r.path === '/api/v1/certificate/metadata' && r.headers.authorization === `Bearer ${token}`)).toHaveLength(3);
  });
});

describe('Vault stand-in (§6.8)', () => {
  let vault: VaultStandin;
  beforeAll(async () => {
    vault = await startVaultStandin({ roleId: 'role-1', secretId: 'secret-1' });
  });
  afterAll(async () => {
    await vault?.stop();
  });

  test('AppRole login, KV v2 put/get with versions, 404 for a missing secret, 403 without a good token', async () => {
    const bad = await call('POST', `${vault.url}/v1/auth/approle/login`, { body: { role_id: 'role-1', secret_id: 'wrong' } });
    expect([bad.status, JSON.parse(bad.text)]).toEqual([400, { errors: ['invalid role or secret ID'] }]);
    const login = await call('POST', `${vault.url}/v1/auth/approle/login`, { body: { role_id: 'role-1', secret_id: 'secret-1' } });
    expect(login.status).toBe(200);
    const { client_token: clientToken, lease_duration: lease } = JSON.parse(login.text).auth;
    expect(typeof clientToken).toBe('string');
    expect(lease).toBe(3600);
    const headers = { 'x-vault-token': clientToken };
    const path = `${vault.url}/v1/secret/data/acme/alice/pebble/a.example.com`;

    const put = await call('POST', path, { headers, body: { data: { cert: 'C1', key: 'K1' } } });
    expect([put.status, JSON.parse(put.text).data.version]).toEqual([200, 1]);
    expect(JSON.parse((await call('POST', path, { headers, body: { data: { cert: 'C2', key: 'K2' } } })).text).data.version).toBe(2);
    const got = await call('GET', path, { headers });
    expect(got.status).toBe(200);
    expect(JSON.parse(got.text).data).toMatchObject({ data: { cert: 'C2', key: 'K2' }, metadata: { version: 2 } });
    expect(vault.secrets().get('secret/acme/alice/pebble/a.example.com')).toEqual({ cert: 'C2', key: 'K2' });

    const missing = await call('GET', `${vault.url}/v1/secret/data/acme/alice/pebble/none.example.com`, { headers });
    expect([missing.status, JSON.parse(missing.text)]).toEqual([404, { errors: [] }]);
    for (const h of [{}, { 'x-vault-token': 'hvs.wrong' }] as Record<string, string>[]) {
      const denied = await call('GET', path, { headers: h });
      expect([denied.status, JSON.parse(denied.text)]).toEqual([403, { errors: ['permission denied'] }]);
    }
    vault.revokeTokens();
    expect((await call('GET', path, { headers })).status).toBe(403);
  });
});
