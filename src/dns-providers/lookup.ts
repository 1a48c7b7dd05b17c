/**
 * The DNS questions a dns-01 provider asks: which zone a name is in (SOA walk, as
 * nsupdate does), where a CNAME sends `_acme-challenge` (delegation), which servers
 * are authoritative for a zone, and what TXT records one server holds.
 */
import { getServers } from 'node:dns';
import { DnsError, NetworkError, TimeoutError } from '../errors.js';
import { exchange, formatServer, newMessageId, type DnsServer, type ExchangeOptions } from './client.js';
import {
  FLAG, RR_CLASS, RR_TYPE, canonicalName, labelsOf, rcodeName, rcodeOf, readAddress, readRdataName, readTxt, sameName,
  type DecodedMessage,
} from './wire.js';

/** How many CNAMEs in a row we follow from `_acme-challenge.NAME` before calling it a loop. */
const MAX_CNAME_HOPS = 8;

export interface LookupOptions extends ExchangeOptions {
  /** Ask for recursion (to a resolver); off when asking an authoritative server about its own zone. */
  recursive?: boolean;
}

/** One question to one server; the reply matches it (ID, question), whatever its RCODE. */
export async function query(server: DnsServer, name: string, type: number, options: LookupOptions = {}): Promise<DecodedMessage> {
  return exchange(server, {
    id: newMessageId(),
    flags: options.recursive === false ? 0 : FLAG.RD,
    questions: [{ name, type, class: RR_CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  }, options);
}

/** Asks each server in turn until one answers at all (any RCODE); throws the last failure. */
async function queryAny(servers: readonly DnsServer[], name: string, type: number, options: LookupOptions): Promise<DecodedMessage> {
  let last: unknown = new NetworkError('no DNS server to ask');
  for (const server of servers) {
    try {
      return await query(server, name, type, options);
    } catch (err) {
      if (!(err instanceof TimeoutError || err instanceof NetworkError)) throw err;
      last = err;
    }
  }
  throw last;
}

function describeServers(servers: readonly DnsServer[]): string {
  return servers.map(formatServer).join(', ');
}

/**
 * The zone `name` is in: the closest enclosing name that has an SOA record of its
 * own. Walks from `name` towards the root, asking `servers`. Throws
 * BadResponseError when no level up to the TLD answers with an SOA.
 */
export async function findZone(name: string, servers: readonly DnsServer[], options: LookupOptions = {}): Promise<string> {
  const labels = labelsOf(name);
  const errors: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const candidate = labels.slice(i).join('.');
    const reply = await queryAny(servers, candidate, RR_TYPE.SOA, options);
    const rcode = rcodeOf(reply.flags);
    if (rcode !== 0 && rcode !== 3) {
      errors.push(`${candidate}: ${rcodeName(rcode)}`);
      continue;
    }
    // Only an SOA owned by the name asked about makes it a zone apex; a CNAME or an
    // SOA in the authority section (the zone above) does not.
    if (reply.answers.some((rr) => rr.type === RR_TYPE.SOA && sameName(rr.name, candidate))) return canonicalName(candidate);
  }
  throw new DnsError(`cannot find the DNS zone of ${canonicalName(name)}: no SOA record at it or above it (asked ${describeServers(servers)}${errors.length ? `; ${errors.join(', ')}` : ''}); name the zone with --dns-zone`);
}

/**
 * Follows CNAMEs from `name` (CNAME delegation: `_acme-challenge.example.org` →
 * `xyz.auth.example.net`), returning the name the TXT record must be written at.
 * Throws BadResponseError for a loop or too long a chain.
 */
export async function followCnames(name: string, servers: readonly DnsServer[], options: LookupOptions = {}): Promise<string> {
  let current = canonicalName(name);
  const seen = new Set([current]);
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const reply = await queryAny(servers, current, RR_TYPE.CNAME, options);
    const cname = rcodeOf(reply.flags) === 0 ? reply.answers.find((rr) => rr.type === RR_TYPE.CNAME && sameName(rr.name, current)) : undefined;
    if (cname === undefined) return current;
    const target = canonicalName(readRdataName(reply, cname));
    if (seen.has(target)) throw new DnsError(`CNAME loop at ${current} → ${target}`);
    seen.add(target);
    current = target;
  }
  throw new DnsError(`more than ${MAX_CNAME_HOPS} CNAMEs from ${canonicalName(name)}`);
}

/**
 * The addresses of the zone's name servers (NS records, then their A and AAAA), on
 * port 53. Throws BadResponseError when the zone has none that resolve.
 */
export async function authoritativeServers(zone: string, servers: readonly DnsServer[], options: LookupOptions = {}): Promise<Array<{ name: string; server: DnsServer }>> {
  const reply = await queryAny(servers, zone, RR_TYPE.NS, options);
  const names = reply.answers.filter((rr) => rr.type === RR_TYPE.NS && sameName(rr.name, zone)).map((rr) => canonicalName(readRdataName(reply, rr)));
  const out: Array<{ name: string; server: DnsServer }> = [];
  for (const nsName of [...new Set(names)]) {
    for (const type of [RR_TYPE.A, RR_TYPE.AAAA]) {
      const addresses = await queryAny(servers, nsName, type, options).catch(() => undefined);
      for (const rr of addresses?.answers ?? []) {
        const host = rr.type === type && sameName(rr.name, nsName) ? readAddress(rr) : undefined;
        if (host !== undefined) out.push({ name: nsName, server: { host, port: 53 } });
      }
    }
  }
  if (out.length === 0) throw new DnsError(`zone ${zone} has no name server with an address (asked ${describeServers(servers)})`);
  return out;
}

/** The TXT records `server` itself holds at `name` (no recursion, no CNAME following). */
export async function txtRecordsAt(server: DnsServer, name: string, options: LookupOptions = {}): Promise<{ rcode: string; records: string[] }> {
  const reply = await query(server, name, RR_TYPE.TXT, { ...options, recursive: false });
  const records = reply.answers.filter((rr) => rr.type === RR_TYPE.TXT && rr.class === RR_CLASS.IN && sameName(rr.name, name)).map(readTxt);
  return { rcode: rcodeName(rcodeOf(reply.flags)), records };
}

/** The system's resolvers (from /etc/resolv.conf, as node reads it), for lookups when none is given. */
export async function systemResolvers(): Promise<DnsServer[]> {
  return getServers().map((entry) => {
    const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(entry);
    if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2]) };
    const v4 = /^([\d.]+):(\d+)$/.exec(entry);
    if (v4) return { host: v4[1]!, port: Number(v4[2]) };
    return { host: entry, port: 53 };
  });
}
