import { createConnection, createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/cert-fixtures.js';

// One certificate, one connection to the CA: every request of a `cert issue` rides the kept-alive TLS connection
// of the first. A second handshake costs the CA and us a round trip and the key exchange. Two things used to cause
// one: the first nonce was fetched with HEAD, whose answer from Pebble (no Content-Length, no chunking) made Node
// close the connection; and a request sent the moment the previous body was read found the socket not yet back in
// the pool. The requests pass through a plain TCP relay that counts the connections (TLS goes through it untouched:
// Pebble builds its URLs from the Host header, so they point at the relay too).
let pebble: PebbleInstance;
let relay: Server;
let relayUrl: string;
let connections = 0;
let work: string;
let accountKey: string;

beforeAll(async () => {
  pebble = await sharedPebble();
  const target = new URL(pebble.directoryUrl);
  relay = createServer((client) => {
    connections++;
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayUrl = `https://127.0.0.1:${(relay.address() as { port: number }).port}${target.pathname}`;
  work = tempDir('ca-connection');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
});
afterAll(async () => {
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  await pebble?.stop();
});

const issueArgs = (name: string) => ['-a', relayUrl, '--ca-file', pebble.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', '-d', name,
  '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out')];
const env = () => ({ ACMECLI_HOME: path.join(work, 'home') });

test('cert issue sends all its requests over one connection to the CA', async () => {
  // The account is made in-process first; the checked runs are the common case (account known), each alone, and
  // by the executable: a cold process is where the socket came back to the pool late, in about 4 runs of 5.
  expect((await runMain(issueArgs('conn0.example.com'), { env: env() })).code).toBe(0);
  for (const name of ['conn1.example.com', 'conn2.example.com', 'conn3.example.com']) {
    const before = connections;
    const r = await runCli(issueArgs(name), { env: env(), timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(connections - before, `${name}: connections to the CA`).toBe(1);
  }
}, 120_000);
