/**
 * acme-dns (joohoi/acme-dns): an HTTP API that only sets the TXT record of one
 * subdomain of its own zone. `_acme-challenge.NAME` is a CNAME to that subdomain,
 * created once by the user. The accounts live in ACME_DNS_STORAGE_PATH, the JSON
 * file lego and acme-dns-client share: `{ "example.org": { "fulldomain": …,
 * "subdomain": …, "username": …, "password": …, "server_url": … } }`.
 *
 * The API and the storage file are outside input: every field is checked before
 * it is used, the response size is capped, and the password never appears in a
 * message.
 */
import { readFile } from 'node:fs/promises';
import { ipAddressVersion } from '../net/ip-address.js';

import { DnsError, UsageError } from '../errors.js';
import { readCapped } from '../net/read-capped.js';
import { describeFsError, writeFileAtomic } from '../state/atomic-write.js';
import type { DnsLookups, DnsProvider, TxtRecordTarget } from './provider.js';
import { canonicalName } from './wire.js';

export interface AcmeDnsAccount {
  fulldomain: string;
  subdomain: string;
  username: string;
  password: string;
  server_url?: string;
  allowfrom?: string[];
}

export interface AcmeDnsOptions {
  env: Readonly<Record<string, string | undefined>>;
  onInfo: (message: string) => void;
  onWarning: (message: string) => void;
  /** For tests: the HTTP timeout. */
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;
// acme-dns only accepts a 43-character value: what dns-01 always is (base64url of SHA-256).
const TXT_VALUE = /^[A-Za-z0-9_-]{43}$/;

function str(value: unknown, max = 512): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !/[\x00-\x1f\x7f]/.test(value);
}

/** One account from the storage file or a register answer, checked; throws Error naming the field. */
export function checkAccount(value: unknown, where: string): AcmeDnsAccount {
  const a = value as Record<string, unknown> | null;
  if (typeof a !== 'object' || a === null) throw new Error(`${where} is not an object`);
  const fulldomain = typeof a.fulldomain === 'string' ? canonicalName(a.fulldomain) : '';
  if (!DNS_NAME.test(fulldomain)) throw new Error(`${where}: fulldomain ${JSON.stringify(String(a.fulldomain).slice(0, 80))} is not a DNS name`);
  if (!str(a.subdomain, 63) || !fulldomain.startsWith(`${a.subdomain.toLowerCase()}.`)) throw new Error(`${where}: subdomain is missing or not the first label of fulldomain`);
  if (!str(a.username)) throw new Error(`${where}: username is missing`);
  if (!str(a.password)) throw new Error(`${where}: password is missing`);
  return {
    fulldomain, subdomain: a.subdomain, username: a.username, password: a.password,
    ...(str(a.server_url, 2048) ? { server_url: a.server_url } : {}),
    ...(Array.isArray(a.allowfrom) && a.allowfrom.every((x) => str(x, 64)) ? { allowfrom: a.allowfrom as string[] } : {}),
  };
}

function apiBase(text: string | undefined): URL {
  if (!text) throw new UsageError('--dns acme-dns needs ACME_DNS_API_BASE (the acme-dns server, e.g. https://auth.example.org)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`ACME_DNS_API_BASE ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`ACME_DNS_API_BASE must be http(s), not ${url.protocol}`);
  if (url.username || url.password) throw new UsageError('ACME_DNS_API_BASE must not carry a user or password');
  return url;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || (ipAddressVersion(bare) === 4 && bare.startsWith('127.')) || bare === '::1';
}

export function createAcmeDnsProvider(options: AcmeDnsOptions): DnsProvider {
  const { env } = options;
  const storagePath = (): string => {
    const path = env.ACME_DNS_STORAGE_PATH;
    if (!path) throw new UsageError('--dns acme-dns needs ACME_DNS_STORAGE_PATH (the JSON file holding the acme-dns accounts, shared with lego)');
    return path;
  };

  const readStorage = async (): Promise<Record<string, unknown>> => {
    const path = storagePath();
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new UsageError(`cannot read ACME_DNS_STORAGE_PATH ${path}: ${describeFsError(err)}`);
    }
    if (text.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      return parsed as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`ACME_DNS_STORAGE_PATH ${path} is not an acme-dns storage file: ${(err as Error).message}`);
    }
  };

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> => {
    const url = new URL(path.replace(/^\//, ''), apiBase(env.ACME_DNS_API_BASE).href.replace(/\/?$/, '/'));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new DnsError(`acme-dns ${url.origin}${url.pathname}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    const tooLarge = () => new DnsError(`acme-dns ${url.origin}${url.pathname}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
    let bytes: Uint8Array;
    try {
      bytes = response.body === null ? new Uint8Array() : await readCapped(response.body, MAX_RESPONSE_BYTES, tooLarge);
    } catch (err) {
      if (err instanceof DnsError) throw err;
      throw new DnsError(`acme-dns ${url.origin}${url.pathname}: reading the answer failed: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  };

  const describeFailure = (what: string, r: { status: number; json: unknown }): string => {
    const error = (r.json as { error?: unknown } | undefined)?.error;
    return `acme-dns ${what}: HTTP ${r.status}${str(error, 200) ? ` (${error})` : ''}`;
  };

  /** The stored account of `domain`, or a new one registered (and stored, 0600) now. */
  const accountFor = async (domain: string): Promise<{ account: AcmeDnsAccount; registered: boolean }> => {
    const storage = await readStorage();
    if (storage[domain] !== undefined) {
      try {
        return { account: checkAccount(storage[domain], `ACME_DNS_STORAGE_PATH entry ${JSON.stringify(domain)}`), registered: false };
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const base = apiBase(env.ACME_DNS_API_BASE);
    const r = await post('register', {});
    if (r.status !== 201 && r.status !== 200) throw new DnsError(describeFailure('register', r));
    let account: AcmeDnsAccount;
    try {
      account = checkAccount(r.json, 'the register answer');
    } catch (err) {
      throw new DnsError(`acme-dns ${base.origin}: ${(err as Error).message}`);
    }
    account.server_url = base.href.replace(/\/$/, '');
    // Read again just before writing: another run may have stored other domains meanwhile.
    const latest = await readStorage();
    latest[domain] = account;
    await writeFileAtomic(storagePath(), `${JSON.stringify(latest, null, 2)}\n`, { mode: 0o600, forceMode: true, dirMode: 0o700 });
    return { account, registered: true };
  };

  const accounts = new Map<string, Promise<AcmeDnsAccount>>();
  const account = (challengeName: string, domain: string, lookups: DnsLookups): Promise<AcmeDnsAccount> => {
    let pending = accounts.get(domain);
    if (!pending) {
      pending = (async () => {
        const { account: a, registered } = await accountFor(domain);
        const target = await lookups.followCnames(challengeName).catch(() => challengeName);
        if (canonicalName(target) !== a.fulldomain) {
          const line = `${challengeName}. CNAME ${a.fulldomain}.`;
          if (registered) options.onInfo(`acme-dns: registered ${a.fulldomain} for ${domain} (stored in ${storagePath()})`);
          throw new DnsError(`acme-dns: create this DNS record once, then run again: ${line}${target !== challengeName ? ` (it is now a CNAME to ${target})` : ''}`);
        }
        return a;
      })();
      pending.catch(() => accounts.delete(domain));
      accounts.set(domain, pending);
    }
    return pending;
  };

  return {
    name: 'acme-dns',
    async prepare() {
      const base = apiBase(env.ACME_DNS_API_BASE);
      storagePath();
      await readStorage();
      if (base.protocol === 'http:' && !isLoopback(base.hostname)) options.onWarning(`ACME_DNS_API_BASE ${base.origin} is plain http: the acme-dns password crosses the network in clear`);
    },
    async targetOf(challengeName, domain, lookups) {
      return (await account(challengeName, domain, lookups)).fulldomain;
    },
    async present(record: TxtRecordTarget) {
      if (!TXT_VALUE.test(record.value)) throw new DnsError(`acme-dns only takes 43-character dns-01 values; ${record.challengeName} needs ${record.value.length} characters`);
      const a = await accounts.get(record.domain);
      if (a === undefined) throw new DnsError(`acme-dns: no account looked up for ${record.domain}`);
      const r = await post('update', { subdomain: a.subdomain, txt: record.value }, { 'X-Api-User': a.username, 'X-Api-Key': a.password });
      if (r.status !== 200) throw new DnsError(describeFailure(`update of ${a.fulldomain}`, r));
    },
    // acme-dns has no delete: it keeps the two latest values per subdomain (a wildcard
    // and its base name), and the next update replaces the older one.
    async cleanup() {},
  };
}
