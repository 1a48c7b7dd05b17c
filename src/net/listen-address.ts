import { ipAddressVersion } from './ip-address.js';
import type { Server } from 'node:net';

import { UsageError } from '../errors.js';

/** Where a standalone responder listens. `host` undefined means every interface. */
export interface ListenAddress {
  host: string | undefined;
  port: number;
  /** As the user wrote it, for messages. */
  text: string;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Parses a listen address: `:80` or `80` (every interface), `127.0.0.1:5002`,
 * `localhost:80`, `[::1]:80`. Port 0 asks the system for a free port.
 *
 * Throws UsageError with a one-line explanation for anything else.
 */
export function parseListenAddress(text: string): ListenAddress {
  const input = text.trim();
  const fail = (why: string): never => {
    throw new UsageError(`invalid listen address '${text}': ${why} (expected :PORT, HOST:PORT or [IPv6]:PORT)`);
  };
  if (input === '') fail('empty');
  let host: string | undefined;
  let portText: string;
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close < 0) fail('missing ]');
    host = input.slice(1, close);
    if (ipAddressVersion(host) !== 6) fail(`'${host}' is not an IPv6 address`);
    if (input[close + 1] !== ':') fail('a port must follow the ]');
    portText = input.slice(close + 2);
  } else if (/^\d+$/.test(input)) {
    portText = input;
  } else {
    const colon = input.lastIndexOf(':');
    if (colon < 0) fail('no port');
    if (input.indexOf(':') !== colon) fail('put an IPv6 address in brackets, as in [::1]:80');
    host = input.slice(0, colon) || undefined;
    portText = input.slice(colon + 1);
    if (host !== undefined && ipAddressVersion(host) === 0 && !HOSTNAME.test(host)) fail(`'${host}' is neither an IP address nor a host name`);
  }
  if (!/^\d{1,5}$/.test(portText)) fail(portText === '' ? 'no port' : `'${portText}' is not a port number`);
  const port = Number(portText);
  if (port > 65535) fail(`port ${port} is above 65535`);
  return { host, port, text: input };
}

/** One line for a failed listen(), naming the address and what it was for. */
export function describeListenError(err: unknown, address: ListenAddress, purpose: string): string {
  const prefix = `cannot listen on ${address.text} for ${purpose}`;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EADDRINUSE':
      return `${prefix}: address already in use`;
    case 'EACCES':
    case 'EPERM':
      return `${prefix}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
    case 'EADDRNOTAVAIL':
      return `${prefix}: no such address on this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${prefix}: cannot resolve ${address.host ?? ''}`;
    default:
      return `${prefix}: ${e?.message ?? String(err)}`;
  }
}

/** listen() as a promise; a failure becomes a UsageError from describeListenError. */
export function listenOn(server: Server, address: ListenAddress, purpose: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(new UsageError(describeListenError(err, address, purpose), { cause: err }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port: address.port, ...(address.host === undefined ? {} : { host: address.host }), exclusive: true });
  });
}

/**
 * A responder's listening: prepare() listens on the first call, and every later call shares that one listen,
 * so prepare() before the order and begin() for each challenge bind once. A failed listen is forgotten, so the
 * next call tries again (the port may be free by then, e.g. after a pre-hook stopped the web server), and so is
 * one the responder has closed (closed()), so it can listen again.
 */
export function listenWhenAsked(server: Server, address: ListenAddress, purpose: string): { prepare: () => Promise<void>; closed: () => void } {
  let listening: Promise<void> | undefined;
  return {
    prepare: () => {
      listening ??= listenOn(server, address, purpose).catch((err: unknown) => {
        listening = undefined;
        throw err;
      });
      return listening;
    },
    closed: () => {
      listening = undefined;
    },
  };
}

/** The port the server is bound to (useful after listening on port 0). */
export function boundPort(server: Server): number | undefined {
  const info = server.address();
  return info !== null && typeof info === 'object' ? info.port : undefined;
}
