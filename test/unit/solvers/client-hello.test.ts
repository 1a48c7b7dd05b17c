import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { expect, test } from 'vitest';

import { scanClientHello } from '../../../src/solvers/client-hello.js';

/** The first flight of a real Node TLS client, captured by a plain TCP server on 127.0.0.1. */
async function realClientHello(options: { ALPNProtocols?: string[]; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as { port: number };
  try {
    const captured = new Promise<Buffer>((resolve) => {
      server.once('connection', (socket) => {
        let data = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          data = Buffer.concat([data, chunk]);
          if (scanClientHello(data).kind !== 'incomplete') {
            socket.destroy();
            resolve(data);
          }
        });
      });
    });
    const client = connect({ host: '127.0.0.1', port, servername: 'example.org', rejectUnauthorized: false, ...options });
    client.on('error', () => undefined);
    const data = await captured;
    client.destroy();
    return data;
  } finally {
    server.close();
  }
}

/** The same handshake bytes re-cut into records of at most `size` bytes (RFC 8446 §5.1 allows it). */
function refragment(hello: Buffer, size: number): Buffer {
  const handshake = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < handshake.length; at += size) {
    const fragment = handshake.subarray(at, at + size);
    records.push(Buffer.from([22, 3, 1, fragment.length >> 8, fragment.length & 0xff]), fragment);
  }
  return Buffer.concat(records);
}

test('reads the ALPN list of a real TLS 1.3 ClientHello', async () => {
  const hello = await realClientHello({ ALPNProtocols: ['h2', 'acme-tls/1'] });
  expect(scanClientHello(hello)).toEqual({ kind: 'complete', protocols: ['h2', 'acme-tls/1'] });
});

test('a ClientHello without ALPN has no protocol list', async () => {
  expect(scanClientHello(await realClientHello({}))).toEqual({ kind: 'complete', protocols: undefined });
  expect(scanClientHello(await realClientHello({ maxVersion: 'TLSv1.2' }))).toEqual({ kind: 'complete', protocols: undefined });
});

test('every prefix of a ClientHello is incomplete, however it is split into records', async () => {
  const hello = await realClientHello({ ALPNProtocols: ['acme-tls/1'] });
  for (const bytes of [hello, refragment(hello, 100), refragment(hello, 3)]) {
    for (let n = 0; n < bytes.length; n++) expect(scanClientHello(bytes.subarray(0, n)).kind, `${n} of ${bytes.length}`).toBe('incomplete');
    expect(scanClientHello(bytes)).toEqual({ kind: 'complete', protocols: ['acme-tls/1'] });
  }
});

test('what is not a TLS ClientHello is invalid', () => {
  expect(scanClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')).kind).toBe('invalid');
  expect(scanClientHello(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0])).kind).toBe('invalid'); // a ServerHello
  expect(scanClientHello(Buffer.from([22, 3, 1, 0, 0])).kind).toBe('invalid');
  // A ClientHello whose body is too short for its fixed fields.
  expect(scanClientHello(Buffer.from([22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3])).kind).toBe('invalid');
});
