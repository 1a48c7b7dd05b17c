// Stand-in for the ACME Manager server (fgouteroux/acme-manager): no binary runs here, so this follows docs/manager-contract.md §1–§5, quirks included.
/**
 * What a client can observe of one ACME Manager leader, over plain HTTP on
 * 127.0.0.1 (port 0). Section marks (§n) point into manager-contract.md.
 *
 * Issuance is real: every POST, re-issuing PUT and `renewNow()` runs an ACME
 * order for the client's CSR against the given Pebble with acmecli's own
 * `obtainCertificate`. Start Pebble with `env: { PEBBLE_VA_ALWAYS_VALID: '1' }`:
 * the stand-in answers challenges without a responder, as the real manager's
 * `kvring` http provider would.
 *
 * Left out (a client never sees them): followers and proxying (§1 "Cluster"),
 * token management with X-API-Key (always 401 here: the stand-in has no admin
 * key; tokens come from `createToken`), plugins, /metrics, the web UI, the
 * hourly sweeps (use `reapPendingDeletions()`), and the automatic renewal
 * ticker (use `renewNow()`). Where manager-contract.md gives no exact message (domain
 * and name checks, "not found", "pending deletion"), the text here is ours; the
 * status code and body shape follow §3.4.
 */
import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountSigner, createAccount, type AccountRef } from '../../src/acme/account.js';
import { revokeCertificate } from '../../src/acme/certificate.js';
import { AcmeClient } from '../../src/acme/client.js';
import { AcmeProblemError } from '../../src/acme/problem.js';
import type { ChallengeSolver } from '../../src/acme/solver.js';
import { createHttpTransport } from '../../src/net/transport.js';
import { describeCertificate, splitPemChain } from '../../src/certs/certificate.js';
import { parseCsr } from '../../src/certs/csr.js';
import { findPemBlocks } from '../../src/keys/pem.js';
import { x509 } from './x509.js';
import { obtainCertificate } from '../../src/issuance/obtain.js';
import { accountKeyFromKeyObject } from '../../src/keys/account-key.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { jwkThumbprint } from '../../src/keys/thumbprint.js';
import { createHttpStatelessSolver } from '../../src/solvers/http-stateless.js';
import { createCsr } from '../../src/certs/csr.js';
import { issueLeaf, makeTestCa, type TestCa } from './forged-certificates.js';
import type { PebbleInstance } from './pebble.js';

export type TokenScope = 'create' | 'read' | 'update' | 'delete';

/**
 * What `setMisissue` hands out instead of the certificate for the CSR:
 * - `other-key`: a real Pebble certificate for the CSR's names but a key the client never made;
 * - `other-names`: for the CSR's key, with `evil.example` added, signed by the stand-in's own CA (its certificate as `ca_issuer`);
 * - `expired`: for the CSR's key and names, expired yesterday, signed by that CA;
 * - `bad-chain`: the real Pebble leaf, with the stand-in's CA (which did not issue it) as `ca_issuer`.
 */
export type Misissue = 'other-key' | 'other-names' | 'expired' | 'bad-chain';

export interface ManagerStandinOptions {
  pebble: PebbleInstance;
  /** Names of the server's `issuer:` map (§3.2); all of them issue at `pebble`. Default ['pebble']. */
  issuers?: string[];
  /** §3.5 global rate limit; off when absent (the server's default). */
  rateLimit?: { windowMs: number; maxRequests: number };
  /** The server's clock: token expiry, rate-limit windows, renewal dates. ACME itself runs on real time. */
  now?: () => Date;
}

export interface CreateTokenOptions {
  username: string;
  scope: TokenScope[];
  /** Prometheus duration (`30d`, `1w`, `12h`, `1y2w`); absent or '' = never expires (§3.1). */
  duration?: string;
  /** Token id (a UUID); a new one when absent. Give one to call `expireToken` later. */
  id?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** First value of each query parameter, as Go's `Query().Get` reads it. */
  query: Record<string, string>;
  /** The body parsed as JSON; the raw text when it is not JSON; undefined when empty or not read. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** One certificate as the server keeps it: ring metadata (§3.3 Certificate) plus the Vault-only CertMap keys. */
export interface StoredCertificate {
  domain: string;
  issuer: string;
  bundle: boolean;
  san: string;
  days: number;
  renewal_days: string;
  renewal_date: string;
  dns_challenge: string;
  http_challenge: string;
  expires: string;
  fingerprint: string;
  owner: string;
  csr: string;
  labels: string;
  encryption: string;
  serial: string;
  key_type: string;
  profile: string;
  updated_at: number;
  renewal_count: number;
  name: string;
  cert: string;
  ca_issuer: string;
  url: string;
}

export interface ManagerStandin {
  /** http://127.0.0.1:PORT/api/v1: the base URL a client is given (§1). */
  url: string;
  /** Stores a token as the server would (§2) and returns the bearer token base64("<id>:<secret>"). */
  createToken(options: CreateTokenOptions): string;
  /** Moves a token's `expires` one second into the past: the next request with it gets 401 `token expired`. */
  expireToken(id: string): void;
  /** Server-side renewal (§4): new order for the stored CSR; `nameOrIssuerDomain` is `web` or `pebble/a.example`. */
  renewNow(owner: string, nameOrIssuerDomain: string): Promise<void>;
  /** Holds the per-certificate lock (§4): POST/PUT/DELETE on it answer 429 busy until the returned function is called. */
  holdLock(owner: string, nameOrIssuerDomain: string): () => void;
  /** While down, every request's connection is reset before any answer. */
  setDown(down: boolean): void;
  /**
   * The next POST /certificate is carried out (the certificate issued and stored) and its answer
   * lost: the connection is reset instead of the 201, as when a proxy or the network drops it.
   */
  loseNextCreateAnswer(): void;
  /** While on, every request gets 200 with an HTML page (a proxy's login page, a wrong URL). */
  setGarbage(on: boolean): void;
  /**
   * A hostile manager (issue 8): while set, every issuance (POST, re-issuing PUT, `renewNow`) stores
   * and answers a certificate other than the one asked for. `undefined` makes it honest again.
   */
  setMisissue(kind: Misissue | undefined): void;
  /** Forgets every pending-deletion mark (the leader's hourly reap, §4). */
  reapPendingDeletions(): void;
  /**
   * Stores copies of one of the owner's certificates under other domains (same files and fields,
   * `issuer/domain` identities): a list as long as a fleet's without an ACME order for each.
   * The copies' certificates name the original's domain, so only list-level tests may use them.
   */
  copyCertificate(owner: string, nameOrIssuerDomain: string, domains: string[]): void;
  requests: LoggedRequest[];
  /** The owner's live certificates, keyed `name` or `issuer/domain` (copies). */
  certificates(owner: string): Map<string, StoredCertificate>;
  stop(): Promise<void>;
}

const API_PREFIX = '/api/v1';
const SCOPES: readonly string[] = ['create', 'read', 'update', 'delete'];
/** `common.cert_days_renewal` default (§3.2 `renewal_days`, §5). */
const DEFAULT_RENEWAL_DAYS = '20-30';
const DAY_MS = 86_400_000;
const MAX_BODY_BYTES = 1 << 20;
/** `models.Certificate` in struct order: Go marshals fields in this order, so the JSON text does too. */
const CERTIFICATE_FIELDS = [
  'domain', 'issuer', 'bundle', 'san', 'days', 'renewal_days', 'renewal_date', 'dns_challenge', 'http_challenge', 'expires',
  'fingerprint', 'owner', 'csr', 'labels', 'encryption', 'serial', 'key_type', 'profile', 'updated_at', 'renewal_count', 'name',
] as const satisfies readonly (keyof StoredCertificate)[];

// ---------------------------------------------------------------------------
// Go-compatible text: time strings, JSON encoding, error bodies (§1, §3.3).

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Go `Time.String()` of a UTC time with whole seconds: `2026-04-12 08:13:55 +0000 UTC`. */
export function goTimeString(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000 UTC`;
}

/** Reads `YYYY-MM-DD HH:MM:SS +0000 UTC` back (Go layout `2006-01-02 15:04:05 -0700 MST`); undefined if it does not parse. */
function parseGoTime(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) [A-Z]+$/.exec(text);
  if (!m) return undefined;
  const offsetMin = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return new Date(utc - offsetMin * 60_000);
}

/** Go's `encoding/json` escapes <, >, & and U+2028/9; a byte-for-byte client compare would notice. */
function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go marshals maps with sorted keys: the contextual error body (§1) depends on it. */
function sortedObject(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Drops false / 0 / '' like Go's `omitempty` (§3.3: "every field omitempty"). */
function omitEmpty<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== false && v !== 0 && v !== '' && v !== undefined)) as Partial<T>;
}

/** Success (§1): application/json, compact, no trailing newline. */
function sendJson(res: ServerResponse, status: number, data: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(goJson(data));
}

/**
 * Go's `http.Error` (§1): text/plain, nosniff, body + "\n". `context` gives the
 * contextual shape `{…,"err":…}` with sorted keys; without it the plain `{"error":…}`.
 */
function sendError(res: ServerResponse, status: number, message: string, context?: Record<string, string>, headers: Record<string, string> = {}): void {
  const body = context ? goJson(sortedObject({ ...context, err: message })) : goJson({ error: message });
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(`${body}\n`);
}

/** What Go's ServeMux answers for an unknown path or a wrong method (§1). */
function sendMuxError(res: ServerResponse, status: 404 | 405, allow?: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...(allow ? { allow } : {}) });
  res.end(status === 404 ? '404 page not found\n' : 'Method Not Allowed\n');
}

// ---------------------------------------------------------------------------
// Tokens (§2).

interface TokenRecord {
  tokenHash: string;
  scope: TokenScope[];
  username: string;
  expires: string;
  duration: string;
  updated_at: number;
}

const PROMETHEUS_UNITS_MS: Record<string, number> = { y: 365 * DAY_MS, w: 7 * DAY_MS, d: DAY_MS, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Prometheus duration (§3.1 `duration`): units y w d h m s ms in that order, whole numbers. */
function parsePrometheusDuration(text: string): number {
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === '') throw new Error(`invalid duration for 'expires' parameter: not a valid duration string: "${text}"`);
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  return units.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * (PROMETHEUS_UNITS_MS[unit] ?? 0), 0);
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Go's `base64.StdEncoding.DecodeString` is strict: padding required, no stray characters (Node's decoder is lenient). */
function strictBase64Decode(text: string): string | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

type AuthResult = { token: TokenRecord } | { error: string };

/** `checkAuth` (§2): each failure is a 401 with its own message. */
function checkBearer(header: string | undefined, tokens: Map<string, TokenRecord>, now: Date): AuthResult {
  if (!header) return { error: 'authorization Header is missing or empty' };
  const parts = header.split('Bearer ');
  if (parts.length !== 2) return { error: 'invalid token format' };
  const decoded = strictBase64Decode(parts[1]!);
  if (decoded === undefined) return { error: 'invalid token format' };
  const colon = decoded.indexOf(':');
  if (colon < 0) return { error: 'invalid token format' };
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const token = tokens.get(id);
  if (!token) return { error: `token id '${id}' not found` };
  // §2: the stored hash is of the secret part only; a legacy 40-hex SHA-1 is accepted too.
  const sha1 = createHash('sha1').update(secret).digest('hex');
  if (token.tokenHash !== sha256Hex(secret) && token.tokenHash !== sha1) return { error: 'invalid token' };
  if (token.expires !== 'Never') {
    const expires = parseGoTime(token.expires);
    if (!expires) return { error: 'could not parse token expiration time' };
    if (now.getTime() > expires.getTime()) return { error: 'token expired' };
  }
  return { token };
}

// ---------------------------------------------------------------------------
// Request validation (§3.2), in the server's order.

interface CertificateParams {
  domain: string;
  issuer: string;
  name: string;
  renewal_days: string;
  days: number;
  dns_challenge: string;
  http_challenge: string;
  labels: string;
  csr: string;
  bundle: boolean;
  key_type: string;
  profile: string;
  revoke: boolean;
  san: string;
}

const PARAM_TYPES: Record<keyof CertificateParams, 'string' | 'int' | 'bool'> = {
  domain: 'string', issuer: 'string', name: 'string', renewal_days: 'string', days: 'int', dns_challenge: 'string',
  http_challenge: 'string', labels: 'string', csr: 'string', bundle: 'bool', key_type: 'string', profile: 'string',
  revoke: 'bool', san: 'string',
};

const jsonTypeName = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v);

/**
 * `json.NewDecoder(r.Body).Decode(&params)` (§1): any Content-Type, unknown keys
 * ignored, empty body → "EOF", wrong types → Go's message. Syntax errors get a
 * shortened Go-like message (the exact offset text is not reproduced).
 */
function decodeParams(text: string): CertificateParams | { error: string } {
  if (text.trim() === '') return { error: 'EOF' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: `invalid character '${text.trim()[0]}' looking for beginning of value` };
  }
  if (raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return { error: `json: cannot unmarshal ${jsonTypeName(raw)} into Go value of type models.CertificateParams` };
  const params: CertificateParams = { domain: '', issuer: '', name: '', renewal_days: '', days: 0, dns_challenge: '', http_challenge: '', labels: '', csr: '', bundle: false, key_type: '', profile: '', revoke: false, san: '' };
  for (const [key, type] of Object.entries(PARAM_TYPES) as [keyof CertificateParams, 'string' | 'int' | 'bool'][]) {
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    const ok = type === 'string' ? typeof value === 'string' : type === 'bool' ? typeof value === 'boolean' : Number.isInteger(value);
    if (!ok) {
      const what = typeof value === 'number' ? `number ${value}` : jsonTypeName(value);
      return { error: `json: cannot unmarshal ${what} into Go struct field CertificateParams.${key} of type ${type === 'bool' ? 'bool' : type}` };
    }
    (params as unknown as Record<string, unknown>)[key] = value;
  }
  return params;
}

/** §3.2 domain check: ≤ 253 chars, labels 1–63 of [A-Za-z0-9_-] not starting/ending with '-', only a leading '*'. */
function domainProblem(domain: string): string | undefined {
  if (domain.length > 253) return 'longer than 253 characters';
  const labels = domain.split('.');
  for (const [i, label] of labels.entries()) {
    if (label === '*' && i === 0) continue;
    if (label.length === 0) return 'empty label';
    if (label.length > 63) return `label '${label}' longer than 63 characters`;
    if (!/^[A-Za-z0-9_-]+$/.test(label)) return `label '${label}' has invalid characters`;
    if (label.startsWith('-') || label.endsWith('-')) return `label '${label}' starts or ends with '-'`;
  }
  return undefined;
}

/** Go's `strconv.Atoi` error text, which the renewal-days message embeds. */
function atoi(text: string): number | string {
  if (!/^[+-]?\d+$/.test(text)) return `strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : `strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`;
}

/** `utils.ValidateRenewalDays` (§5 step 4): "N" or "MIN-MAX"; "-5" splits into ["", "5"] and fails. */
export function parseRenewalDays(value: string): { min: number; max: number } | { error: string } {
  const prefix = "invalid value in 'cert_days_renewal': ";
  const parts = value.split('-');
  if (parts.length > 2) return { error: `${prefix}it should (min-days)-(max-days)' or 'days'` };
  const min = atoi(parts[0]!);
  if (typeof min === 'string') return { error: prefix + min };
  if (parts.length === 1) return { min, max: min };
  const max = atoi(parts[1]!);
  if (typeof max === 'string') return { error: prefix + max };
  if (min > max) return { error: `${prefix}'min-days' could not be higher than 'max-days'` };
  return { min, max };
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `utils.ValidateLabels`: only `k=v` items are checked; Go prints the error slice as `[msg1 msg2]`. */
function labelsProblem(labels: string): string | undefined {
  const errors = labels.split(',').flatMap((item) => {
    const kv = item.split('=');
    return kv.length === 2 && !LABEL_NAME.test(kv[0]!) ? [`invalid Label Name '${kv[0]}'. Must match the regex '${LABEL_NAME.source}'`] : [];
  });
  return errors.length ? `[${errors.join(' ')}]` : undefined;
}

/** CN then SAN DNS names, CN de-duplicated, empty CN skipped (lego `certcrypto.ExtractDomainsCSR`). */
function csrDomains(pem: string): string[] {
  const block = findPemBlocks(pem).find((b) => b.label === 'CERTIFICATE REQUEST');
  if (!block?.der) throw new Error('PEM decode failed');
  const csr = new x509.Pkcs10CertificateRequest(block.der);
  const names = csr.subjectName.getField('CN').slice(0, 1);
  const ext = csr.getExtension('2.5.29.17');
  if (ext) names.push(...new x509.SubjectAlternativeNameExtension(ext.rawData).names.items.filter((n) => n.type === 'dns').map((n) => n.value));
  return names.filter((n, i) => n !== '' && names.indexOf(n) === i);
}

/** Go prints a []string with %v as `[a b]`. */
const goList = (items: readonly string[]) => `[${items.join(' ')}]`;

type CsrCheck = { ok: true; pem: string } | { ok: false; error: string } | { ok: false; panic: true };

/** `checkCSR` (§3.2): CN must equal `domain`; the other names must equal `san` split on ',' with no trimming. */
function checkCsr(params: CertificateParams): CsrCheck {
  if (params.csr === '') return { ok: false, error: "missing 'csr' parameter" };
  const pem = strictBase64Decode(params.csr);
  if (pem === undefined) return { ok: false, error: "invalid 'csr' parameter, bad format: illegal base64 data" };
  let domains: string[];
  try {
    domains = csrDomains(pem);
  } catch (err) {
    return { ok: false, error: `invalid 'csr' parameter: ${err instanceof Error ? err.message : String(err)}` };
  }
  // domains[0] on an empty slice panics in the Go handler: the connection closes with no answer.
  if (domains.length === 0) return { ok: false, panic: true };
  if (params.domain !== domains[0]) {
    return { ok: false, error: `CSR Common Name should match 'domain' parameter. Domain '${params.domain}' - Common Name '${domains[0]}'` };
  }
  const san = params.san === '' ? [] : params.san.split(',');
  const rest = domains.slice(1);
  const mismatch = `CSR Domains should match 'SAN' parameter. SAN: ${goList(san)} - CSR domains: ${goList(rest)}`;
  if (rest.length > 0 && params.san === '') return { ok: false, error: mismatch };
  if (san.some((n) => !rest.includes(n)) || rest.some((n) => !san.includes(n))) return { ok: false, error: mismatch };
  return { ok: true, pem };
}

/** All of §3.2's checks in order; the first failure is the 400 message (plain shape). */
function validateParams(params: CertificateParams, issuers: readonly string[]): { error: string } | { panic: true } | { renewal: { min: number; max: number } } {
  if (params.domain === '' || params.issuer === '') return { error: "missing 'issuer' and/or 'domain' parameter" };
  const bad = domainProblem(params.domain);
  if (bad) return { error: `invalid domain '${params.domain}': ${bad}` };
  if (!issuers.includes(params.issuer)) return { error: `invalid issuer '${params.issuer}' must be one of ${goList(issuers)}` };
  if (/[/\\]|\.\./.test(params.name)) return { error: `invalid 'name' parameter '${params.name}': must not contain '/', '\\' or '..'` };
  const renewal = parseRenewalDays(params.renewal_days || DEFAULT_RENEWAL_DAYS);
  if ('error' in renewal) return renewal;
  if (params.days !== 0 && (renewal.min >= params.days || renewal.max >= params.days)) {
    return { error: `'renewal_days' (${params.renewal_days}) should be lower than 'days' (${params.days})` };
  }
  if (params.dns_challenge !== '' && params.http_challenge !== '') return { error: "'dns_challenge' and 'http_challenge' are mutually exclusive" };
  const labels = params.labels === '' ? undefined : labelsProblem(params.labels);
  if (labels) return { error: labels };
  const csr = checkCsr(params);
  if (!csr.ok) return 'panic' in csr ? { panic: true } : { error: csr.error };
  return { renewal };
}

// ---------------------------------------------------------------------------
// Renewal date (§5, `utils.RandomWeekdayBeforeExpiration`), in UTC: the stand-in's local zone.

const randInt = (n: number) => Math.floor(Math.random() * n);
const addDays = (d: Date, days: number) => new Date(d.getTime() + days * DAY_MS);
const isWeekday = (d: Date) => d.getUTCDay() !== 0 && d.getUTCDay() !== 6;

/** The calendar day of `d` at a random HH:MM:00. */
function atRandomMinute(d: Date): string {
  return goTimeString(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), randInt(24), randInt(60), 0)));
}

/** Go's `time.Now().String()`: fractional seconds and a monotonic suffix that no client can parse back (§7 item 12). */
function goNowString(now: Date): string {
  const fraction = now.getUTCMilliseconds() === 0 ? '' : `.${pad(now.getUTCMilliseconds(), 3).replace(/0+$/, '')}`;
  return goTimeString(now).replace(' +0000', `${fraction} +0000`) + ` m=+${(process.uptime()).toFixed(9)}`;
}

export function renewalDate(expires: Date, renewalDays: string, now: Date): string {
  const parsed = parseRenewalDays(renewalDays || DEFAULT_RENEWAL_DAYS);
  const { min, max } = 'error' in parsed ? { min: 20, max: 30 } : parsed;
  let start = addDays(expires, -max);
  const end = addDays(expires, -min);
  if (end < now) {
    // Short-lived rule: 50–75 % of the *remaining* lifetime, then a random minute of that day.
    const remainingMs = expires.getTime() - now.getTime();
    if (remainingMs <= 0) return goNowString(now);
    let rangeMs = remainingMs * 0.75 - remainingMs * 0.5;
    if (rangeMs <= 0) rangeMs = 3_600_000;
    return atRandomMinute(new Date(now.getTime() + remainingMs * 0.5 + Math.random() * rangeMs));
  }
  if (start < now) start = now;
  let weekdays = 0;
  for (let d = start; d <= end; d = addDays(d, 1)) if (isWeekday(d)) weekdays++;
  if (weekdays === 0) return atRandomMinute(start);
  // Go's loop advances once more after counting the k-th weekday: the day *after* it wins.
  const k = randInt(weekdays);
  let date = start;
  for (let i = 0; i <= k; date = addDays(date, 1)) if (isWeekday(date)) i++;
  return atRandomMinute(date);
}

// ---------------------------------------------------------------------------
// Issuance at Pebble with acmecli's own ACME code.

/** With PEBBLE_VA_ALWAYS_VALID any challenge passes; dns-01 is needed for wildcards, where http-01 is not allowed. */
function alwaysValidDnsSolver(): ChallengeSolver {
  return { name: 'always-valid-dns', canAnswer: (type) => type === 'dns-01', begin: async () => 'accepted', end: async () => {} };
}

interface Issued {
  chainPem: string;
  certificateUrl: string;
}

function makePebbleIssuer(pebble: PebbleInstance) {
  let ready: Promise<{ client: AcmeClient; account: AccountRef; thumbprint: string; close: () => Promise<void> }> | undefined;
  const connect = async () => {
    const transport = createHttpTransport({ userAgent: 'acmecli-test-manager-standin', extraCaPem: await readFile(pebble.caFile, 'utf8') });
    const client = new AcmeClient({ directoryUrl: pebble.directoryUrl, send: transport.send });
    const key = accountKeyFromKeyObject(await generatePrivateKey('ec256'), 'manager stand-in account key', 'pkcs8');
    const created = await createAccount(client, key, { termsOfServiceAgreed: true });
    return { client, account: { url: created.url, key }, thumbprint: await jwkThumbprint(key.publicJwk), close: transport.close };
  };
  const session = () => (ready ??= connect().catch((err: unknown) => {
    ready = undefined;
    throw err;
  }));
  return {
    /** One order for the CSR (§4: the server only runs the order; the key never reaches it). */
    async issue(csrPem: string, options: { days: number; profile: string }): Promise<Issued> {
      const { client, account, thumbprint } = await session();
      const csr = await parseCsr(csrPem, 'the request CSR');
      const result = await obtainCertificate({
        client, account, thumbprint, identifiers: csr.identifiers, csrDer: csr.der,
        solvers: [createHttpStatelessSolver(), alwaysValidDnsSolver()],
        // §3.2 `days`: sent as the order's notAfter (many CAs refuse it).
        ...(options.days ? { notAfter: new Date(Date.now() + options.days * DAY_MS).toISOString() } : {}),
        ...(options.profile ? { profile: options.profile } : {}),
      });
      return { chainPem: result.chainPem, certificateUrl: result.certificateUrl };
    },
    /** §3.2 DELETE `?revoke=true`: already revoked counts as success. */
    async revoke(certPem: string): Promise<void> {
      const { client, account } = await session();
      const der = new X509Certificate(certPem).raw;
      try {
        await revokeCertificate(client, accountSigner(account), der);
      } catch (err) {
        if (!(err instanceof AcmeProblemError && err.is('alreadyRevoked'))) throw err;
      }
    },
    async close(): Promise<void> {
      if (ready) await (await ready.catch(() => undefined))?.close();
    },
  };
}

/** lego's wording for an ACME failure, which carries the problem type the server greps for `malformed` (§3.2 POST). */
function describeIssuanceError(err: unknown): string {
  if (err instanceof AcmeProblemError) return `acme: error: ${err.problem.status ?? err.httpStatus ?? 0} :: ${err.problem.type} :: ${err.problem.detail ?? ''}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * lego's split of the CA's chain: `ca_issuer` is everything after the first PEM
 * block (as sent, so it may start with a blank line); `cert` is the whole text with
 * `bundle`, else that text minus the issuer suffix. Text, not re-encoded PEM:
 * the fingerprint hashes these exact bytes (§3.3).
 */
function splitChain(chainPem: string, bundle: boolean): { cert: string; caIssuer: string } {
  const marker = '-----END CERTIFICATE-----';
  const endAt = chainPem.indexOf(marker);
  if (endAt < 0 || splitPemChain(chainPem).length === 0) throw new Error('the CA sent no certificate');
  let restAt = endAt + marker.length;
  if (chainPem.startsWith('\r\n', restAt)) restAt += 2;
  else if (chainPem[restAt] === '\n') restAt += 1;
  const caIssuer = chainPem.slice(restAt);
  return { cert: bundle || caIssuer === '' ? chainPem : chainPem.slice(0, restAt), caIssuer };
}

/** `<ECDSA|RSA>-<bits>` of the leaf key (§3.3). */
function encryptionOf(leafPem: string): string {
  const key = new X509Certificate(leafPem).publicKey;
  if (key.asymmetricKeyType === 'rsa') return `RSA-${key.asymmetricKeyDetails?.modulusLength ?? 0}`;
  const curveBits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };
  return `ECDSA-${curveBits[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 0}`;
}

/** The fields an issuance or renewal sets (§3.3, §4). */
function certificateFields(issued: Issued, bundle: boolean, renewalDays: string, now: Date) {
  const { cert, caIssuer } = splitChain(issued.chainPem, bundle);
  const leaf = describeCertificate(cert, 'the issued certificate');
  return {
    cert,
    ca_issuer: caIssuer,
    url: issued.certificateUrl,
    expires: goTimeString(leaf.notAfter),
    fingerprint: sha256Hex(cert),
    serial: leaf.serialHex.replace(/^0+(?=.)/, ''),
    encryption: encryptionOf(cert),
    renewal_date: renewalDate(leaf.notAfter, renewalDays, now),
    updated_at: now.getTime(),
  };
}

// ---------------------------------------------------------------------------
// Routing (§1: Go 1.22 ServeMux with method patterns).

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  bodyText: string;
}

type Handler = (ex: Exchange) => Promise<void> | void;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Route {
  method: Method;
  segments: string[];
  handler: Handler;
}

/** Path values of `pattern` in `path`, or undefined; a literal segment beats a wildcard (GET /certificate/metadata). */
function matchRoute(segments: readonly string[], path: readonly string[]): { params: Record<string, string>; literals: number } | undefined {
  if (segments.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  let literals = 0;
  for (const [i, seg] of segments.entries()) {
    const part = path[i]!;
    if (seg.startsWith('{')) {
      if (part === '') return undefined;
      params[seg.slice(1, -1)] = decodeURIComponent(part);
    } else if (seg === part) literals++;
    else return undefined;
  }
  return { params, literals };
}

// ---------------------------------------------------------------------------

export async function startManagerStandin(options: ManagerStandinOptions): Promise<ManagerStandin> {
  const issuers = options.issuers ?? ['pebble'];
  const now = options.now ?? (() => new Date());
  const tokens = new Map<string, TokenRecord>();
  /** Vault + ring in one: `owner/name` or `owner/issuer/domain` → record. */
  const store = new Map<string, StoredCertificate>();
  /** §4 mark-then-delete: identities whose deletion is not reaped yet. */
  const pendingDeletion = new Set<string>();
  let loseCreateAnswer = false;
  /** §4 per-cert in-process lock; a count so a test's hold and a request can overlap. */
  const locks = new Map<string, number>();
  /** §3.5 fixed windows by identity. */
  const windows = new Map<string, { startMs: number; count: number }>();
  const requests: LoggedRequest[] = [];
  const issuer = makePebbleIssuer(options.pebble);
  let misissue: Misissue | undefined;
  let forger: Promise<TestCa> | undefined;
  /** The honest issuance, or what `setMisissue` asked for instead. */
  const issueFor = async (csrPem: string, issueOptions: { days: number; profile: string }): Promise<Issued> => {
    if (!misissue) return issuer.issue(csrPem, issueOptions);
    const csr = await parseCsr(csrPem, 'the request CSR');
    const ca = await (forger ??= makeTestCa('Manager Stand-in Rogue CA'));
    const dnsNames = csr.identifiers.filter((i) => i.type === 'dns').map((i) => i.value);
    const ipAddresses = csr.identifiers.filter((i) => i.type === 'ip').map((i) => i.value);
    const forged = (leafPem: string): Issued => ({ chainPem: leafPem + ca.certPem, certificateUrl: 'https://rogue.invalid/cert' });
    switch (misissue) {
      case 'other-key': {
        const stranger = await createCsr(await generatePrivateKey('ec256'), csr.identifiers);
        return issuer.issue(stranger.pem, issueOptions);
      }
      case 'other-names':
        return forged(await issueLeaf(ca, { key: csr.publicKey, dnsNames: [...dnsNames, 'evil.example'], ipAddresses }));
      case 'expired':
        return forged(await issueLeaf(ca, { key: csr.publicKey, dnsNames, ipAddresses, notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) }));
      case 'bad-chain': {
        const honest = await issuer.issue(csrPem, issueOptions);
        return { ...honest, chainPem: splitPemChain(honest.chainPem)[0]! + ca.certPem };
      }
    }
  };
  let isDown = false;
  let isGarbage = false;

  const lock = (key: string): (() => void) => {
    locks.set(key, (locks.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (locks.get(key) ?? 1) - 1;
      if (left > 0) locks.set(key, left);
      else locks.delete(key);
    };
  };

  /** §3.5: count first (so failed issuances count), refuse at count ≥ max inside the window. */
  const rateLimited = (key: string): number | undefined => {
    if (!options.rateLimit) return undefined;
    const nowMs = now().getTime();
    const window = windows.get(key);
    if (!window || nowMs >= window.startMs + options.rateLimit.windowMs) {
      windows.set(key, { startMs: nowMs, count: 1 });
      return undefined;
    }
    if (window.count < options.rateLimit.maxRequests) {
      window.count++;
      return undefined;
    }
    return Math.max(1, Math.ceil((window.startMs + options.rateLimit.windowMs - nowMs) / 1000));
  };

  /** Authenticates; on failure answers 401 (plain) and returns undefined. Sets the `owner` header (§1). */
  const authenticate = (ex: Exchange): TokenRecord | undefined => {
    const result = checkBearer(ex.req.headers.authorization, tokens, now());
    if ('error' in result) {
      sendError(ex.res, 401, result.error);
      return undefined;
    }
    ex.res.setHeader('owner', result.token.username);
    return result.token;
  };

  /** The identity a request names: by name when it has one, else issuer/domain (§3.2 `name`). */
  const identity = (owner: string, p: { name: string; issuer: string; domain: string }) => (p.name ? `${owner}/${p.name}` : `${owner}/${p.issuer}/${p.domain}`);
  /** The contextual error map (§1): 5 keys for issuer/domain endpoints and POST/PUT, 3 for by-name endpoints. */
  const fullContext = (owner: string, p: { name: string; issuer: string; domain: string }) => ({ domain: p.domain, err: '', issuer: p.issuer, name: p.name, owner });
  const nameContext = (owner: string, name: string) => ({ err: '', name, owner });
  const notFound = (key: string) => `certificate '${key}' not found`;
  const pending = (key: string) => `certificate '${key}' is pending deletion`;

  /** Ring metadata view of a record (§3.3 Certificate): Go struct field order, no cert/ca_issuer/url, omitempty. */
  const metadata = (r: StoredCertificate) => omitEmpty(Object.fromEntries(CERTIFICATE_FIELDS.map((f) => [f, r[f]])));
  /** CertMap (§3.3): Certificate fields (omitempty) plus cert, ca_issuer, url always present. */
  const certMap = (r: StoredCertificate) => ({ ...metadata(r), cert: r.cert, ca_issuer: r.ca_issuer, url: r.url });

  async function issueRecord(params: CertificateParams, owner: string, csrPem: string): Promise<StoredCertificate> {
    const issued = await issueFor(csrPem, { days: params.days, profile: params.profile });
    return {
      domain: params.domain, issuer: params.issuer, bundle: params.bundle, san: params.san, days: params.days,
      renewal_days: params.renewal_days, dns_challenge: params.dns_challenge, http_challenge: params.http_challenge,
      owner, csr: params.csr, labels: params.labels, key_type: params.key_type, profile: params.profile,
      renewal_count: 0, name: params.name,
      ...certificateFields(issued, params.bundle, params.renewal_days, now()),
    };
  }

  /** Decodes and validates a POST/PUT body; answers 400 itself (or closes the connection, as Go's panic does). */
  const readParams = (ex: Exchange): { params: CertificateParams; csrPem: string; renewal: { min: number; max: number } } | undefined => {
    const params = decodeParams(ex.bodyText);
    if ('error' in params) return void sendError(ex.res, 400, params.error);
    const valid = validateParams(params, issuers);
    if ('panic' in valid) return void ex.req.socket.destroy();
    if ('error' in valid) return void sendError(ex.res, 400, valid.error);
    return { params, csrPem: strictBase64Decode(params.csr)!, renewal: valid.renewal };
  };

  /** Answers 429 busy (no Retry-After, §3.5 / §7 item 8) or takes the lock. */
  const takeLock = (ex: Exchange, key: string, context: Record<string, string>): (() => void) | undefined => {
    if (locks.has(key)) return void sendError(ex.res, 429, 'another operation is in progress', context);
    return lock(key);
  };

  const refuseRateLimited = (ex: Exchange, key: string, context: Record<string, string>): boolean => {
    const retryAfter = rateLimited(key);
    if (retryAfter === undefined) return false;
    sendError(ex.res, 429, `rate limit exceeded, retry after ${retryAfter}s`, context, { 'retry-after': String(retryAfter) });
    return true;
  };

  // GET /certificate/metadata (§3.2): no scope; list (null when empty) or one by ?issuer&domain[&name].
  const listMetadata: Handler = (ex) => {
    const token = authenticate(ex);
    if (!token) return;
    const owner = token.username;
    const q = ex.url.searchParams;
    const issuerName = q.get('issuer') ?? '';
    const domain = q.get('domain') ?? '';
    if (issuerName !== '' && domain !== '') {
      const key = identity(owner, { name: q.get('name') ?? '', issuer: issuerName, domain });
      if (pendingDeletion.has(key)) return sendError(ex.res, 409, pending(key));
      const record = store.get(key);
      if (!record) return sendError(ex.res, 404, notFound(key));
      return sendJson(ex.res, 200, [metadata(record)]);
    }
    const mine = [...store.entries()].filter(([, r]) => r.owner === owner).sort(([a], [b]) => (a < b ? -1 : 1));
    return sendJson(ex.res, 200, mine.length ? mine.map(([, r]) => metadata(r)) : null);
  };

  // GET /certificate/{issuer}/{domain}[?name=] and /certificate/{name} (§3.2): scope `read` first (plain 403).
  const getCertificate: Handler = (ex) => {
    const token = authenticate(ex);
    if (!token) return;
    if (!token.scope.includes('read')) return sendError(ex.res, 403, "invalid scope, missing 'read' scope");
    const owner = token.username;
    const byName = ex.params.name !== undefined;
    const p = byName
      ? { name: ex.params.name!, issuer: '', domain: '' }
      : { name: ex.url.searchParams.get('name') ?? '', issuer: ex.params.issuer!, domain: ex.params.domain! };
    const key = identity(owner, p);
    if (pendingDeletion.has(key)) return sendError(ex.res, 409, pending(key));
    const record = store.get(key);
    const context = byName ? nameContext(owner, p.name) : fullContext(owner, p);
    if (!record) return sendError(ex.res, 404, notFound(key), context);
    return sendJson(ex.res, 200, certMap(record));
  };

  // POST /certificate (§3.2): auth → 400 → exists 409 → busy 429 → scope 403 → rate limit 429 → ACME → 201.
  const createCertificate: Handler = async (ex) => {
    const token = authenticate(ex);
    if (!token) return;
    const input = readParams(ex);
    if (!input) return;
    const { params, csrPem } = input;
    const owner = token.username;
    const key = identity(owner, params);
    const context = fullContext(owner, params);
    if (pendingDeletion.has(key)) return sendError(ex.res, 409, pending(key));
    if (store.has(key)) return sendError(ex.res, 409, 'certificate already exists', context);
    const release = takeLock(ex, key, context);
    if (!release) return;
    try {
      if (!token.scope.includes('create')) return sendError(ex.res, 403, "invalid scope, missing 'create' scope", context);
      if (refuseRateLimited(ex, key, context)) return;
      let record: StoredCertificate;
      try {
        record = await issueRecord(params, owner, csrPem);
      } catch (err) {
        const message = describeIssuanceError(err);
        return sendError(ex.res, message.includes('urn:ietf:params:acme:error:malformed') ? 400 : 500, message, context);
      }
      store.set(key, record);
      if (loseCreateAnswer) {
        loseCreateAnswer = false;
        ex.req.socket.resetAndDestroy();
        return;
      }
      return sendJson(ex.res, 201, certMap(record));
    } finally {
      release();
    }
  };

  /** §3.2 PUT: any byte difference in these means a re-issue; otherwise only renewal_days/labels change. */
  const REISSUE_FIELDS = ['domain', 'issuer', 'san', 'days', 'bundle', 'dns_challenge', 'http_challenge', 'csr', 'key_type', 'profile'] as const;

  // PUT /certificate (§3.2): 404/409 plain → busy 429 → scope 403 → re-issue (rate limit, revoke) or metadata-only.
  const updateCertificate: Handler = async (ex) => {
    const token = authenticate(ex);
    if (!token) return;
    const input = readParams(ex);
    if (!input) return;
    const { params, csrPem } = input;
    const owner = token.username;
    const key = identity(owner, params);
    const context = fullContext(owner, params);
    if (pendingDeletion.has(key)) return sendError(ex.res, 409, pending(key));
    const existing = store.get(key);
    if (!existing) return sendError(ex.res, 404, notFound(key));
    const release = takeLock(ex, key, context);
    if (!release) return;
    try {
      if (!token.scope.includes('update')) return sendError(ex.res, 403, "invalid scope, missing 'update' scope", context);
      if (!REISSUE_FIELDS.some((f) => params[f] !== existing[f])) {
        // Metadata-only: renewal_date from the stored expires; the answer carries the old csr.
        existing.renewal_days = params.renewal_days;
        existing.labels = params.labels;
        existing.renewal_date = renewalDate(parseGoTime(existing.expires) ?? now(), params.renewal_days, now());
        existing.updated_at = now().getTime();
        return sendJson(ex.res, 200, certMap(existing));
      }
      if (refuseRateLimited(ex, key, context)) return;
      // `revoke` is best effort: a failure is logged by the server and ignored.
      if (params.revoke) await issuer.revoke(existing.cert).catch(() => undefined);
      let record: StoredCertificate;
      try {
        record = await issueRecord(params, owner, csrPem);
      } catch (err) {
        return sendError(ex.res, 500, describeIssuanceError(err), context);
      }
      store.set(key, record);
      return sendJson(ex.res, 200, certMap(record));
    } finally {
      release();
    }
  };

  // DELETE /certificate/{issuer}/{domain}[?revoke=true][&name=] and /certificate/{name}[?revoke=true] (§3.2).
  const deleteCertificate: Handler = async (ex) => {
    const token = authenticate(ex);
    if (!token) return;
    const owner = token.username;
    const byName = ex.params.name !== undefined;
    const p = byName
      ? { name: ex.params.name!, issuer: '', domain: '' }
      : { name: ex.url.searchParams.get('name') ?? '', issuer: ex.params.issuer!, domain: ex.params.domain! };
    const key = identity(owner, p);
    const context = byName ? nameContext(owner, p.name) : fullContext(owner, p);
    if (pendingDeletion.has(key)) return sendError(ex.res, 409, pending(key));
    const record = store.get(key);
    if (!record) return sendError(ex.res, 404, notFound(key));
    const release = takeLock(ex, key, context);
    if (!release) return;
    try {
      if (!token.scope.includes('delete')) return sendError(ex.res, 403, "invalid scope, missing 'delete' scope", context);
      // Only the exact string `revoke=true` revokes; a failed revocation deletes nothing.
      if (ex.url.searchParams.get('revoke') === 'true') {
        try {
          await issuer.revoke(record.cert);
        } catch (err) {
          return sendError(ex.res, 500, describeIssuanceError(err), context);
        }
      }
      store.delete(key);
      pendingDeletion.add(key);
      ex.res.writeHead(204);
      ex.res.end();
    } finally {
      release();
    }
  };

  // GET /token/{id}: only `self` with a bearer token is served (§3.1); the rest needs an admin key we do not have.
  const getToken: Handler = (ex) => {
    if (ex.params.id === 'self' && ex.req.headers.authorization !== undefined) {
      const result = checkBearer(ex.req.headers.authorization, tokens, now());
      if ('error' in result) return sendError(ex.res, 401, result.error);
      return sendJson(ex.res, 200, omitEmpty(result.token));
    }
    return refuseApiKey(ex);
  };
  const refuseApiKey: Handler = (ex) => {
    sendError(ex.res, 401, ex.req.headers['x-api-key'] ? 'API Key not valid' : 'X-API-Key Header is missing or empty');
  };

  const routes: Route[] = [
    { method: 'GET', segments: ['certificate', 'metadata'], handler: listMetadata },
    { method: 'GET', segments: ['certificate', '{issuer}', '{domain}'], handler: getCertificate },
    { method: 'GET', segments: ['certificate', '{name}'], handler: getCertificate },
    { method: 'POST', segments: ['certificate'], handler: createCertificate },
    { method: 'PUT', segments: ['certificate'], handler: updateCertificate },
    { method: 'DELETE', segments: ['certificate', '{issuer}', '{domain}'], handler: deleteCertificate },
    { method: 'DELETE', segments: ['certificate', '{name}'], handler: deleteCertificate },
    { method: 'GET', segments: ['token', '{id}'], handler: getToken },
    { method: 'POST', segments: ['token'], handler: refuseApiKey },
    { method: 'PUT', segments: ['token'], handler: refuseApiKey },
    { method: 'DELETE', segments: ['token', '{id}'], handler: refuseApiKey },
  ];

  /** ServeMux dispatch: most literal match for the method (GET also serves HEAD), else 405 with Allow, else 404. */
  const dispatch = async (ex: Omit<Exchange, 'params'>): Promise<void> => {
    const method = ex.req.method === 'HEAD' ? 'GET' : ex.req.method;
    if (!ex.url.pathname.startsWith(`${API_PREFIX}/`)) return sendMuxError(ex.res, 404);
    const path = ex.url.pathname.slice(API_PREFIX.length + 1).split('/');
    const matches = routes.flatMap((route) => {
      const m = matchRoute(route.segments, path);
      return m ? [{ route, ...m }] : [];
    });
    const forMethod = matches.filter((m) => m.route.method === method).sort((a, b) => b.literals - a.literals);
    const best = forMethod[0];
    if (best) return best.route.handler({ ...ex, params: best.params });
    if (matches.length === 0) return sendMuxError(ex.res, 404);
    const allowed = new Set(matches.flatMap((m) => (m.route.method === 'GET' ? ['GET', 'HEAD'] : [m.route.method])));
    return sendMuxError(ex.res, 405, [...allowed].sort().join(', '));
  };

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new Error('request body too large');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const logRequest = (req: IncomingMessage, url: URL, bodyText: string | undefined): void => {
    let body: unknown;
    if (bodyText) {
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = bodyText;
      }
    }
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body, headers: { ...req.headers } });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (isDown) {
      logRequest(req, url, undefined);
      // A reset, not an answer: what a crashed or restarting server looks like to a client.
      req.socket.resetAndDestroy();
      return;
    }
    void (async () => {
      const bodyText = await readBody(req);
      logRequest(req, url, bodyText);
      if (isGarbage) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Please sign in</h1></body></html>\n');
        return;
      }
      // §1: every /api/v1 route echoes X-Request-ID, or makes one `req_<32 hex>`.
      if (url.pathname.startsWith(`${API_PREFIX}/`)) {
        const incoming = req.headers['x-request-id'];
        res.setHeader('x-request-id', typeof incoming === 'string' && incoming !== '' ? incoming : `req_${randomBytes(16).toString('hex')}`);
      }
      await dispatch({ req, res, url, bodyText });
    })().catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${API_PREFIX}`,
    createToken({ username, scope, duration, id }) {
      if (!username || scope.length === 0) throw new Error("missing/empty 'username' parameter");
      const badScope = scope.find((s) => !SCOPES.includes(s));
      if (badScope) throw new Error(`invalid scope '${badScope}'`);
      const tokenId = id ?? randomUUID();
      const secret = randomBytes(32).toString('base64url');
      const current = now();
      const expires = duration ? goTimeString(new Date(Math.floor((current.getTime() + parsePrometheusDuration(duration)) / 1000) * 1000)) : 'Never';
      tokens.set(tokenId, { tokenHash: sha256Hex(secret), scope: [...scope], username, expires, duration: duration ?? '', updated_at: current.getTime() });
      return Buffer.from(`${tokenId}:${secret}`).toString('base64');
    },
    expireToken(id) {
      const token = tokens.get(id);
      if (!token) throw new Error(`no token ${id}`);
      token.expires = goTimeString(new Date(now().getTime() - 1000));
    },
    async renewNow(owner, nameOrIssuerDomain) {
      const key = `${owner}/${nameOrIssuerDomain}`;
      const record = store.get(key);
      if (!record) throw new Error(`no certificate ${key}`);
      // §4: same CSR (so same key), new cert/expires/fingerprint/serial/renewal_date, renewal_count + 1; no rate limit.
      const issued = await issueFor(Buffer.from(record.csr, 'base64').toString('utf8'), { days: record.days, profile: record.profile });
      Object.assign(record, certificateFields(issued, record.bundle, record.renewal_days, now()), { renewal_count: record.renewal_count + 1 });
    },
    holdLock: (owner, nameOrIssuerDomain) => lock(`${owner}/${nameOrIssuerDomain}`),
    setDown(down) {
      isDown = down;
      // Idle keep-alive connections would otherwise keep answering from before.
      if (down) server.closeIdleConnections();
    },
    setGarbage(on) {
      isGarbage = on;
    },
    setMisissue(kind) {
      misissue = kind;
    },
    reapPendingDeletions: () => pendingDeletion.clear(),
    loseNextCreateAnswer: () => {
      loseCreateAnswer = true;
    },
    copyCertificate(owner, nameOrIssuerDomain, domains) {
      const record = store.get(`${owner}/${nameOrIssuerDomain}`);
      if (!record) throw new Error(`no certificate ${owner}/${nameOrIssuerDomain}`);
      for (const domain of domains) store.set(`${owner}/${record.issuer}/${domain}`, { ...record, domain, name: '' });
    },
    requests,
    certificates(owner) {
      const prefix = `${owner}/`;
      return new Map([...store.entries()].filter(([k]) => k.startsWith(prefix)).map(([k, r]) => [k.slice(prefix.length), { ...r }]));
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await issuer.close();
    },
  };
}
