import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';

import { exchange, parseServer } from '../../../src/dns-providers/client.js';
import { query } from '../../../src/dns-providers/lookup.js';
import { FLAG, RR_CLASS, RR_TYPE, decodeMessage, encodeMessage, readTxt, txtRdata, type DnsMessage } from '../../../src/dns-providers/wire.js';

// A DNS server of our own on loopback that misbehaves on purpose: the client must not believe it.
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function udpServer(onQuery: (query: ReturnType<typeof decodeMessage>, reply: (m: DnsMessage) => void) => void): Promise<{ socket: UdpSocket; port: number }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.on('message', (data, from) => onQuery(decodeMessage(new Uint8Array(data)), (m) => socket.send(encodeMessage(m), from.port, from.address)));
  closers.push(() => socket.close());
  return { socket, port: socket.address().port };
}

/**
 * A UDP and a TCP server on one port number, as a DNS server has. The UDP port is free, but on this shared machine
 * another program may hold the same number for TCP: listen() then fails with EADDRINUSE (and, unheard, left the test
 * waiting until its timeout), so another pair is tried.
 */
async function udpAndTcpServer(onQuery: Parameters<typeof udpServer>[0], onConnection: (socket: Socket) => void): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const { port } = await udpServer(onQuery);
    const tcp: Server = createServer(onConnection);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', resolve);
      });
      closers.push(() => tcp.close());
      return port;
    } catch (err) {
      closers.pop()!(); // this attempt's UDP socket
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 10) throw err;
    }
  }
}

const answer = (q: ReturnType<typeof decodeMessage>, value: string, overrides: Partial<DnsMessage> = {}): DnsMessage => ({
  id: q.id, flags: FLAG.QR | FLAG.AA, questions: q.questions,
  answers: [{ name: q.questions[0]!.name, type: RR_TYPE.TXT, class: RR_CLASS.IN, ttl: 1, data: txtRdata(value) }], authorities: [], additionals: [],
  ...overrides,
});

test('replies with the wrong ID or the wrong question are ignored; the right one is taken', async () => {
  const { port } = await udpServer((q, reply) => {
    reply(answer(q, 'spoofed-id', { id: (q.id + 1) & 0xffff }));
    reply(answer(q, 'spoofed-question', { questions: [{ name: 'other.test', type: RR_TYPE.TXT, class: RR_CLASS.IN }] }));
    reply(answer(q, 'not-a-response', { flags: 0 }));
    reply(answer(q, 'genuine'));
  });
  const reply = await query({ host: '127.0.0.1', port }, 'name.test', RR_TYPE.TXT);
  expect(reply.answers.map(readTxt)).toEqual(['genuine']);
});

test('only spoofed replies: a timeout, not a wrong answer', async () => {
  const { port } = await udpServer((q, reply) => reply(answer(q, 'spoofed', { id: (q.id + 1) & 0xffff })));
  await expect(query({ host: '127.0.0.1', port }, 'name.test', RR_TYPE.TXT, { timeoutMs: 300, attempts: 1 })).rejects.toThrow(/did not answer within 0.3 s/);
});

test('a truncated UDP answer is asked again over TCP', async () => {
  const port = await udpAndTcpServer((q, reply) => reply(answer(q, 'partial', { flags: FLAG.QR | FLAG.TC, answers: [] })), (socket) => {
    socket.on('data', (chunk) => {
      const q = decodeMessage(new Uint8Array(chunk.subarray(2)));
      const body = encodeMessage(answer(q, 'x'.repeat(1000)));
      const frame = Buffer.alloc(2 + body.length);
      frame.writeUInt16BE(body.length, 0);
      frame.set(body, 2);
      socket.end(frame);
    });
  });
  const reply = await exchange({ host: '127.0.0.1', port }, { id: 9, flags: FLAG.RD, questions: [{ name: 'big.test', type: RR_TYPE.TXT, class: RR_CLASS.IN }], answers: [], authorities: [], additionals: [] });
  expect(reply.answers.map(readTxt)).toEqual(['x'.repeat(1000)]);
});

test('server addresses: IP, IP:PORT, [IPv6]:PORT; names are refused', () => {
  expect(parseServer('192.0.2.1', 'x')).toEqual({ host: '192.0.2.1', port: 53 });
  expect(parseServer('127.0.0.1:5353', 'x')).toEqual({ host: '127.0.0.1', port: 5353 });
  expect(parseServer('[::1]:53', 'x')).toEqual({ host: '::1', port: 53 });
  expect(parseServer('::1', 'x')).toEqual({ host: '::1', port: 53 });
  expect(() => parseServer('ns1.example.test', '--dns-resolver')).toThrow(/invalid --dns-resolver "ns1.example.test"/);
  expect(() => parseServer('127.0.0.1:99999', 'x')).toThrow(/not a port number/);
});
