import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpTransport } from '../../../src/net/transport.js';
import { NetworkError, TimeoutError, TlsError, UsageError } from '../../../src/errors.js';
import { issueLeaf, makeTestCa, type TestCa } from '../../support/forged-certificates.js';
import { startTinyproxy, type TinyproxyInstance } from '../../support/tinyproxy.js';

// The transport's trust (an extra CA beside the system's roots) and its client certificate are one TLS context
// made once per transport: every connection, not only the first, must still verify the server and present the client.
let serverCa: TestCa;
let clientCertPem: string;
let clientKeyPem: string;
let server: https.Server;
let origin: string;
const clientsSeen: string[] = [];

beforeAll(async () => {
  serverCa = await makeTestCa('Transport Test Server CA');
  const clientCa = await makeTestCa('Transport Test Client CA');
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  clientCertPem = await issueLeaf(clientCa, { key: clientKey, commonName: 'agent-7' });
  clientKeyPem = clientKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  server = https.createServer(
    { key: serverKey.export({ type: 'pkcs8', format: 'pem' }), cert: await issueLeaf(serverCa, { key: serverKey, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }), ca: clientCa.certPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      clientsSeen.push(String(peer.subject?.CN ?? '(none)'));
      // A new connection for every request, so each one goes through the TLS handshake again.
      res.writeHead(200, { connection: 'close' }).end('ok');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

test('with the extra CA, every connection verifies the server and presents the client certificate', async () => {
  clientsSeen.length = 0;
  const transport = createHttpTransport({ userAgent: 'test', extraCaPem: serverCa.certPem, clientCertificate: { certPem: clientCertPem, keyPem: clientKeyPem } });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await transport.send({ method: 'GET', url: `${origin}/${i}` });
      expect(res.status).toBe(200);
    }
  } finally {
    await transport.close();
  }
  expect(clientsSeen).toEqual(['agent-7', 'agent-7', 'agent-7']);
});

test('without the extra CA the server is not trusted: a TlsError naming the option', async () => {
  const transport = createHttpTransport({ userAgent: 'test', caFileOption: '--manager-ca-file' });
  try {
    const failure = await transport.send({ method: 'GET', url: `${origin}/` }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TlsError);
    expect((failure as Error).message).toMatch(/pass --manager-ca-file with the CA that signed it/);
  } finally {
    await transport.close();
  }
});

test('an extra CA bundle with a damaged certificate fails the first request as a UsageError naming the option, not as a TLS failure', async () => {
  // OpenSSL would skip the damaged block silently; the server (signed by the bundle's good CA) is never reached.
  const damaged = `${serverCa.certPem}\n-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!\n-----END CERTIFICATE-----\n`;
  for (const [extraCaPem, message] of [
    [damaged, '--manager-ca-file: certificate 2 of 2 is not a readable X.509 certificate'],
    ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', '--manager-ca-file: certificate 1 of 1 is not a readable X.509 certificate'],
    ['garbage -----BEGIN CERTIFICATE-----', '--manager-ca-file holds no PEM certificate'],
  ] as const) {
    const transport = createHttpTransport({ userAgent: 'test', extraCaPem, caFileOption: '--manager-ca-file' });
    try {
      const failure = await transport.send({ method: 'GET', url: `${origin}/` }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(UsageError);
      expect((failure as Error).message).toBe(message);
    } finally {
      await transport.close();
    }
  }
});

test('a client key that is not a key, or not the certificate\'s, fails the request as a UsageError (ours to fix, not the network\'s), not the making of the transport, and close still works', async () => {
  const otherKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  for (const [keyPem, reason] of [['not a key', 'unsupported'], [otherKeyPem, 'key values mismatch']] as const) {
    const transport = createHttpTransport({ userAgent: 'test', extraCaPem: serverCa.certPem, clientCertificate: { certPem: clientCertPem, keyPem } });
    const failure = await transport.send({ method: 'GET', url: `${origin}/` }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toBe(`the client certificate (--client-cert) and its key (--client-key) cannot be used: ${reason}`);
    await expect(transport.close()).resolves.toBeUndefined();
  }
});

test('a server that takes the connection but never does the TLS handshake: the connect timeout, not the whole deadline', async () => {
  const held: Socket[] = [];
  const mute = createTcpServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  // The limit is the option's (15 s by default): 300 ms here, so the test does not wait 15 s of wall time.
  const transport = createHttpTransport({ userAgent: 'test', timeoutMs: 120_000, connectTimeoutMs: 300 });
  try {
    const failure = await transport.send({ method: 'GET', url: `https://127.0.0.1:${(mute.address() as AddressInfo).port}/` }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as Error).message).toMatch(/^cannot connect to 127\.0\.0\.1:\d+: timed out$/);
  } finally {
    await transport.close();
    for (const socket of held) socket.destroy();
    mute.close();
  }
}, 60_000);

describe('through a proxy (a real tinyproxy asking for Basic credentials)', () => {
  let proxy: TinyproxyInstance;
  let plain: http.Server;
  let plainOrigin: string;
  beforeAll(async () => {
    proxy = await startTinyproxy({ user: 'alice', password: 'pw0rdX9' });
    plain = http.createServer((_req, res) => {
      res.setHeader('link', ['<https://a.example/1>;rel="up"', '<https://a.example/2>;rel="alternate"']);
      res.end('plain');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    plainOrigin = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await proxy?.stop();
    plain?.closeAllConnections();
    await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
  });
  const tunnelsTo = (o: string) => proxy.requests().filter((line) => line === `CONNECT ${new URL(o).host} HTTP/1.1`).length;

  test('https goes through a CONNECT tunnel, which carries the extra CA and the client certificate on every connection', async () => {
    clientsSeen.length = 0;
    const before = tunnelsTo(origin);
    const transport = createHttpTransport({ userAgent: 'test', extraCaPem: serverCa.certPem, clientCertificate: { certPem: clientCertPem, keyPem: clientKeyPem }, proxy: { httpsProxy: proxy.url } });
    try {
      for (let i = 0; i < 2; i++) expect((await transport.send({ method: 'GET', url: `${origin}/${i}` })).status).toBe(200);
    } finally {
      await transport.close();
    }
    expect(clientsSeen).toEqual(['agent-7', 'agent-7']);
    // The server closes each connection: two requests, two tunnels.
    expect(tunnelsTo(origin) - before).toBe(2);
  });

  test('without HTTPS_PROXY, https falls back to HTTP_PROXY (as curl does)', async () => {
    const before = tunnelsTo(origin);
    const transport = createHttpTransport({ userAgent: 'test', extraCaPem: serverCa.certPem, clientCertificate: { certPem: clientCertPem, keyPem: clientKeyPem }, proxy: { httpProxy: proxy.url } });
    try {
      expect((await transport.send({ method: 'GET', url: `${origin}/` })).status).toBe(200);
    } finally {
      await transport.close();
    }
    expect(tunnelsTo(origin) - before).toBe(1);
  });

  test('plain http goes to HTTP_PROXY by absolute URL', async () => {
    const transport = createHttpTransport({ userAgent: 'test', allowHttp: true, proxy: { httpProxy: proxy.url } });
    try {
      const res = await transport.send({ method: 'GET', url: `${plainOrigin}/via-proxy` });
      expect(Buffer.from(res.body).toString()).toBe('plain');
    } finally {
      await transport.close();
    }
    expect(proxy.requests()).toContain(`GET ${plainOrigin}/via-proxy HTTP/1.1`);
  });

  test('a header sent twice (Link) is two values, not one joined by commas', async () => {
    const transport = createHttpTransport({ userAgent: 'test', allowHttp: true });
    try {
      const res = await transport.send({ method: 'GET', url: `${plainOrigin}/direct` });
      expect(res.headers.link).toEqual(['<https://a.example/1>;rel="up"', '<https://a.example/2>;rel="alternate"']);
      expect(res.headers['content-length']).toBe('5');
    } finally {
      await transport.close();
    }
  });

  test('NO_PROXY names the host: the request goes direct, the proxy sees nothing', async () => {
    const before = proxy.requests().length;
    for (const noProxy of ['127.0.0.1', `127.0.0.1:${new URL(origin).port}`, 'example.org, 127.0.0.0-127.0.0.255', '*']) {
      const transport = createHttpTransport({ userAgent: 'test', extraCaPem: serverCa.certPem, clientCertificate: { certPem: clientCertPem, keyPem: clientKeyPem }, proxy: { httpsProxy: proxy.url, noProxy } });
      try {
        expect((await transport.send({ method: 'GET', url: `${origin}/` })).status, noProxy).toBe(200);
      } finally {
        await transport.close();
      }
    }
    expect(proxy.requests().length).toBe(before);
  });

  test('a proxy refusing the credentials fails the request with a NetworkError that does not show them', async () => {
    const wrong = proxy.url.replace('pw0rdX9', 'wrongpw');
    expect(wrong).not.toBe(proxy.url);
    const transport = createHttpTransport({ userAgent: 'test', extraCaPem: serverCa.certPem, proxy: { httpsProxy: wrong } });
    try {
      const failure = await transport.send({ method: 'GET', url: `${origin}/` }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(NetworkError);
      expect((failure as Error).message).toMatch(/through the proxy failed/);
      expect((failure as Error).message).not.toMatch(/wrongpw|alice/);
    } finally {
      await transport.close();
    }
  });

  test('a proxy URL Node cannot use is refused (not skipped for a direct request), without showing it', async () => {
    for (const httpsProxy of ['socks5://ops:Hidden9@127.0.0.1:1080', 'ops:Hidden9@proxy:3128', 'http//ops:Hidden9@proxy']) {
      let failure: unknown;
      try {
        createHttpTransport({ userAgent: 'test', proxy: { httpsProxy } });
      } catch (err) {
        failure = err;
      }
      expect(failure, httpsProxy).toBeInstanceOf(UsageError);
      expect((failure as Error).message).toBe('HTTPS_PROXY is not an http:// or https:// proxy URL (no other kind of proxy is supported)');
    }
    expect(() => createHttpTransport({ userAgent: 'test', proxy: { httpProxy: 'socks4://127.0.0.1:1' } })).toThrow(/^HTTP_PROXY is not/);
    // A line break, which the URL parser drops but Node refuses (quoting the whole URL, password and all).
    const broken = createHttpTransport({ userAgent: 'test', proxy: { httpsProxy: 'http://ops:Hidden9@proxy\n.example:3128' } });
    const failure = await broken.send({ method: 'GET', url: `${origin}/` }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toBe('the proxy URL (HTTPS_PROXY / HTTP_PROXY) is not usable');
    await broken.close();
  });
});

describe('a proxy that stalls the tunnel: the request still ends at its deadline, and the socket to the proxy is closed', () => {
  // Through a proxy, Node hands the request its socket only once the CONNECT tunnel and the TLS inside it are up;
  // until then neither the deadline's abort nor the connect limit reached it (Node's own tunnel timeout is the
  // agent's idle timeout, 10 s, and it is cleared once the proxy says 200: a TLS handshake that never comes hung
  // the request for ever).
  for (const [what, onConnect] of [
    ['CONNECT never answered', () => {}],
    ['200 to CONNECT, then no TLS handshake', (socket: Socket) => socket.write('HTTP/1.1 200 Connection established\r\n\r\n')],
  ] as const) {
    test(what, async () => {
      const closedByClient: Promise<void>[] = [];
      const stalling = createTcpServer((socket) => {
        closedByClient.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
        socket.on('error', () => {});
        socket.once('data', () => onConnect(socket));
      });
      await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
      const transport = createHttpTransport({
        userAgent: 'test', timeoutMs: 300, connectTimeoutMs: 60_000,
        proxy: { httpsProxy: `http://ops:Hidden9@127.0.0.1:${(stalling.address() as AddressInfo).port}` },
      });
      try {
        const failure = await transport.send({ method: 'GET', url: 'https://127.0.0.1:9/' }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(TimeoutError);
        expect((failure as Error).message).toBe('no answer from 127.0.0.1:9 within 0.3 s (GET https://127.0.0.1:9/)');
        expect(closedByClient).toHaveLength(1);
        await closedByClient[0];
      } finally {
        await transport.close();
        stalling.close();
      }
    }, 60_000);
  }
});

test('a proxy whose name does not resolve is named as the one that did not resolve, not the CA, and without its credentials', async () => {
  for (const proxy of [{ httpsProxy: 'http://ops:Hidden9@proxy.invalid:3128' }, { httpProxy: 'http://ops:Hidden9@proxy.invalid:3128' }]) {
    const transport = createHttpTransport({ userAgent: 'test', allowHttp: true, proxy });
    try {
      const target = proxy.httpsProxy ? 'https://127.0.0.1:9/' : 'http://127.0.0.1:9/';
      const failure = await transport.send({ method: 'GET', url: target }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(NetworkError);
      expect((failure as Error).message).toBe('cannot resolve the proxy proxy.invalid (for 127.0.0.1:9)');
    } finally {
      await transport.close();
    }
  }
});
