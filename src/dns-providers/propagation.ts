/**
 * The propagation check: the CA is told to look only once every authoritative server
 * of the zone, asked directly, serves the record. A recursive resolver would answer
 * from its cache, which is what makes other clients stall (cert-manager#5917).
 * The one check for every way a record is written: the DNS providers (--dns), the
 * uacme-style hook (--hook) and dns-persist-01's pre-check (--dns-persist).
 */
import { SYSTEM_CLOCK, type PollClock } from '../acme/poll.js';

import { AbortedError, AcmecliError, DnsError } from '../errors.js';
import { formatServer, type DnsServer } from './client.js';
import { authoritativeServers, findZone, followCnames, systemResolvers, txtRecordsAt } from './lookup.js';
import { canonicalName } from './wire.js';

/**
 * A lineage's check settings (--dns-resolver, --dns-timeout, --no-dns-check), as the
 * solvers get them; `dnsCheckSettings` in src/issuance/lineage-settings.ts decides them.
 */
export interface DnsCheckSettings {
  /** false after --no-dns-check: the CA is told to look as soon as the record is written. */
  enabled: boolean;
  /** --dns-resolver (IP[:PORT]): the only servers asked, and where CNAMEs and SOAs are looked up. Empty: the zone's own name servers. */
  resolvers: readonly string[];
  timeoutMs: number;
  /** Whether timeoutMs came from --dns-timeout (else a provider's own setting, e.g. RFC2136_PROPAGATION_TIMEOUT, may apply). */
  timeoutGiven: boolean;
}

/** Something other than one exact value that a TXT record must satisfy (dns-persist-01's record). */
export interface TxtMatcher {
  /** For the timeout message, e.g. 'a dns-persist-01 record with accounturi='. */
  description: string;
  test(record: string): boolean;
}

export interface NamedServer {
  /** How messages name it: `ns2.example.org (192.0.2.2:53)` or just the address. */
  label: string;
  server: DnsServer;
}

export interface PropagationOptions {
  fqdn: string;
  value: string | TxtMatcher;
  servers: readonly NamedServer[];
  timeoutMs: number;
  /** Between rounds; default starts at 250 ms and doubles to 2 s. A fixed value (RFC2136_POLLING_INTERVAL) is used as is. */
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  /** Called once, after the first round that found servers without the record. */
  onWaiting?: (lacking: readonly string[]) => void;
  /** The clock the rounds are timed on (--dns-timeout, the pauses between rounds); the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock | undefined;
}

export function namedServer(server: DnsServer, name?: string): NamedServer {
  return { label: name ? `${name} (${formatServer(server)})` : formatServer(server), server };
}

/**
 * Polls each server that has not shown the record yet. Throws DnsError (exit 1) at
 * the deadline naming each server that still lacks it and what it answered.
 */
export async function waitForPropagation(o: PropagationOptions): Promise<void> {
  const { now, sleep: pause } = o.pollClock ?? SYSTEM_CLOCK;
  const deadline = now() + o.timeoutMs;
  const lacking = new Map<string, { server: NamedServer; seen: string }>(o.servers.map((s) => [s.label, { server: s, seen: 'not asked yet' }]));
  let delayMs = o.intervalMs ?? 250;
  let announced = false;
  const value = o.value;
  const matches = typeof value === 'string' ? (record: string) => record === value : (record: string) => value.test(record);
  for (;;) {
    await Promise.all([...lacking.values()].map(async (entry) => {
      try {
        const remaining = Math.max(500, Math.min(2_000, deadline - now()));
        const { rcode, records } = await txtRecordsAt(entry.server.server, o.fqdn, { timeoutMs: remaining, attempts: 1, signal: o.signal });
        if (records.some(matches)) lacking.delete(entry.server.label);
        else entry.seen = rcode === 'NXDOMAIN' ? 'no such name (NXDOMAIN)' : rcode !== 'NOERROR' ? rcode : records.length === 0 ? 'no TXT record' : `only ${records.map((r) => JSON.stringify(r)).join(', ')}`;
      } catch (err) {
        if (o.signal?.aborted) throw new AbortedError(`waiting for TXT ${o.fqdn} was cancelled`);
        entry.seen = (err as Error).message;
      }
    }));
    if (lacking.size === 0) return;
    if (!announced) {
      announced = true;
      o.onWaiting?.([...lacking.keys()]);
    }
    const remainingMs = deadline - now();
    if (remainingMs <= 0) {
      const detail = [...lacking.values()].map((e) => `${e.server.label}: ${e.seen}`).join('; ');
      const what = typeof value === 'string' ? `TXT ${o.fqdn} is` : `TXT ${o.fqdn}: ${value.description} is`;
      throw new DnsError(`${what} not on every authoritative server after ${Math.round(o.timeoutMs / 100) / 10} s (--dns-timeout); lacking it: ${detail}`);
    }
    try {
      await pause(Math.min(delayMs, remainingMs), o.signal);
    } catch {
      throw new AbortedError(`waiting for TXT ${o.fqdn} was cancelled`);
    }
    if (o.intervalMs === undefined) delayMs = Math.min(delayMs * 2, 2_000);
  }
}

/** Lookups fail as DnsError (exit 1): a DNS server that does not answer is not an unreachable CA (exit 3). */
export function asDnsError(err: unknown, what: string): Error {
  if (err instanceof AbortedError || err instanceof DnsError) return err;
  if (err instanceof AcmecliError && err.code === 'USAGE') return err;
  return new DnsError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Where CNAMEs, SOAs and NS records are looked up: the --dns-resolver servers, else the system's resolvers. */
export async function lookupServers(explicit: readonly DnsServer[]): Promise<readonly DnsServer[]> {
  return explicit.length ? explicit : systemResolvers();
}

/** The zone's name servers, by name and address, found through `lookup`. Throws DnsError. */
export async function zoneServers(zone: string, lookup: readonly DnsServer[]): Promise<NamedServer[]> {
  try {
    return (await authoritativeServers(zone, lookup)).map((ns) => namedServer(ns.server, ns.name));
  } catch (err) {
    throw asDnsError(err, `finding the name servers of ${zone} (name them with --dns-resolver, or skip the check with --no-dns-check)`);
  }
}

export interface WaitUntilServedOptions {
  /** The challenge name (`_acme-challenge.NAME`); a CNAME there is followed, as the CA follows it. */
  name: string;
  value: string | TxtMatcher;
  /** --dns-resolver: ask these; none: the name servers of the zone the (CNAME-followed) name is in. */
  resolvers: readonly DnsServer[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onInfo?: ((message: string) => void) | undefined;
  /** The clock the rounds are timed on (--dns-timeout, the pauses between rounds); the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock | undefined;
}

/**
 * For records someone else wrote (a hook, a published dns-persist-01 record): where
 * the CA will look (following CNAMEs), which servers must have it (--dns-resolver,
 * else the zone's name servers), then waitForPropagation. Throws DnsError (exit 1).
 */
export async function waitUntilServed(o: WaitUntilServedOptions): Promise<void> {
  const lookup = await lookupServers(o.resolvers);
  const name = canonicalName(o.name);
  const fqdn = await followCnames(name, lookup).catch((err: unknown) => { throw asDnsError(err, `looking up a CNAME at ${name}`); });
  if (fqdn !== name) o.onInfo?.(`${name} is a CNAME: checking the TXT record at ${fqdn}`);
  const servers = o.resolvers.length ? o.resolvers.map((s) => namedServer(s)) : await zoneServers(await zoneOf(fqdn, lookup), lookup);
  await waitForPropagation({
    fqdn,
    value: o.value,
    servers,
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    onWaiting: (lacking) => o.onInfo?.(`waiting for TXT ${fqdn} on ${lacking.join(', ')}`),
    pollClock: o.pollClock,
  });
}

/** findZone, with the advice that fits a record acmecli did not write (--dns-zone goes with --dns only). */
async function zoneOf(fqdn: string, lookup: readonly DnsServer[]): Promise<string> {
  try {
    return await findZone(fqdn, lookup);
  } catch (err) {
    const advice = 'name the servers to ask with --dns-resolver, or skip the check with --no-dns-check';
    if (err instanceof DnsError) throw new DnsError(err.message.replace('name the zone with --dns-zone', advice), { cause: err });
    throw asDnsError(err, `finding the zone of ${fqdn} (${advice})`);
  }
}
