import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { AbortedError, TimeoutError, UsageError } from '../errors.js';

/** Something other than one exact value that a TXT record must satisfy. */
export interface TxtMatcher {
  /** For the timeout message, e.g. 'a record with accounturi='. */
  description: string;
  test(record: string): boolean;
}

export interface WaitForTxtOptions {
  /** The owner name, e.g. `_acme-challenge.example.org` (a trailing dot is fine). */
  name: string;
  /** The record text (character-strings joined) to wait for, or a test for it. */
  value: string | TxtMatcher;
  /** `127.0.0.1:8053`, `[::1]:53`, `1.1.1.1`; undefined asks the system's resolvers. */
  resolver?: string | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** What a `dnsCheck` option of a solver says: where to look and for how long. */
export interface DnsCheckOptions {
  resolver?: string | undefined;
  /** Every --dns-resolver (the DNS providers' check asks each); `resolver` is the first. */
  resolvers?: string[] | undefined;
  timeoutMs: number;
  /** Whether timeoutMs came from --dns-timeout (else a provider's own setting, e.g. RFC2136_PROPAGATION_TIMEOUT, may apply). */
  timeoutGiven?: boolean;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 2_000;

/**
 * Parses a DNS server address into the form `Resolver.setServers` takes.
 * Accepts `IPv4`, `IPv4:PORT`, `IPv6` and `[IPv6]:PORT`; names are refused, since
 * resolving the resolver would need a resolver. Throws UsageError.
 */
export function parseResolverAddress(text: string): string {
  const input = text.trim();
  const fail = (why: string): never => {
    throw new UsageError(`invalid DNS resolver '${text}': ${why} (expected IP, IP:PORT or [IPv6]:PORT)`);
  };
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(input);
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
    if (isIP(host) !== 6) fail(`'${host}' is not an IPv6 address`);
  } else if (isIP(input) !== 0) {
    return input;
  } else {
    const colon = input.lastIndexOf(':');
    host = colon < 0 ? input : input.slice(0, colon);
    port = colon < 0 ? undefined : input.slice(colon + 1);
    if (isIP(host) !== 4) fail(host.includes(':') ? 'put an IPv6 address with a port in brackets' : `'${host}' is not an IP address`);
  }
  if (port === undefined) return isIP(host) === 6 ? host : input;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail(`'${port}' is not a port number`);
  return isIP(host) === 6 ? `[${host}]:${Number(port)}` : `${host}:${Number(port)}`;
}

/**
 * Polls `resolveTxt(name)` (start 250 ms, doubling to 2 s) until one TXT record
 * at `name`, its character-strings joined, equals `value` (or passes its test).
 *
 * Throws TimeoutError 'TXT NAME does not show VALUE after N s (resolver R): what was seen'
 * at the deadline, AbortedError if `signal` aborts, UsageError for a bad resolver.
 */
export async function waitForTxt(options: WaitForTxtOptions): Promise<void> {
  const { name, value, timeoutMs, signal } = options;
  const server = options.resolver === undefined ? undefined : parseResolverAddress(options.resolver);
  const matches = typeof value === 'string' ? (record: string) => record === value : (record: string) => value.test(record);
  const resolver = new Resolver({ timeout: 1_000, tries: 2 });
  if (server !== undefined) resolver.setServers([server]);
  const deadline = Date.now() + timeoutMs;
  // A query in flight at the deadline (or on abort) is cancelled, so neither waits for the resolver's own timeouts.
  const cancel = (): void => resolver.cancel();
  const deadlineTimer = setTimeout(cancel, timeoutMs);
  signal?.addEventListener('abort', cancel, { once: true });
  let lastSeen = 'no answer yet';
  let delayMs = FIRST_DELAY_MS;
  try {
    for (;;) {
      if (signal?.aborted) throw new AbortedError(`waiting for TXT ${name} was cancelled`);
      try {
        const records = (await resolver.resolveTxt(name)).map((strings) => strings.join(''));
        if (records.some(matches)) return;
        lastSeen = records.length === 0 ? 'no TXT record' : `saw ${records.map((r) => JSON.stringify(r)).join(', ')}`;
      } catch (err) {
        if (signal?.aborted) throw new AbortedError(`waiting for TXT ${name} was cancelled`);
        if (Date.now() < deadline || lastSeen === 'no answer yet') lastSeen = describeDnsError(err);
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        const wanted = typeof value === 'string' ? value : value.description;
        const where = server ?? `system resolvers ${resolver.getServers().join(', ') || 'none configured'}`;
        throw new TimeoutError(`TXT ${name} does not show ${wanted} after ${formatSeconds(timeoutMs)} s (resolver ${where}): ${lastSeen}`);
      }
      try {
        await sleep(Math.min(delayMs, remainingMs), undefined, signal ? { signal } : {});
      } catch {
        throw new AbortedError(`waiting for TXT ${name} was cancelled`);
      }
      delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
    }
  } finally {
    clearTimeout(deadlineTimer);
    signal?.removeEventListener('abort', cancel);
  }
}

function describeDnsError(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOTFOUND': return 'no such name (NXDOMAIN)';
    case 'ENODATA': return 'no TXT record';
    case 'ETIMEOUT': return 'the resolver did not answer';
    case 'ECONNREFUSED': return 'the resolver refused the connection';
    case 'ESERVFAIL': return 'SERVFAIL';
    case 'EREFUSED': return 'the resolver refused the query';
    case 'ECANCELLED': return 'the last query was still running';
    default: return err instanceof Error ? err.message : String(err);
  }
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
