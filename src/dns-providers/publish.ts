/**
 * `dns publish`: make the persistent records of `dns records` (CAA with accounturi,
 * the dns-persist-01 TXT) true in the zone, through RFC 2136, idempotently.
 *
 * "Ours" is decided per CA: a CAA `issue`/`issuewild` whose issuer is one of the
 * CA's identities, a `_validation-persist` TXT whose issuer domain is the CA's.
 * Ours that are right stay, ours that are wrong are deleted (that exact record),
 * missing ones are added, and every other record (other CAs' CAA, other TXT) is
 * left alone. The whole change for one name is one update message, so the zone
 * never holds half of it.
 */
import { DnsError } from '../errors.js';
import type { CaaValue } from '../dns/caa.js';
import { formatServer, newMessageId, type DnsServer } from './client.js';
import { query } from './lookup.js';
import type { Rfc2136 } from './rfc2136.js';
import {
  FLAG, OPCODE, RR_CLASS, RR_TYPE, WireReader, WireWriter, canonicalName, rcodeName, rcodeOf, readTxt, sameName, txtRdata,
  type DnsMessage, type ResourceRecord,
} from './wire.js';

export interface CaaRecord extends CaaValue {
  flags: number;
}

export interface DesiredRecords {
  /** The name the CAA records go on, e.g. `example.org` (no trailing dot). */
  name: string;
  caa: CaaValue[];
  /** The CA's identities: existing CAA records naming one of them are ours. */
  caaIdentities: readonly string[];
  /** The dns-persist-01 record, or none (no issuer domain known). */
  persist?: { owner: string; value: string; issuer: string } | undefined;
  ttl: number;
}

export interface PlannedChange {
  action: 'add' | 'delete';
  /** As nsupdate takes it: `example.org. 3600 CAA 0 issue "ca.example; accounturi=…"`. */
  record: string;
  rr: ResourceRecord;
}

export interface PublishPlan {
  name: string;
  zone: string;
  server: string;
  changes: PlannedChange[];
  /** Ours, already right. */
  unchanged: string[];
  /** Not ours (other CAs' CAA, other TXT): never touched. */
  kept: string[];
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function caaRdata(r: CaaRecord): Uint8Array {
  const tag = new TextEncoder().encode(r.tag);
  return new WireWriter().u8(r.flags).u8(tag.length).bytes(tag).bytes(new TextEncoder().encode(r.value)).toBytes();
}

/** RFC 8659 §4.1; throws DnsFormatError on a malformed record. */
export function readCaa(rr: ResourceRecord): CaaRecord {
  const r = new WireReader(rr.data);
  const flags = r.u8();
  const tag = new TextDecoder().decode(r.bytes(r.u8()));
  const value = new TextDecoder().decode(r.bytes(rr.data.length - r.pos));
  return { flags, tag: tag.toLowerCase() as CaaValue['tag'], value };
}

const caaText = (name: string, ttl: number | undefined, r: CaaRecord): string => `${name}.${ttl !== undefined ? ` ${ttl}` : ''} CAA ${r.flags} ${r.tag} ${quote(r.value)}`;
const txtText = (owner: string, ttl: number | undefined, value: string): string => `${canonicalName(owner)}.${ttl !== undefined ? ` ${ttl}` : ''} TXT ${quote(value)}`;

function issuerOf(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase().replace(/\.$/, '');
}

/** Pure: what to delete and add, given what the server holds now. */
export function planChanges(desired: DesiredRecords, existingCaa: readonly CaaRecord[], existingTxt: readonly string[]): Omit<PublishPlan, 'zone' | 'server'> {
  const name = canonicalName(desired.name);
  const identities = new Set(desired.caaIdentities.map((i) => i.toLowerCase()));
  const changes: PlannedChange[] = [];
  const unchanged: string[] = [];
  const kept: string[] = [];

  const wantedCaa: CaaRecord[] = desired.caa.map((c) => ({ flags: 0, ...c }));
  const same = (a: CaaRecord, b: CaaRecord): boolean => a.flags === b.flags && a.tag === b.tag && a.value === b.value;
  for (const existing of existingCaa) {
    const ours = (existing.tag === 'issue' || existing.tag === 'issuewild') && identities.has(issuerOf(existing.value));
    if (!ours) kept.push(caaText(name, undefined, existing));
    else if (wantedCaa.some((w) => same(w, existing))) unchanged.push(caaText(name, undefined, existing));
    else changes.push({ action: 'delete', record: caaText(name, undefined, existing), rr: { name, type: RR_TYPE.CAA, class: RR_CLASS.NONE, ttl: 0, data: caaRdata(existing) } });
  }
  for (const wanted of wantedCaa) {
    if (existingCaa.some((e) => same(e, wanted))) continue;
    changes.push({ action: 'add', record: caaText(name, desired.ttl, wanted), rr: { name, type: RR_TYPE.CAA, class: RR_CLASS.IN, ttl: desired.ttl, data: caaRdata(wanted) } });
  }

  if (desired.persist) {
    const { owner, value, issuer } = desired.persist;
    const ownerName = canonicalName(owner);
    for (const existing of existingTxt) {
      if (issuerOf(existing) !== issuer.toLowerCase()) kept.push(txtText(ownerName, undefined, existing));
      else if (existing === value) unchanged.push(txtText(ownerName, undefined, existing));
      else changes.push({ action: 'delete', record: txtText(ownerName, undefined, existing), rr: { name: ownerName, type: RR_TYPE.TXT, class: RR_CLASS.NONE, ttl: 0, data: txtRdata(existing) } });
    }
    if (!existingTxt.includes(value)) {
      changes.push({ action: 'add', record: txtText(ownerName, desired.ttl, value), rr: { name: ownerName, type: RR_TYPE.TXT, class: RR_CLASS.IN, ttl: desired.ttl, data: txtRdata(value) } });
    }
  }
  // Deletes first: an update is applied in order (RFC 2136 §3.4.2), and the result is the same either way.
  changes.sort((a, b) => (a.action === b.action ? 0 : a.action === 'delete' ? -1 : 1));
  return { name, changes, unchanged, kept };
}

/** The records `server` itself holds (authoritative answer required: a cache could be stale). */
async function authoritativeRecords(server: DnsServer, name: string, type: number): Promise<ResourceRecord[]> {
  const reply = await query(server, name, type, { recursive: false }).catch((err: unknown) => {
    throw new DnsError(`reading ${name} from ${formatServer(server)}: ${(err as Error).message}`);
  });
  const rcode = rcodeOf(reply.flags);
  if (rcode === 3) return [];
  if (rcode !== 0) throw new DnsError(`reading ${name} from ${formatServer(server)}: ${rcodeName(rcode)}`);
  if ((reply.flags & FLAG.AA) === 0) throw new DnsError(`${formatServer(server)} is not authoritative for ${name}: dns publish reads the records from the primary it writes to`);
  return reply.answers.filter((rr) => rr.type === type && rr.class === RR_CLASS.IN && sameName(rr.name, name));
}

export async function planPublish(desired: DesiredRecords, zone: string, server: DnsServer): Promise<PublishPlan> {
  const name = canonicalName(desired.name);
  const caa = (await authoritativeRecords(server, name, RR_TYPE.CAA)).map((rr) => {
    try {
      return readCaa(rr);
    } catch {
      throw new DnsError(`${formatServer(server)} holds a malformed CAA record at ${name}`);
    }
  });
  const txt = desired.persist ? (await authoritativeRecords(server, desired.persist.owner, RR_TYPE.TXT)).map(readTxt) : [];
  return { ...planChanges(desired, caa, txt), zone, server: formatServer(server) };
}

/** The plan as nsupdate input: what `--dry-run` prints, and what a person can paste. */
export function nsupdateScript(plan: PublishPlan, server: DnsServer): string {
  if (plan.changes.length === 0) return `; ${plan.name}: every record is already right`;
  return [
    `server ${server.host} ${server.port}`,
    `zone ${plan.zone}`,
    ...plan.changes.map((c) => `update ${c.action} ${c.record}`),
    'send',
  ].join('\n');
}

/** Sends the plan's changes as one update. */
export async function applyPlan(plan: PublishPlan, rfc2136: Rfc2136): Promise<void> {
  if (plan.changes.length === 0) return;
  const message: DnsMessage = {
    id: newMessageId(),
    flags: OPCODE.UPDATE << 11,
    questions: [{ name: plan.zone, type: RR_TYPE.SOA, class: RR_CLASS.IN }],
    answers: [],
    authorities: plan.changes.map((c) => c.rr),
    additionals: [],
  };
  await rfc2136.send(message, plan.zone, `publish ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} at ${plan.name}`);
}
