// Stand-in ACME server (RFC 8555) for what Pebble 2.4 lacks: ARI (RFC 9773), profiles, dns-persist-01, dns-account-01.
/**
 * A small, honest ACME server for the `*.standin.test.ts` tests (docs/testing.md).
 * It does the protocol for real: nonces are single-use, every POST is a JWS
 * verified with jose against the account's key, resources belong to accounts,
 * challenges are validated by real TXT look-ups through the Pebble instance's
 * DNS server (pebble-challtestsrv). It does not sign certificates: finalize
 * hands the CSR to the real Pebble, through acmecli's own src/acme client, and
 * serves the chain Pebble issued. Start that Pebble with
 * `env: { PEBBLE_VA_ALWAYS_VALID: '1' }`: the stand-in has already validated the
 * names its own way and needs Pebble only to sign.
 *
 * What it adds to RFC 8555:
 * - RFC 9773 renewalInfo (only when `renewalInfo` is given) and newOrder `replaces`;
 * - draft-ietf-acme-profiles: `meta.profiles` (when given), newOrder `profile`, `invalidProfile`;
 * - dns-persist-01 (draft-ietf-acme-dns-persist-01 form: `accounturi` is the account URL)
 *   at `_validation-persist.<domain>`: `<issuer>; accounturi=<url>[; policy=wildcard][; persistUntil=N]`;
 * - dns-account-01 (draft-ietf-acme-dns-account-label-02) at
 *   `_<base32(SHA-256(accountUrl)[0:10])>._acme-challenge.<domain>`; also plain dns-01.
 * Left out: keyChange, revokeCert, newAuthz, EAB, order lists, authorization reuse.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, Certificate, id_ce_authorityKeyIdentifier } from '@peculiar/asn1-x509';
import { calculateJwkThumbprint, flattenedVerify, importJWK, type JWK } from 'jose';
import { createAccount, type AccountRef } from '../../src/acme/account.js';
import { fetchAuthorization, pollAuthorizationUntilSettled, respondToChallenge } from '../../src/acme/authorization.js';
import { downloadCertificate } from '../../src/acme/certificate.js';
import { AcmeClient } from '../../src/acme/client.js';
import { createOrder, finalizeOrder, orderFailure, pollOrderUntilSettled } from '../../src/acme/order.js';
import { AcmeProblemError } from '../../src/acme/problem.js';
import { createHttpTransport } from '../../src/net/transport.js';
import { accountKeyFromKeyObject } from '../../src/keys/account-key.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { makeListenerCertificate, type PebbleInstance } from './pebble.js';

export interface RenewalWindow {
  start: Date;
  end: Date;
  explanationURL?: string;
  /** Sent as Retry-After (RFC 9773 §4.3). */
  retryAfterSeconds?: number;
}

export interface AcmeStandinOptions {
  pebble: PebbleInstance;
  /** draft-ietf-acme-profiles `meta.profiles`: name → description. Without it, `profile` in newOrder is ignored. */
  profiles?: Record<string, string>;
  /** RFC 9773: the window for a CertID, or undefined for 404. Without it the directory has no renewalInfo. */
  renewalInfo?: (certId: string) => RenewalWindow | undefined;
  /** Challenge types each authorization offers; default ['dns-persist-01', 'dns-account-01']. */
  challengeTypes?: string[];
  /** The CA's Issuer Domain Name (caaIdentities, dns-persist-01); default 'standin.example'. */
  issuerDomainName?: string;
}

/** A newOrder payload that verified (accepted or refused), with the account that sent it. */
export interface RecordedOrder {
  account: string;
  identifiers?: unknown;
  profile?: unknown;
  replaces?: unknown;
  [member: string]: unknown;
}

export interface AcmeStandin {
  directoryUrl: string;
  /** PEM of the throwaway CA that signed the stand-in's TLS certificate (for --ca-file). */
  caFile: string;
  /** Every request received, in order, for tests to count. */
  requests: Array<{ method: string; path: string }>;
  orders: RecordedOrder[];
  stop(): Promise<void>;
}

const VALIDATED_TYPES = ['dns-persist-01', 'dns-account-01', 'dns-01'];
const JWS_ALGS = ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];

type Identifier = { type: string; value: string };
type Status = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
interface Problem { type: string; detail: string; status: number }
interface Account { url: string; jwk: JWK; thumbprint: string; contact: string[]; status: 'valid' | 'deactivated' }
interface Challenge { id: string; type: string; status: Status; token?: string; validated?: string; error?: Problem }
interface Authz { id: string; account: string; identifier: Identifier; wildcard: boolean; status: Status; challenges: Challenge[] }
interface Order { id: string; account: string; status: Status; identifiers: Identifier[]; authzIds: string[]; profile?: string; replaces?: string; certId?: string; error?: Problem }
interface Issued { pem: string; account: string; ariCertId: string; replacedBy?: string }

class ProblemError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: number, type: string, detail: string) {
    super(detail);
    this.status = status;
    this.type = type;
  }
  get problem(): Problem {
    return { type: `urn:ietf:params:acme:error:${this.type}`, detail: this.message, status: this.status };
  }
}

/** RFC 9773 §4.1 CertID: base64url(AKI keyIdentifier) "." base64url(serial DER content octets). */
export function ariCertId(certificatePem: string): string {
  const der = Buffer.from(certificatePem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const tbs = AsnConvert.parse(der, Certificate).tbsCertificate;
  const aki = tbs.extensions?.find((e) => e.extnID === id_ce_authorityKeyIdentifier);
  const keyId = aki && AsnConvert.parse(aki.extnValue, AuthorityKeyIdentifier).keyIdentifier;
  if (!keyId) throw new Error('certificate has no Authority Key Identifier');
  return `${Buffer.from(keyId.buffer).toString('base64url')}.${Buffer.from(tbs.serialNumber).toString('base64url')}`;
}

/** RFC 4648 §6 base32, lowercase, no padding. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => alphabet[parseInt(chunk.padEnd(5, '0'), 2)]).join('');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const randomId = () => randomBytes(12).toString('base64url');

export async function startAcmeStandin(options: AcmeStandinOptions): Promise<AcmeStandin> {
  const { pebble } = options;
  const issuer = options.issuerDomainName ?? 'standin.example';
  const challengeTypes = options.challengeTypes ?? ['dns-persist-01', 'dns-account-01'];
  const unknown = challengeTypes.filter((t) => !VALIDATED_TYPES.includes(t));
  if (unknown.length) throw new Error(`the stand-in cannot validate ${unknown.join(', ')} (only ${VALIDATED_TYPES.join(', ')})`);
  if (!pebble.dnsServer) throw new Error('the stand-in validates through pebble-challtestsrv: start Pebble with it');

  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-standin-'));
  const tls = await makeTlsCertificate(dir);
  const requests: AcmeStandin['requests'] = [];
  const orders: RecordedOrder[] = [];
  const nonces = new Set<string>();
  const accounts = new Map<string, Account>(); // by URL
  const orderById = new Map<string, Order>();
  const authzById = new Map<string, Authz>();
  const challById = new Map<string, { challenge: Challenge; authz: Authz }>();
  const certById = new Map<string, Issued>();
  const certByAriId = new Map<string, Issued>();
  const resolver = new Resolver({ timeout: 1_000, tries: 2 });
  resolver.setServers([pebble.dnsServer]);
  let base = '';

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  const pebbleSide = makePebbleIssuer(pebble);

  const directory = () => ({
    newNonce: `${base}/new-nonce`,
    newAccount: `${base}/new-account`,
    newOrder: `${base}/new-order`,
    ...(options.renewalInfo ? { renewalInfo: `${base}/renewal-info` } : {}),
    meta: { termsOfService: `${base}/terms`, caaIdentities: [issuer], ...(options.profiles ? { profiles: options.profiles } : {}) },
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname });
    const nonce = randomBytes(16).toString('base64url');
    nonces.add(nonce);
    res.setHeader('Replay-Nonce', nonce);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Link', `<${base}/dir>;rel="index"`);
    try {
      const [, kind = '', id = ''] = url.pathname.split('/');
      if (method === 'GET' && url.pathname === '/dir') return send(res, 200, directory());
      if (kind === 'new-nonce' && (method === 'HEAD' || method === 'GET')) return void res.writeHead(method === 'HEAD' ? 200 : 204).end();
      if (kind === 'renewal-info' && method === 'GET') return renewalInfo(res, decodeURIComponent(id));
      if (method !== 'POST') throw new ProblemError(405, 'malformed', `${method} ${url.pathname} is not served here`);
      const target = `${base}${url.pathname}`;
      if (kind === 'new-account') return await newAccount(res, await verify(req, target, 'jwk'));
      const request = await verify(req, target, 'kid');
      const handlers: Record<string, (r: Verified, id: string) => Promise<void> | void> = {
        'new-order': (r) => newOrder(res, r),
        acct: (r) => accountResource(res, r, target),
        order: (r, i) => send(res, 200, orderJson(owned(orderById.get(i), r))),
        authz: (r, i) => send(res, 200, authzJson(owned(authzById.get(i), r))),
        chall: (r, i) => challenge(res, r, i),
        finalize: (r, i) => finalize(res, r, owned(orderById.get(i), r)),
        cert: (r, i) => certificate(res, owned(certById.get(i), r)),
      };
      const handler = handlers[kind];
      if (!handler) throw new ProblemError(404, 'malformed', `no resource ${url.pathname}`);
      await handler(request, id);
    } catch (err) {
      const p = err instanceof ProblemError ? err : new ProblemError(500, 'serverInternal', `stand-in failure: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(p.status, { 'Content-Type': 'application/problem+json' }).end(JSON.stringify(p.problem));
    }
  }

  interface Verified { payload: Record<string, unknown> | undefined; jwk: JWK; account?: Account }

  /** RFC 8555 §6.2–§6.5: flattened JWS, url, single-use nonce, jwk (newAccount) or kid, signature. */
  async function verify(req: IncomingMessage, target: string, identity: 'jwk' | 'kid'): Promise<Verified> {
    if (req.headers['content-type'] !== 'application/jose+json') throw new ProblemError(415, 'malformed', 'Content-Type must be application/jose+json');
    let jws: { protected?: unknown; payload?: unknown; signature?: unknown };
    let header: Record<string, unknown>;
    try {
      jws = JSON.parse(await readBody(req));
      header = JSON.parse(Buffer.from(String(jws.protected), 'base64url').toString('utf8'));
    } catch {
      throw new ProblemError(400, 'malformed', 'the body is not a flattened JWS with a JSON protected header');
    }
    if (typeof jws.payload !== 'string' || typeof jws.signature !== 'string') throw new ProblemError(400, 'malformed', 'the JWS lacks payload or signature');
    if (header.url !== target) throw new ProblemError(401, 'unauthorized', `the JWS url ${String(header.url)} is not the request URL ${target}`);
    if (!JWS_ALGS.includes(String(header.alg))) throw new ProblemError(400, 'badSignatureAlgorithm', `alg ${String(header.alg)} is not accepted`);
    if ((header.jwk === undefined) === (header.kid === undefined)) throw new ProblemError(400, 'malformed', 'the JWS must carry exactly one of jwk and kid');
    let account: Account | undefined;
    let jwk: JWK;
    if (identity === 'jwk') {
      if (typeof header.jwk !== 'object' || header.jwk === null) throw new ProblemError(400, 'malformed', 'newAccount must be signed with a jwk header');
      jwk = header.jwk as JWK;
    } else {
      if (typeof header.kid !== 'string') throw new ProblemError(400, 'malformed', 'this request must be signed with a kid header');
      account = accounts.get(header.kid);
      if (!account) throw new ProblemError(400, 'accountDoesNotExist', `no account ${header.kid}`);
      if (account.status !== 'valid') throw new ProblemError(401, 'unauthorized', `account ${account.url} is ${account.status}`);
      jwk = account.jwk;
    }
    let payloadBytes: Uint8Array;
    try {
      const key = await importJWK(jwk, String(header.alg));
      payloadBytes = (await flattenedVerify(jws as { protected: string; payload: string; signature: string }, key)).payload;
    } catch {
      throw new ProblemError(400, 'malformed', 'the JWS signature does not verify');
    }
    if (!nonces.delete(String(header.nonce))) throw new ProblemError(400, 'badNonce', `nonce ${String(header.nonce)} was never issued or is spent`);
    let payload: Record<string, unknown> | undefined;
    if (payloadBytes.length > 0) {
      try {
        payload = JSON.parse(Buffer.from(payloadBytes).toString('utf8'));
      } catch {
        throw new ProblemError(400, 'malformed', 'the JWS payload is not JSON');
      }
    }
    return { payload, jwk, ...(account ? { account } : {}) };
  }

  function owned<T extends { account: string }>(resource: T | undefined, r: Verified): T {
    if (!resource) throw new ProblemError(404, 'malformed', 'no such resource');
    if (resource.account !== r.account?.url) throw new ProblemError(403, 'unauthorized', 'this resource belongs to another account');
    return resource;
  }

  /** RFC 8555 §7.3, §7.3.1 (onlyReturnExisting). */
  async function newAccount(res: ServerResponse, r: Verified): Promise<void> {
    const thumbprint = await calculateJwkThumbprint(r.jwk, 'sha256');
    const existing = [...accounts.values()].find((a) => a.thumbprint === thumbprint);
    if (existing) return send(res, 200, accountJson(existing), { Location: existing.url });
    if (r.payload?.onlyReturnExisting === true) throw new ProblemError(400, 'accountDoesNotExist', 'no account exists for this key');
    if (r.payload?.termsOfServiceAgreed !== true) throw new ProblemError(403, 'userActionRequired', `agree to the terms of service at ${base}/terms`);
    const { kty, crv, x, y, n, e } = r.jwk;
    const account: Account = {
      url: `${base}/acct/${randomId()}`,
      jwk: JSON.parse(JSON.stringify({ kty, crv, x, y, n, e })),
      thumbprint,
      contact: Array.isArray(r.payload.contact) ? r.payload.contact.map(String) : [],
      status: 'valid',
    };
    accounts.set(account.url, account);
    send(res, 201, accountJson(account), { Location: account.url });
  }

  /** RFC 8555 §7.3.2 (contact update), §7.3.6 (deactivation), or POST-as-GET. */
  function accountResource(res: ServerResponse, r: Verified, target: string): void {
    const account = r.account!;
    if (account.url !== target) throw new ProblemError(403, 'unauthorized', 'an account can only read itself');
    if (Array.isArray(r.payload?.contact)) account.contact = r.payload.contact.map(String);
    if (r.payload?.status === 'deactivated') account.status = 'deactivated';
    send(res, 200, accountJson(account));
  }

  /** RFC 8555 §7.4, with draft-ietf-acme-profiles `profile` and RFC 9773 §5 `replaces`. */
  function newOrder(res: ServerResponse, r: Verified): void {
    const account = r.account!;
    const payload = r.payload ?? {};
    orders.push({ ...payload, account: account.url });
    const identifiers = payload.identifiers as Identifier[] | undefined;
    if (!Array.isArray(identifiers) || identifiers.length === 0 || !identifiers.every((i) => typeof i?.value === 'string')) {
      throw new ProblemError(400, 'malformed', 'identifiers must be a non-empty array of {type, value}');
    }
    const other = identifiers.find((i) => i.type !== 'dns');
    if (other) throw new ProblemError(400, 'unsupportedIdentifier', `this stand-in issues for dns identifiers only, not ${other.type} ${other.value}`);
    const profile = options.profiles ? payload.profile : undefined; // a CA without profiles ignores the member
    if (profile !== undefined && !(typeof profile === 'string' && Object.hasOwn(options.profiles!, profile))) {
      throw new ProblemError(400, 'invalidProfile', `no profile ${JSON.stringify(profile)}; this CA offers ${Object.keys(options.profiles!).join(', ')}`);
    }
    let replaced: Issued | undefined;
    if (payload.replaces !== undefined) {
      replaced = certByAriId.get(String(payload.replaces));
      if (!replaced) throw new ProblemError(400, 'malformed', `replaces: no certificate with ARI CertID ${String(payload.replaces)} was issued here`);
      if (replaced.account !== account.url) throw new ProblemError(403, 'unauthorized', 'replaces: that certificate was issued to another account');
      if (replaced.replacedBy && orderById.get(replaced.replacedBy)?.status !== 'invalid') {
        throw new ProblemError(409, 'alreadyReplaced', `certificate ${String(payload.replaces)} is already replaced by order ${base}/order/${replaced.replacedBy}`);
      }
    }
    const order: Order = {
      id: randomId(), account: account.url, status: 'pending', identifiers, authzIds: [],
      ...(typeof profile === 'string' ? { profile } : {}), ...(replaced ? { replaces: String(payload.replaces) } : {}),
    };
    for (const identifier of identifiers) {
      const wildcard = identifier.value.startsWith('*.');
      const authz: Authz = {
        id: randomId(), account: account.url, wildcard, status: 'pending',
        identifier: { type: 'dns', value: identifier.value.replace(/^\*\./, '').toLowerCase() },
        challenges: challengeTypes.map((type) => ({
          id: randomId(), type, status: 'pending' as Status,
          ...(type === 'dns-persist-01' ? {} : { token: randomBytes(32).toString('base64url') }),
        })),
      };
      authzById.set(authz.id, authz);
      for (const c of authz.challenges) challById.set(c.id, { challenge: c, authz });
      order.authzIds.push(authz.id);
    }
    orderById.set(order.id, order);
    if (replaced) replaced.replacedBy = order.id;
    send(res, 201, orderJson(order), { Location: `${base}/order/${order.id}` });
  }

  /** RFC 8555 §7.5.1: validate at once, then answer with the challenge (valid or invalid). */
  async function challenge(res: ServerResponse, r: Verified, id: string): Promise<void> {
    const found = challById.get(id);
    const authz = owned(found?.authz, r);
    const c = found!.challenge;
    if (r.payload !== undefined && c.status === 'pending' && authz.status === 'pending') {
      try {
        await validate(c, authz, r.account!);
        Object.assign(c, { status: 'valid', validated: new Date().toISOString() });
        authz.status = 'valid';
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err;
        Object.assign(c, { status: 'invalid', error: err.problem });
        authz.status = 'invalid';
      }
    }
    send(res, 200, challengeJson(c), { Link: `<${base}/authz/${authz.id}>;rel="up"` });
  }

  async function validate(c: Challenge, authz: Authz, account: Account): Promise<void> {
    const domain = authz.identifier.value;
    if (c.type === 'dns-persist-01') {
      const name = `_validation-persist.${domain}`;
      const records = await lookupTxt(name);
      if (records.some((record) => persistRecordMatches(record, account.url, authz.wildcard))) return;
      const want = `${issuer}; accounturi=${account.url}${authz.wildcard ? '; policy=wildcard' : ''}`;
      throw new ProblemError(403, 'unauthorized', `no TXT record at ${name} matches "${want}" (found ${describe(records)})`);
    }
    const name = c.type === 'dns-account-01'
      ? `_${base32(sha256(account.url).subarray(0, 10))}._acme-challenge.${domain}`
      : `_acme-challenge.${domain}`;
    const expected = sha256(`${c.token}.${account.thumbprint}`).toString('base64url');
    const records = await lookupTxt(name);
    if (!records.includes(expected)) throw new ProblemError(403, 'unauthorized', `TXT ${name} does not hold ${expected} (found ${describe(records)})`);
  }

  /** draft-ietf-acme-dns-persist-01 §4: `<issuer-domain-name>; key=value; …`, parameter names case-insensitive. */
  function persistRecordMatches(record: string, accountUrl: string, wildcard: boolean): boolean {
    const [name, ...parameters] = record.split(';').map((part) => part.trim());
    if (name?.toLowerCase() !== issuer) return false;
    const values = new Map(parameters.filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')).toLowerCase(), p.slice(p.indexOf('=') + 1)]));
    if (values.get('accounturi') !== accountUrl) return false;
    if (wildcard && values.get('policy')?.toLowerCase() !== 'wildcard') return false;
    const until = values.get('persistuntil');
    return until === undefined || (/^\d+$/.test(until) && Number(until) * 1000 > Date.now());
  }

  async function lookupTxt(name: string): Promise<string[]> {
    try {
      return (await resolver.resolveTxt(name)).map((strings) => strings.join(''));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw new ProblemError(400, 'dns', `DNS look-up of TXT ${name} failed: ${code ?? String(err)}`);
    }
  }

  /** RFC 8555 §7.4: the order must be ready; the real Pebble signs the CSR. */
  async function finalize(res: ServerResponse, r: Verified, order: Order): Promise<void> {
    refresh(order);
    if (order.status !== 'ready') throw new ProblemError(403, 'orderNotReady', `order is ${order.status}, not ready`);
    if (typeof r.payload?.csr !== 'string') throw new ProblemError(400, 'badCSR', 'finalize needs a base64url csr');
    order.status = 'processing';
    try {
      const pem = await pebbleSide.issue(order.identifiers, Buffer.from(r.payload.csr, 'base64url'));
      const issued: Issued = { pem, account: order.account, ariCertId: ariCertId(pem) };
      order.certId = randomId();
      certById.set(order.certId, issued);
      certByAriId.set(issued.ariCertId, issued);
      order.status = 'valid';
    } catch (err) {
      order.status = 'ready'; // RFC 8555 §7.4: a refused CSR leaves the order as it was
      if (err instanceof AcmeProblemError) throw new ProblemError(err.problem.status ?? 400, err.shortType, `Pebble refused: ${err.problem.detail ?? err.message}`);
      throw err;
    }
    send(res, 200, orderJson(order), { Location: `${base}/order/${order.id}` });
  }

  function certificate(res: ServerResponse, issued: Issued): void {
    res.writeHead(200, { 'Content-Type': 'application/pem-certificate-chain' }).end(issued.pem);
  }

  /** RFC 9773 §4.2: unauthenticated GET of `<renewalInfo>/<CertID>`. */
  function renewalInfo(res: ServerResponse, certId: string): void {
    if (!options.renewalInfo) throw new ProblemError(404, 'malformed', 'this CA offers no renewalInfo');
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(certId)) throw new ProblemError(400, 'malformed', `${certId} is not an ARI CertID`);
    const window = options.renewalInfo!(certId);
    if (!window) throw new ProblemError(404, 'malformed', `no renewal information for ${certId}`);
    const headers: Record<string, string> = window.retryAfterSeconds !== undefined ? { 'Retry-After': String(window.retryAfterSeconds) } : {};
    send(res, 200, {
      suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() },
      ...(window.explanationURL ? { explanationURL: window.explanationURL } : {}),
    }, headers);
  }

  /** An order follows its authorizations (RFC 8555 §7.1.6). */
  function refresh(order: Order): void {
    if (order.status !== 'pending') return;
    const authzs = order.authzIds.map((id) => authzById.get(id)!);
    const failed = authzs.find((a) => a.status === 'invalid');
    if (failed) {
      order.status = 'invalid';
      order.error = failed.challenges.find((c) => c.error)?.error ?? { type: 'urn:ietf:params:acme:error:unauthorized', detail: `authorization for ${failed.identifier.value} failed`, status: 403 };
    } else if (authzs.every((a) => a.status === 'valid')) order.status = 'ready';
  }

  const accountJson = (a: Account) => ({ status: a.status, contact: a.contact, termsOfServiceAgreed: true, key: a.jwk });
  const challengeJson = (c: Challenge) => ({
    type: c.type, url: `${base}/chall/${c.id}`, status: c.status,
    ...(c.token ? { token: c.token } : {}),
    // draft-ietf-acme-dns-persist-01 §3: the Issuer Domain Names to put in the record; no token.
    ...(c.type === 'dns-persist-01' ? { 'issuer-domain-names': [issuer] } : {}),
    ...(c.validated ? { validated: c.validated } : {}), ...(c.error ? { error: c.error } : {}),
  });
  const authzJson = (a: Authz) => ({
    identifier: a.identifier, status: a.status, expires: new Date(Date.now() + 86_400_000).toISOString(),
    challenges: a.challenges.map((c) => challengeJson(c)), ...(a.wildcard ? { wildcard: true } : {}),
  });
  function orderJson(o: Order) {
    refresh(o);
    return {
      status: o.status, expires: new Date(Date.now() + 86_400_000).toISOString(), identifiers: o.identifiers,
      authorizations: o.authzIds.map((id) => `${base}/authz/${id}`), finalize: `${base}/finalize/${o.id}`,
      ...(o.profile ? { profile: o.profile } : {}), ...(o.replaces ? { replaces: o.replaces } : {}),
      ...(o.certId ? { certificate: `${base}/cert/${o.certId}` } : {}), ...(o.error ? { error: o.error } : {}),
    };
  }

  return {
    directoryUrl: `${base}/dir`,
    caFile: tls.caFile,
    requests,
    orders,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pebbleSide.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function describe(records: string[]): string {
  return records.length ? records.map((r) => JSON.stringify(r)).join(', ') : 'no TXT record';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1 << 20) throw new ProblemError(413, 'malformed', 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The stand-in's own account at the real Pebble, made on first use, and the issuance it drives there. */
function makePebbleIssuer(pebble: PebbleInstance) {
  let ready: Promise<{ client: AcmeClient; account: AccountRef; close: () => Promise<void> }> | undefined;
  const connect = async () => {
    const transport = createHttpTransport({ userAgent: 'acmecli-test-standin', extraCaPem: await readFile(pebble.caFile, 'utf8') });
    const client = new AcmeClient({ directoryUrl: pebble.directoryUrl, send: transport.send });
    const key = accountKeyFromKeyObject(await generatePrivateKey('ec256'), 'stand-in account key', 'pkcs8');
    const created = await createAccount(client, key, { termsOfServiceAgreed: true });
    return { client, account: { url: created.url, key }, close: transport.close };
  };
  return {
    async issue(identifiers: Identifier[], csrDer: Uint8Array): Promise<string> {
      const { client, account } = await (ready ??= connect());
      const order = await createOrder(client, account, { identifiers: identifiers as { type: 'dns'; value: string }[] });
      for (const url of order.order.authorizations) {
        const { authorization } = await fetchAuthorization(client, account, url);
        if (authorization.status === 'valid') continue;
        // Any challenge will do: with PEBBLE_VA_ALWAYS_VALID=1 Pebble's VA accepts it unseen.
        await respondToChallenge(client, account, authorization.challenges[0]!);
        const settled = await pollAuthorizationUntilSettled(client, account, url, { firstRetryAfterMs: 0, deadlineMs: 20_000 });
        if (settled.authorization.status !== 'valid') {
          throw new Error(`Pebble did not validate ${authorization.identifier.value}: start it with env PEBBLE_VA_ALWAYS_VALID=1`);
        }
      }
      const finalized = await pollOrderUntilSettled(client, account, await finalizeOrder(client, account, order, csrDer), { deadlineMs: 20_000 });
      if (finalized.order.status !== 'valid' || !finalized.order.certificate) throw orderFailure(finalized);
      return (await downloadCertificate(client, account, finalized.order.certificate)).pem;
    },
    async close(): Promise<void> {
      if (ready) await (await ready.catch(() => undefined))?.close();
    },
  };
}

/** A throwaway CA and a leaf for 127.0.0.1 signed by it, made as Pebble's. */
async function makeTlsCertificate(dir: string): Promise<{ caFile: string; key: Buffer; cert: Buffer }> {
  const { cert, key } = await makeListenerCertificate(dir, 'acmecli test ACME stand-in CA');
  return { caFile: path.join(dir, 'ca.pem'), key, cert };
}
