import { X509Certificate, createHash } from 'node:crypto';
import type { PollClock } from '../acme/poll.js';
import { mapLimited } from '../concurrency/map-limited.js';
import { StateError } from '../errors.js';

/** Lineages checked at once by `cert check` (each checks its own endpoints together). */
const CHECK_CONCURRENCY = 16;
import type { LineageRecord, LineageStore } from '../state/lineage-store.js';
import { fetchServedLeaf } from './served-certificate.js';
import { formatServeEndpoint, parseServeEndpoint, serverNameFor, type ServeEndpoint } from './serve-endpoint.js';
import { judgeServedCertificate, type ServeState, type ServedFacts } from './serve-status.js';

export interface EndpointCheck {
  lineage: string;
  endpoint: string;
  servername: string | null;
  state: ServeState;
  detail: string;
  /** The lineage version served, when it is one of ours. */
  version: number | null;
  currentVersion: number | null;
  daysLeft: number | null;
  warnDays: number | null;
  /** sha256 of the served leaf (hex), when one was read. */
  servedSha256: string | null;
}

export interface CheckOptions {
  now: () => Date;
  timeoutMs: number;
  warnDays?: number;
}

/** Reads what an endpoint serves: never throws, a certificate we cannot parse is reported, not trusted. */
async function servedFacts(endpoint: ServeEndpoint, servername: string | undefined, timeoutMs: number): Promise<ServedFacts> {
  const leaf = await fetchServedLeaf(endpoint, servername, timeoutMs);
  if (!leaf.ok) return { unreachableReason: leaf.reason };
  try {
    const cert = new X509Certificate(leaf.der);
    return { sha256: createHash('sha256').update(leaf.der).digest('hex'), notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
  } catch {
    return { unreachableReason: 'the server sent a certificate that does not parse' };
  }
}

/** Checks every serve endpoint of one lineage against its versions, in parallel. */
export async function checkLineageEndpoints(record: LineageRecord, options: CheckOptions): Promise<EndpointCheck[]> {
  const names = record.config.identifiers.map((i) => i.value);
  return Promise.all((record.config.serveChecks ?? []).map(async (text) => {
    const endpoint = parseServeEndpoint(text);
    const servername = serverNameFor(endpoint, names);
    const facts = await servedFacts(endpoint, servername, options.timeoutMs);
    const verdict = judgeServedCertificate(facts, record.versions, record.current, options.now(), options.warnDays);
    return {
      lineage: record.config.name,
      endpoint: formatServeEndpoint(endpoint),
      servername: servername ?? null,
      state: verdict.state,
      detail: verdict.detail,
      version: verdict.version ?? null,
      currentVersion: record.current ?? null,
      daysLeft: verdict.daysLeft ?? null,
      warnDays: verdict.warnDays ?? null,
      servedSha256: facts.sha256 ?? null,
    };
  }));
}

/** `cert check [NAME…]`: the named lineages (each must exist), or every lineage that has serve checks. */
export async function checkServedCertificates(store: LineageStore, names: readonly string[], options: CheckOptions): Promise<{ checks: EndpointCheck[]; unchecked: string[] }> {
  const targets = names.length > 0 ? names : await store.list();
  const records: LineageRecord[] = [];
  for (const name of targets) {
    const record = await store.read(name);
    if (!record) {
      if (names.length > 0) throw new StateError(`no lineage named ${name} (see acmecli cert list)`);
      continue;
    }
    records.push(record);
  }
  const unchecked = records.filter((r) => !r.config.serveChecks?.length).map((r) => r.config.name);
  // Bounded: a fleet's worth of endpoints, some of them slow to answer, must not open thousands of sockets at once.
  const checks = (await mapLimited(records, CHECK_CONCURRENCY, (r) => checkLineageEndpoints(r, options))).flat();
  return { checks, unchecked };
}

/**
 * After a deploy hook: waits until every endpoint serves the current version,
 * polling with a growing pause (a reload takes from milliseconds to seconds),
 * at most `timeoutMs` in all, timed on `pollClock` (`now` judges the certificates).
 * Returns the endpoints that still do not.
 */
export async function waitUntilServed(record: LineageRecord, options: CheckOptions & { pollClock: PollClock }): Promise<EndpointCheck[]> {
  const clock = options.pollClock;
  const deadline = clock.now() + options.timeoutMs;
  let pause = 100;
  for (;;) {
    const remaining = deadline - clock.now();
    const checks = await checkLineageEndpoints(record, { ...options, timeoutMs: Math.max(1_000, Math.min(remaining, 10_000)) });
    const notServed = checks.filter((c) => c.version === null || c.version !== c.currentVersion);
    if (notServed.length === 0 || clock.now() + pause > deadline) return notServed;
    await clock.sleep(pause);
    pause = Math.min(pause * 2, 2_000);
  }
}
