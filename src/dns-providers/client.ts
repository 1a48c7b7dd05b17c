/**
 * Sends one DNS message to one server and returns the answer that belongs to it:
 * UDP first, TCP when the answer is truncated (RFC 7766). A reply whose ID, QR bit,
 * opcode or question differs is not ours (a spoof, or a late answer to an earlier
 * query) and is ignored: we keep waiting for the right one until the timeout.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Socket } from 'node:net';
import { ipAddressVersion } from '../net/ip-address.js';

import { AbortedError, NetworkError, TimeoutError, UsageError } from '../errors.js';
import { FLAG, decodeMessage, encodeMessage, opcodeOf, sameName, type DecodedMessage, type DnsMessage, type Question } from './wire.js';

export interface DnsServer {
  host: string;
  port: number;
}

export interface ExchangeOptions {
  /** Per attempt; default 2 s. */
  timeoutMs?: number;
  /** UDP attempts before giving up; default 3. */
  attempts?: number;
  signal?: AbortSignal | undefined;
  /** Skip UDP (large updates). */
  tcpOnly?: boolean;
}

const MAX_TCP_MESSAGE = 65_535;

export function formatServer(server: DnsServer): string {
  return ipAddressVersion(server.host) === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/**
 * `IP`, `IP:PORT`, `[IPv6]:PORT`; default port 53. Names are refused: resolving the
 * server would need a server. Throws UsageError naming `what`.
 */
export function parseServer(text: string, what: string): DnsServer {
  const input = text.trim();
  const fail = (why: string): never => {
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: ${why} (expected IP, IP:PORT or [IPv6]:PORT)`);
  };
  let host = input;
  let port = '53';
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(input);
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2] ?? '53';
    if (ipAddressVersion(host) !== 6) fail(`'${host}' is not an IPv6 address`);
  } else if (ipAddressVersion(input) === 0) {
    const colon = input.lastIndexOf(':');
    if (colon < 0) fail(`'${input}' is not an IP address`);
    host = input.slice(0, colon);
    port = input.slice(colon + 1);
    if (ipAddressVersion(host) !== 4) fail(host.includes(':') ? 'put an IPv6 address with a port in brackets' : `'${host}' is not an IP address`);
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail(`'${port}' is not a port number`);
  return { host, port: Number(port) };
}

export function newMessageId(): number {
  return randomInt(0, 0x10000);
}

/** Whether `reply` answers `request`: same ID, a response, same opcode, same question (RFC 5452 §9.1). */
export function answersRequest(reply: DecodedMessage, request: { id: number; flags: number; question: Question | undefined }): boolean {
  if (reply.id !== request.id || (reply.flags & FLAG.QR) === 0 || opcodeOf(reply.flags) !== opcodeOf(request.flags)) return false;
  // A server may leave the question out of an error reply (FORMERR, NOTIMP); it must not change it.
  if (reply.questions.length === 0) return true;
  const q = reply.questions[0]!;
  return reply.questions.length === 1 && request.question !== undefined && sameName(q.name, request.question.name) && q.type === request.question.type && q.class === request.question.class;
}

/** Sends `message` (a DnsMessage, or bytes already signed) and returns the reply that matches it. */
export async function exchange(server: DnsServer, message: DnsMessage | { bytes: Uint8Array; id: number; flags: number; question: Question | undefined }, options: ExchangeOptions = {}): Promise<DecodedMessage> {
  const request = 'bytes' in message
    ? message
    : { bytes: encodeMessage(message), id: message.id, flags: message.flags, question: message.questions[0] };
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (!options.tcpOnly) {
    const attempts = options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await udpExchange(server, request, timeoutMs, options.signal);
        if ((reply.flags & FLAG.TC) === 0) return reply;
        break; // truncated: ask again over TCP
      } catch (err) {
        if (!(err instanceof TimeoutError) || attempt >= attempts) throw err;
      }
    }
  }
  return tcpExchange(server, request, timeoutMs * 2, options.signal);
}

type Request = { bytes: Uint8Array; id: number; flags: number; question: Question | undefined };

/**
 * One DNS exchange over a socket, settled once: the answer, a timeout, an abort
 * or a socket error, whichever comes first; the socket is closed in every case.
 * `start` wires the socket and calls `finish` when it is done.
 */
function settleOnce<S>(server: DnsServer, timeoutMs: number, signal: AbortSignal | undefined, timeoutMessage: string,
  open: () => S, close: (socket: S) => void, start: (socket: S, finish: (err: Error | undefined, reply?: DecodedMessage) => void) => void): Promise<DecodedMessage> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(`DNS query to ${formatServer(server)} cancelled`));
    const socket = open();
    let done = false;
    const finish = (err: Error | undefined, reply?: DecodedMessage): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      close(socket);
      if (err) reject(err);
      else resolve(reply!);
    };
    const onAbort = (): void => finish(new AbortedError(`DNS query to ${formatServer(server)} cancelled`));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish(new TimeoutError(timeoutMessage)), timeoutMs);
    start(socket, finish);
  });
}

function udpExchange(server: DnsServer, request: Request, timeoutMs: number, signal: AbortSignal | undefined): Promise<DecodedMessage> {
  const open = () => createSocket(ipAddressVersion(server.host) === 6 ? 'udp6' : 'udp4');
  return settleOnce(server, timeoutMs, signal, `DNS server ${formatServer(server)} did not answer within ${timeoutMs / 1000} s`, open, (socket) => socket.close(), (socket, finish) => {
    socket.on('error', (err: NodeJS.ErrnoException) => finish(new NetworkError(`DNS server ${formatServer(server)}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`, { cause: err })));
    socket.on('message', (data) => {
      let reply: DecodedMessage;
      try {
        reply = decodeMessage(new Uint8Array(data));
      } catch {
        return; // garbage is not an answer; the real one may still come
      }
      if (answersRequest(reply, request)) finish(undefined, reply);
    });
    // connect(): the kernel then drops datagrams from any other address or port.
    socket.connect(server.port, server.host, () => socket.send(request.bytes));
  });
}

function tcpExchange(server: DnsServer, request: Request, timeoutMs: number, signal: AbortSignal | undefined): Promise<DecodedMessage> {
  return settleOnce(server, timeoutMs, signal, `DNS server ${formatServer(server)} did not answer over TCP within ${timeoutMs / 1000} s`, () => new Socket(), (socket) => socket.destroy(), (socket, finish) => {
    let received = Buffer.alloc(0);
    socket.on('error', (err: NodeJS.ErrnoException) => finish(new NetworkError(`DNS server ${formatServer(server)} (TCP): ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`, { cause: err })));
    socket.on('close', () => finish(new NetworkError(`DNS server ${formatServer(server)} closed the TCP connection without an answer`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2) {
        const length = received.readUInt16BE(0);
        if (received.length < 2 + length) {
          if (received.length > MAX_TCP_MESSAGE + 2) finish(new NetworkError(`DNS server ${formatServer(server)} sent too much over TCP`));
          return;
        }
        const data = new Uint8Array(received.subarray(2, 2 + length));
        received = received.subarray(2 + length);
        try {
          const reply = decodeMessage(data);
          if (answersRequest(reply, request)) return finish(undefined, reply);
        } catch (err) {
          return finish(new NetworkError(`DNS server ${formatServer(server)} sent a malformed message: ${(err as Error).message}`));
        }
      }
    });
    socket.connect(server.port, server.host, () => {
      const frame = Buffer.alloc(2 + request.bytes.length);
      frame.writeUInt16BE(request.bytes.length, 0);
      frame.set(request.bytes, 2);
      socket.write(frame);
    });
  });
}
