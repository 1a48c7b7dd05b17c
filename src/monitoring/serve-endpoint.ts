import { ipAddressVersion } from '../net/ip-address.js';
import { UsageError } from '../errors.js';

/** Where a lineage's certificate is served: `--serve-check HOST:PORT[/SNI]`. */
export interface ServeEndpoint {
  host: string;
  port: number;
  /** The name sent in SNI; absent when the first name of the lineage is to be used. */
  servername?: string;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?)*\.?$/;
const SNI_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Reads `HOST:PORT`, `[IPv6]:PORT`, optionally followed by `/SNI`. The value
 * comes from the command line or a state file another run wrote, so it is
 * checked in full: a host that could smuggle options or paths never reaches
 * the TLS connect.
 */
export function parseServeEndpoint(text: string): ServeEndpoint {
  const bad = (why: string) => new UsageError(`--serve-check ${JSON.stringify(text.slice(0, 200))}: ${why} (expected HOST:PORT or HOST:PORT/SNI)`);
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const sni = slash === -1 ? undefined : text.slice(slash + 1).toLowerCase();
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close === -1 || address[close + 1] !== ':') throw bad('an IPv6 address is written [ADDRESS]:PORT');
    host = address.slice(1, close);
    portText = address.slice(close + 2);
    if (ipAddressVersion(host) !== 6) throw bad(`${host} is not an IPv6 address`);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon <= 0) throw bad('the port is missing');
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    if (ipAddressVersion(host) !== 4 && !HOSTNAME.test(host)) throw bad(`${host} is not a host name or IP address`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw bad('the port must be 1 to 65535');
  if (sni !== undefined && (!SNI_NAME.test(sni) || ipAddressVersion(sni) !== 0)) throw bad('the SNI name must be a DNS name (RFC 6066 §3: no IP address, no wildcard)');
  return { host, port: Number(portText), ...(sni ? { servername: sni } : {}) };
}

/** The canonical text of an endpoint, as stored and shown. */
export function formatServeEndpoint(endpoint: ServeEndpoint): string {
  const host = ipAddressVersion(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}${endpoint.servername ? `/${endpoint.servername}` : ''}`;
}

/** SNI for an endpoint: its own, else the lineage's first DNS name (never an IP address, RFC 6066 §3). */
export function serverNameFor(endpoint: ServeEndpoint, lineageNames: readonly string[]): string | undefined {
  if (endpoint.servername) return endpoint.servername;
  const first = lineageNames.find((n) => ipAddressVersion(n) === 0);
  return first?.replace(/^\*\./, '');
}
