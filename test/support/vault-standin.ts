// Stand-in for HashiCorp Vault: only the AppRole login and KV v2 read/write that the ACME Manager client's backup uses (manager-contract.md §6.8).
/**
 * Plain HTTP on 127.0.0.1 (port 0). Answers the way Vault does for what a client
 * can observe: JSON bodies with `errors` arrays, 403 `permission denied` for a
 * missing, unknown or expired token, 404 `{"errors":[]}` for a secret never
 * written, and KV v2's `{"data":{"data":…,"metadata":{…,"version":N}}}` on read.
 * Vault also accepts `Authorization: Bearer <token>`; so does this.
 * Left out: policies, leases renewal, soft delete/destroy, metadata endpoints, KV v1.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VaultStandinOptions {
  roleId: string;
  secretId: string;
  /** AppRole mount (`storage.vault.mount_path`); default 'approle'. */
  mountPath?: string;
  /** KV v2 mount (`storage.vault.secret_engine`); default 'secret'. */
  secretEngine?: string;
  /** Lease of the client tokens in seconds; default 3600. */
  leaseSeconds?: number;
}

export interface VaultRequest {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface VaultStandin {
  /** http://127.0.0.1:PORT (no trailing slash, no /v1): what `storage.vault.url` holds. */
  url: string;
  /** Latest data of each secret, keyed `<engine>/<path>` (e.g. `secret/acme/alice/pebble/a.example`). */
  secrets(): Map<string, Record<string, unknown>>;
  /** Writes a secret as a client would (a new version), e.g. a backup made by another client. */
  putSecret(engineAndPath: string, data: Record<string, unknown>): void;
  /** Ends every client token: the next KV call gets 403 and the client must log in again. */
  revokeTokens(): void;
  requests: VaultRequest[];
  stop(): Promise<void>;
}

interface SecretVersion {
  data: Record<string, unknown>;
  version: number;
  createdTime: string;
}

const sendVault = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
};

/** Vault's envelope around every successful answer. */
const envelope = (fields: Record<string, unknown>) => ({
  request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: null, warnings: null, auth: null, mount_type: '', ...fields,
});

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startVaultStandin(options: VaultStandinOptions): Promise<VaultStandin> {
  const mount = options.mountPath ?? 'approle';
  const engine = options.secretEngine ?? 'secret';
  const leaseSeconds = options.leaseSeconds ?? 3600;
  /** client token → expiry (ms). */
  const clientTokens = new Map<string, number>();
  /** `<engine>/<path>` → versions, oldest first. */
  const store = new Map<string, SecretVersion[]>();
  const requests: VaultRequest[] = [];

  const writeVersion = (key: string, data: Record<string, unknown>): SecretVersion => {
    const versions = store.get(key) ?? [];
    const entry = { data: structuredClone(data), version: versions.length + 1, createdTime: new Date().toISOString() };
    store.set(key, [...versions, entry]);
    return entry;
  };
  const versionMetadata = (v: SecretVersion) => ({ created_time: v.createdTime, custom_metadata: null, deletion_time: '', destroyed: false, version: v.version });

  /** AppRole login: wrong ids are a 400 in Vault, with this message for either half. */
  const login = (res: ServerResponse, body: unknown): void => {
    const roleId = isObject(body) ? body.role_id : undefined;
    const secretId = isObject(body) ? body.secret_id : undefined;
    if (typeof roleId !== 'string' || roleId === '') return sendVault(res, 400, { errors: ['missing role_id'] });
    if (roleId !== options.roleId || secretId !== options.secretId) return sendVault(res, 400, { errors: ['invalid role or secret ID'] });
    const clientToken = `hvs.${randomBytes(18).toString('base64url')}`;
    clientTokens.set(clientToken, Date.now() + leaseSeconds * 1000);
    sendVault(res, 200, envelope({
      auth: {
        client_token: clientToken, accessor: randomBytes(12).toString('base64url'), policies: ['default'], token_policies: ['default'],
        metadata: { role_name: 'acme-manager' }, lease_duration: leaseSeconds, renewable: true, entity_id: randomUUID(), token_type: 'service', orphan: true,
      },
    }));
  };

  /** Vault checks the token before routing: no valid token, 403 whatever the path. */
  const hasValidToken = (req: IncomingMessage): boolean => {
    const header = req.headers['x-vault-token'] ?? req.headers.authorization?.replace(/^Bearer /, '');
    const token = typeof header === 'string' ? header : undefined;
    const expiresAt = token === undefined ? undefined : clientTokens.get(token);
    return expiresAt !== undefined && Date.now() < expiresAt;
  };

  const kv = (req: IncomingMessage, res: ServerResponse, secretPath: string, body: unknown): void => {
    const key = `${engine}/${secretPath}`;
    if (req.method === 'GET') {
      const latest = store.get(key)?.at(-1);
      if (!latest) return sendVault(res, 404, { errors: [] });
      return sendVault(res, 200, envelope({ data: { data: structuredClone(latest.data), metadata: versionMetadata(latest) } }));
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      if (!isObject(body) || !isObject(body.data)) return sendVault(res, 400, { errors: ['no data provided'] });
      return sendVault(res, 200, envelope({ data: versionMetadata(writeVersion(key, body.data)) }));
    }
    sendVault(res, 405, { errors: [] });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readJson(req);
    requests.push({ method: req.method ?? '', path: url.pathname, body, headers: { ...req.headers } });
    if (req.method === 'POST' && url.pathname === `/v1/auth/${mount}/login`) return login(res, body);
    if (!hasValidToken(req)) return sendVault(res, 403, { errors: ['permission denied'] });
    const kvPrefix = `/v1/${engine}/data/`;
    if (url.pathname.startsWith(kvPrefix) && url.pathname.length > kvPrefix.length) return kv(req, res, url.pathname.slice(kvPrefix.length), body);
    sendVault(res, 404, { errors: [`no handler for route "${url.pathname.replace(/^\/v1\//, '')}". route entry not found.`] });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendVault(res, 500, { errors: [err instanceof Error ? err.message : String(err)] }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    secrets: () => new Map([...store.entries()].map(([key, versions]) => [key, structuredClone(versions.at(-1)!.data)])),
    putSecret: (engineAndPath, data) => void writeVersion(engineAndPath, data),
    revokeTokens: () => clientTokens.clear(),
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
