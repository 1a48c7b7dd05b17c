import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer as createNetServer, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type SecureContext } from 'node:tls';

import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import type { Identifier } from '../acme/types.js';
import { ipAddressBytes } from '../certs/identifiers.js';
import { encodeAlgorithmIdentifier, encodeCommonNameOnly, encodeSigned, encodeSubjectAltName, encodeTbsCertificate, OID } from '../certs/x509-der.js';
import { concatBytes, encodeTlv } from '../certs/der.js';
import { UsageError } from '../errors.js';
import { encodePem } from '../keys/pem.js';
import { scanClientHello } from './client-hello.js';
import { boundPort, listenWhenAsked, parseListenAddress, type ListenAddress } from '../net/listen-address.js';

/** RFC 8737 §6.2: the ALPN protocol name of tls-alpn-01. */
export const ACME_TLS_PROTOCOL = 'acme-tls/1';
/** RFC 8737 §6.1: id-pe-acmeIdentifier. */
export const ID_PE_ACME_IDENTIFIER = '1.3.6.1.5.5.7.1.31';

export interface TlsAlpnOptions {
  /** `:443` by default; `127.0.0.1:5001`, `[::1]:443`; port 0 picks a free port. */
  address?: string;
  /** A connection that has not finished its handshake by then is dropped; default 10 s. */
  handshakeTimeoutMs?: number;
}

export interface TlsAlpnSolver extends ChallengeSolver {
  prepare(): Promise<void>;
  close(): Promise<void>;
  /** The port listened on, once prepared. */
  port(): number | undefined;
}

export interface TlsAlpnCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * tls-alpn-01 (RFC 8737) from a built-in TLS server. Each accepted task gets a
 * throwaway self-signed certificate, chosen by SNI, holding the identifier as its
 * only SAN and the critical acmeIdentifier extension. A connection whose
 * ClientHello does not offer `acme-tls/1` is closed before any certificate is sent
 * (RFC 8737 §3: the validation certificate is for acme-tls/1 only).
 *
 * Throws UsageError at creation for a bad address, and from prepare() (or the
 * first begin) when the address cannot be listened on.
 */
export function createTlsAlpnSolver(options: TlsAlpnOptions = {}): TlsAlpnSolver {
  const address: ListenAddress = parseListenAddress(options.address ?? ':443');
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  // SNI name → the certificate of the task that registered it last.
  const contexts = new Map<string, { token: string; context: SecureContext }>();
  const sockets = new Set<Socket>();

  const tlsServer = createTlsServer({
    ALPNProtocols: [ACME_TLS_PROTOCOL],
    // RFC 8737 §4: "MUST only negotiate TLS 1.2 or higher".
    minVersion: 'TLSv1.2',
    handshakeTimeout: handshakeTimeoutMs,
    SNICallback: (servername, callback) => {
      const entry = contexts.get(servername.toLowerCase());
      if (entry) callback(null, entry.context);
      else callback(new Error(`no tls-alpn-01 challenge for ${servername}`));
    },
  });
  tlsServer.on('tlsClientError', () => undefined);
  tlsServer.on('secureConnection', (tlsSocket) => {
    tlsSocket.on('error', () => undefined);
    // RFC 8737 §3: once the handshake is done, no application data is exchanged.
    tlsSocket.end();
  });

  const netServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(handshakeTimeoutMs, () => socket.destroy());
    let received: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const scan = scanClientHello(received);
      if (scan.kind === 'incomplete') return;
      socket.off('data', onData);
      socket.pause();
      if (scan.kind === 'invalid' || !scan.protocols?.includes(ACME_TLS_PROTOCOL)) {
        socket.destroy();
        return;
      }
      socket.setTimeout(0);
      // The TLS socket reads what is buffered first, so the ClientHello is seen again.
      socket.unshift(received);
      tlsServer.emit('connection', socket);
    };
    socket.on('data', onData);
  });

  const listening = listenWhenAsked(netServer, address, 'tls-alpn-01');
  const prepare = listening.prepare;

  return {
    name: 'tls-alpn-standalone',
    canAnswer: (type, identifier) => type === 'tls-alpn-01' && (identifier.type === 'dns' || identifier.type === 'ip'),
    prepare,
    async begin(task: ChallengeTask) {
      await prepare();
      const { certificatePem, privateKeyPem } = await createTlsAlpnCertificate(task.identifier, task.keyAuthorization);
      const context = createSecureContext({ cert: certificatePem, key: privateKeyPem, minVersion: 'TLSv1.2' });
      contexts.set(tlsAlpnServerName(task.identifier), { token: task.token, context });
      return 'accepted';
    },
    async end(task: ChallengeTask) {
      const name = tlsAlpnServerName(task.identifier);
      if (contexts.get(name)?.token === task.token) contexts.delete(name);
    },
    async close() {
      contexts.clear();
      if (!netServer.listening) return;
      await new Promise<void>((resolve) => {
        netServer.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      listening.closed();
    },
    port: () => boundPort(netServer),
  };
}

/**
 * The SNI name the CA sends: the name itself for a dns identifier, and for an IP
 * the reverse-DNS name (RFC 8738 §6: `in-addr.arpa` / `ip6.arpa`, RFC 1035 §3.5, RFC 3596 §2.5).
 */
export function tlsAlpnServerName(identifier: Identifier): string {
  if (identifier.type === 'dns') return identifier.value.toLowerCase().replace(/\.$/, '');
  const bytes = ipAddressBytes(identifier.value);
  if (bytes?.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  if (bytes?.length === 16) return `${[...Buffer.from(bytes).toString('hex')].reverse().join('.')}.ip6.arpa`;
  throw new UsageError(`'${identifier.value}' is not an IP address`);
}

/**
 * A self-signed ECDSA P-256 certificate for tls-alpn-01 (RFC 8737 §3): the
 * identifier as the only subjectAltName (dNSName, or iPAddress per RFC 8738 §6),
 * and the critical id-pe-acmeIdentifier extension whose value is the DER OCTET
 * STRING of SHA-256(keyAuthorization).
 */
export async function createTlsAlpnCertificate(identifier: Identifier, keyAuthorization: string): Promise<TlsAlpnCertificate> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const digest = createHash('sha256').update(keyAuthorization, 'utf8').digest();
  // RFC 8737 §3: "Authorization ::= OCTET STRING (SIZE (32))", DER: tag 04, length 32.
  const acmeIdentifier = encodeTlv(0x04, digest);
  const now = Date.now();
  const name = encodeCommonNameOnly('acmecli tls-alpn-01 challenge');
  const algorithm = encodeAlgorithmIdentifier(OID.ecdsaWithSha256, false);
  const tbs = encodeTbsCertificate({
    // Positive, 128 bits of randomness (RFC 5280 §4.1.2.2).
    serial: concatBytes([new Uint8Array([0x01]), randomBytes(16)]),
    algorithm,
    issuer: name,
    notBefore: new Date(now - 60 * 60 * 1000),
    notAfter: new Date(now + 7 * 24 * 60 * 60 * 1000),
    subject: name,
    spki: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    extensions: [
      { oid: OID.subjectAltName, critical: false, value: encodeSubjectAltName([identifier]) },
      { oid: ID_PE_ACME_IDENTIFIER, critical: true, value: acmeIdentifier },
    ],
  });
  const certificate = encodeSigned(tbs, algorithm, sign('sha256', tbs, privateKey));
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certificatePem: encodePem('CERTIFICATE', certificate), privateKeyPem };
}

