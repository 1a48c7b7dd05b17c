import { connect } from 'node:tls';
import type { ServeEndpoint } from './serve-endpoint.js';

export type ServedLeaf = { ok: true; der: Buffer } | { ok: false; reason: string };

/**
 * Connects to an endpoint and returns the leaf certificate it serves, as DER.
 * The server is not trusted for anything: the certificate is only compared
 * byte for byte with our own versions, so chain validation is off on purpose
 * (an expired or stale certificate must still be read to be reported).
 * Bounded in time; never throws.
 */
export function fetchServedLeaf(endpoint: ServeEndpoint, servername: string | undefined, timeoutMs: number): Promise<ServedLeaf> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ServedLeaf) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      ...(servername ? { servername } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => finish({ ok: false, reason: `no TLS handshake within ${Math.round(timeoutMs / 100) / 10} s` }), timeoutMs);
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(false);
      if (!peer || !peer.raw || peer.raw.length === 0) finish({ ok: false, reason: 'the server sent no certificate' });
      else finish({ ok: true, der: Buffer.from(peer.raw) });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? 'TLS error' }));
    socket.once('close', () => finish({ ok: false, reason: 'the connection closed before the handshake finished' }));
  });
}
