import { createServer, type Server } from 'node:net';
import { afterEach, expect, test } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { createHttpStandaloneSolver } from '../../../src/solvers/http-standalone.js';
import { describeListenError, parseListenAddress } from '../../../src/net/listen-address.js';
import { createTlsAlpnSolver } from '../../../src/solvers/tls-alpn.js';

test.each([
  [':80', undefined, 80],
  ['80', undefined, 80],
  ['127.0.0.1:5002', '127.0.0.1', 5002],
  ['localhost:8080', 'localhost', 8080],
  ['[::1]:80', '::1', 80],
  ['[2001:db8::1]:443', '2001:db8::1', 443],
  [' :0 ', undefined, 0],
])('parses %s', (text, host, port) => {
  expect(parseListenAddress(text)).toEqual({ host, port, text: text.trim() });
});

test.each([
  ['', /empty/],
  ['127.0.0.1', /no port/],
  ['127.0.0.1:', /no port/],
  ['::1:80', /brackets/],
  ['[::1]80', /port must follow/],
  ['[::1', /missing \]/],
  ['[127.0.0.1]:80', /not an IPv6 address/],
  [':99999', /above 65535/],
  [':http', /not a port number/],
  ['bad_host!:80', /neither an IP address nor a host name/],
])('refuses %j with a one-line UsageError', (text, why) => {
  let error: unknown;
  try {
    parseListenAddress(text);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toMatch(why);
  expect((error as Error).message).not.toContain('\n');
});

test('EACCES says why ports below 1024 fail', () => {
  // As a pure mapping: the tests may run as root, where binding port 80 succeeds.
  const err = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES', syscall: 'listen' });
  expect(describeListenError(err, parseListenAddress(':80'), 'http-01')).toBe(
    'cannot listen on :80 for http-01: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  );
});

let occupier: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (occupier ? occupier.close(() => resolve()) : resolve()));
  occupier = undefined;
});

async function occupiedPort(): Promise<number> {
  occupier = createServer();
  await new Promise<void>((resolve) => occupier?.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const info = occupier.address();
  if (info === null || typeof info === 'string') throw new Error('no port');
  return info.port;
}

test('http-01 on a port in use: UsageError naming the address', async () => {
  const port = await occupiedPort();
  const solver = createHttpStandaloneSolver({ address: `127.0.0.1:${port}` });
  const error = await solver.prepare().catch((err: unknown) => err);
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${port} for http-01: address already in use`);
  await solver.close();
});

test('tls-alpn-01 on a port in use: UsageError naming the address', async () => {
  const port = await occupiedPort();
  const solver = createTlsAlpnSolver({ address: `127.0.0.1:${port}` });
  const error = await solver.prepare().catch((err: unknown) => err);
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${port} for tls-alpn-01: address already in use`);
  await solver.close();
});

test.each([
  ['http-01', (address: string) => createHttpStandaloneSolver({ address })],
  ['tls-alpn-01', (address: string) => createTlsAlpnSolver({ address })],
])('%s: a listen that failed is tried again by the next prepare, and a closed responder listens again', async (_type, create) => {
  const port = await occupiedPort();
  const solver = create(`127.0.0.1:${port}`);
  await expect(solver.prepare()).rejects.toBeInstanceOf(UsageError);
  // The port is freed (a pre-hook stopped the web server): the same solver now listens on it.
  await new Promise<void>((resolve) => occupier?.close(() => resolve()));
  occupier = undefined;
  await solver.prepare();
  expect(solver.port()).toBe(port);
  await solver.close();
  expect(solver.port()).toBeUndefined();
  await solver.prepare();
  expect(solver.port()).toBe(port);
  await solver.close();
});
