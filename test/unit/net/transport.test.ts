import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpTransport } from '../../../src/net/transport.js';
import { TlsError } from '../../../src/errors.js';
import { issueLeaf, makeTestCa, type TestCa } from '../../support/forged-certificates.js';

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

test('a client key that is not a key fails the request, not the making of the transport, and close still works', async () => {
  const transport = createHttpTransport({ userAgent: 'test', extraCaPem: serverCa.certPem, clientCertificate: { certPem: clientCertPem, keyPem: 'not a key' } });
  await expect(transport.send({ method: 'GET', url: `${origin}/` })).rejects.toThrow();
  await expect(transport.close()).resolves.toBeUndefined();
});
