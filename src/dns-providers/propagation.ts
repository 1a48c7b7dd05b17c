/**
 * The propagation check: the CA is told to look only once every authoritative server
 * of the zone, asked directly, serves the record. A recursive resolver would answer
 * from its cache, which is what makes other clients stall (cert-manager#5917).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { AbortedError, DnsError } from '../errors.js';
import { formatServer, type DnsServer } from './client.js';
import { txtRecordsAt } from './lookup.js';

export interface NamedServer {
  /** How messages name it: `ns2.example.org (192.0.2.2:53)` or just the address. */
  label: string;
  server: DnsServer;
}

export interface PropagationOptions {
  fqdn: string;
  value: string;
  servers: readonly NamedServer[];
  timeoutMs: number;
  /** Between rounds; default starts at 250 ms and doubles to 2 s. A fixed value (RFC2136_POLLING_INTERVAL) is used as is. */
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  /** Called once, after the first round that found servers without the record. */
  onWaiting?: (lacking: readonly string[]) => void;
}

export function namedServer(server: DnsServer, name?: string): NamedServer {
  return { label: name ? `${name} (${formatServer(server)})` : formatServer(server), server };
}

/**
 * Polls each server that has not shown the record yet. Throws DnsError (exit 1) at
 * the deadline naming each server that still lacks it and what it answered.
 */
export async function waitForPropagation(o: PropagationOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const lacking = new Map<string, { server: NamedServer; seen: string }>(o.servers.map((s) => [s.label, { server: s, seen: 'not asked yet' }]));
  let delayMs = o.intervalMs ?? 250;
  let announced = false;
  for (;;) {
    await Promise.all([...lacking.values()].map(async (entry) => {
      try {
        const remaining = Math.max(500, Math.min(2_000, deadline - Date.now()));
        const { rcode, records } = await txtRecordsAt(entry.server.server, o.fqdn, { timeoutMs: remaining, attempts: 1, signal: o.signal });
        if (records.includes(o.value)) lacking.delete(entry.server.label);
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
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      const detail = [...lacking.values()].map((e) => `${e.server.label}: ${e.seen}`).join('; ');
      throw new DnsError(`TXT ${o.fqdn} is not on every authoritative server after ${Math.round(o.timeoutMs / 100) / 10} s (--dns-timeout); lacking it: ${detail}`);
    }
    try {
      await sleep(Math.min(delayMs, remainingMs), undefined, o.signal ? { signal: o.signal } : {});
    } catch {
      throw new AbortedError(`waiting for TXT ${o.fqdn} was cancelled`);
    }
    if (o.intervalMs === undefined) delayMs = Math.min(delayMs * 2, 2_000);
  }
}
