/**
 * What a DNS provider is: something that can add one TXT record and later remove
 * exactly that record. Everything else a dns-01 challenge needs (following a CNAME
 * delegation, finding the zone, waiting until every authoritative server has the
 * record) is done once, by the solver in ./solver.ts, for every provider.
 *
 * To add a provider for a cloud API: write one file here exporting a
 * `create…Provider(options)` that returns a DnsProvider, add its name to
 * DNS_PROVIDER_NAMES and to createDnsProvider() in ./registry.ts, and document its
 * environment variables in docs/dns-providers.md.
 */

/** One TXT record to publish, where the solver decided it goes. */
export interface TxtRecordTarget {
  /** The owner name the record is written at, after CNAME delegation; lowercase, no trailing dot. */
  fqdn: string;
  /** The TXT value (one string; providers split it into 255-byte character-strings when needed). */
  value: string;
  /** The zone `fqdn` is in (SOA walk, or --dns-zone); lowercase, no trailing dot. */
  zone: string;
  /** The name the CA asked about (`_acme-challenge.example.org`), before any CNAME. */
  challengeName: string;
  /** The ACME identifier, token and key authorization, for providers that want them (lego's EXEC_MODE=RAW). */
  domain: string;
  token: string;
  keyAuthorization: string;
}

import type { DnsServer } from './client.js';

export interface DnsProvider {
  /** 'rfc2136', 'exec', 'acme-dns': shown in messages. */
  readonly name: string;
  /**
   * Check what can be checked before an order: the configuration is complete, the
   * key file reads, the program exists. Throws UsageError (one line).
   */
  prepare(): Promise<void>;
  /**
   * Where the record for `challengeName` goes, when the provider knows better than a
   * CNAME lookup (acme-dns writes at its own subdomain). Undefined: follow CNAMEs.
   */
  targetOf?(challengeName: string, domain: string, lookups: DnsLookups): Promise<string | undefined>;
  /**
   * The server the provider writes to, when it is a DNS server (RFC 2136's primary).
   * Without --dns-resolver, a zone the system's resolvers cannot see (a private zone)
   * is looked up, and checked, there instead.
   */
  authoritativeServer?(): Promise<DnsServer | undefined>;
  /** Add the TXT record (alongside any others at that name). Throws a one-line error. */
  present(record: TxtRecordTarget, signal: AbortSignal): Promise<void>;
  /** Remove exactly the record present() added, never others at the same name. Throws on failure (reported as a warning). */
  cleanup(record: TxtRecordTarget): Promise<void>;
}

/** Lookups a provider may need, through the same servers the solver asks (--dns-resolver, else the system's). */
export interface DnsLookups {
  /** Where CNAMEs from `name` lead (the name itself when it is no CNAME). */
  followCnames(name: string): Promise<string>;
}

export const DNS_PROVIDER_NAMES = ['rfc2136', 'exec', 'acme-dns'] as const;
export type DnsProviderName = (typeof DNS_PROVIDER_NAMES)[number];
