import { createHash } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { afterEach, expect, test } from 'vitest';

import type { ChallengeTask } from '../../../src/acme/solver.js';
import { x509 } from '../../support/x509.js';
import { UsageError } from '../../../src/errors.js';
import { createTlsAlpnSolver, ID_PE_ACME_IDENTIFIER, tlsAlpnServerName, type TlsAlpnSolver } from '../../../src/solvers/tls-alpn.js';

const THUMBPRINT = '9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';
const signal = new AbortController().signal;

function task(identifier: ChallengeTask['identifier'], token = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA'): ChallengeTask {
  return { type: 'tls-alpn-01', identifier, token, keyAuthorization: `${token}.${THUMBPRINT}`, wildcard: false };
}

let solver: TlsAlpnSolver | undefined;
afterEach(async () => {
  await solver?.close();
  solver = undefined;
});

async function started(): Promise<{ solver: TlsAlpnSolver; port: number }> {
  solver = createTlsAlpnSolver({ address: '127.0.0.1:0' });
  await solver.prepare();
  return { solver, port: solver.port() as number };
}

type Handshake = { ok: true; alpn: string | false; certificate: x509.X509Certificate } | { ok: false; error: string };

/** A TLS handshake the way a CA's validator makes it; the peer certificate is read raw and parsed. */
function handshake(port: number, servername: string | undefined, alpn: string[] | undefined): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      ...(servername === undefined ? {} : { servername }),
      ...(alpn === undefined ? {} : { ALPNProtocols: alpn }),
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const raw = socket.getPeerX509Certificate()?.raw;
      const alpnProtocol = socket.alpnProtocol;
      socket.destroy();
      if (raw === undefined) resolve({ ok: false, error: 'no certificate' });
      else resolve({ ok: true, alpn: alpnProtocol ?? false, certificate: new x509.X509Certificate(raw) });
    });
    socket.once('error', (err) => resolve({ ok: false, error: err.message }));
    socket.once('close', () => resolve({ ok: false, error: 'closed before the handshake finished' }));
  });
}

function expectValidationCertificate(result: Handshake, keyAuthorization: string, san: { type: string; value: string }): void {
  if (!result.ok) throw new Error(`handshake failed: ${result.error}`);
  expect(result.alpn).toBe('acme-tls/1');
  const { certificate } = result;
  const acmeIdentifier = certificate.getExtension(ID_PE_ACME_IDENTIFIER);
  expect(acmeIdentifier).not.toBeNull();
  expect(acmeIdentifier?.critical).toBe(true);
  const digest = createHash('sha256').update(keyAuthorization).digest();
  // RFC 8737 §3: the extnValue is the DER encoding of OCTET STRING (SIZE (32)).
  expect(Buffer.from(acmeIdentifier?.value ?? new ArrayBuffer(0)).toString('hex')).toBe(`0420${digest.toString('hex')}`);
  const sans = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  expect(sans?.names.toJSON()).toEqual([san]);
  expect(certificate.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
}

test('RFC 8737 §3: a dns identifier gets its own certificate, chosen by SNI', async () => {
  const { solver, port } = await started();
  const a = task({ type: 'dns', value: 'example.org' });
  const b = task({ type: 'dns', value: 'www.example.org' }, 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  expect(await solver.begin(a, signal)).toBe('accepted');
  expect(await solver.begin(b, signal)).toBe('accepted');
  expectValidationCertificate(await handshake(port, 'example.org', ['acme-tls/1']), a.keyAuthorization, { type: 'dns', value: 'example.org' });
  expectValidationCertificate(await handshake(port, 'WWW.Example.org', ['http/1.1', 'acme-tls/1']), b.keyAuthorization, {
    type: 'dns',
    value: 'www.example.org',
  });
});

test('RFC 8738 §6: an IPv4 identifier is asked for by its in-addr.arpa name and has an iPAddress SAN', async () => {
  const { solver, port } = await started();
  const ip = task({ type: 'ip', value: '127.0.0.1' });
  await solver.begin(ip, signal);
  expectValidationCertificate(await handshake(port, '1.0.0.127.in-addr.arpa', ['acme-tls/1']), ip.keyAuthorization, { type: 'ip', value: '127.0.0.1' });
});

test('RFC 8738 §6: an IPv6 identifier is asked for by its ip6.arpa name', async () => {
  const { solver, port } = await started();
  const ip = task({ type: 'ip', value: '2001:db8::1' });
  await solver.begin(ip, signal);
  const name = tlsAlpnServerName(ip.identifier);
  expect(name).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  expectValidationCertificate(await handshake(port, name, ['acme-tls/1']), ip.keyAuthorization, { type: 'ip', value: '2001:db8::1' });
});

test('reverse names for IP identifiers', () => {
  expect(tlsAlpnServerName({ type: 'ip', value: '192.0.2.10' })).toBe('10.2.0.192.in-addr.arpa');
  expect(tlsAlpnServerName({ type: 'ip', value: '::1' })).toBe(`1.${'0.'.repeat(31)}ip6.arpa`);
  expect(tlsAlpnServerName({ type: 'ip', value: '::ffff:192.0.2.1' })).toBe(
    '1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa',
  );
  expect(tlsAlpnServerName({ type: 'ip', value: 'fe80:1:2:3:4:5:6:7' })).toBe('7.0.0.0.6.0.0.0.5.0.0.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.8.e.f.ip6.arpa');
  expect(tlsAlpnServerName({ type: 'dns', value: 'Example.ORG' })).toBe('example.org');
  expect(() => tlsAlpnServerName({ type: 'ip', value: 'example.org' })).toThrow(UsageError);
});

test('a connection that does not offer acme-tls/1 gets no certificate', async () => {
  const { solver, port } = await started();
  await solver.begin(task({ type: 'dns', value: 'example.org' }), signal);
  expect((await handshake(port, 'example.org', ['acme-tls/1'])).ok).toBe(true);
  expect(await handshake(port, 'example.org', undefined)).toMatchObject({ ok: false });
  expect(await handshake(port, 'example.org', ['h2', 'http/1.1'])).toMatchObject({ ok: false });
});

test('an unknown server name, or none, gets no certificate', async () => {
  const { solver, port } = await started();
  await solver.begin(task({ type: 'dns', value: 'example.org' }), signal);
  expect(await handshake(port, 'other.example.org', ['acme-tls/1'])).toMatchObject({ ok: false });
  expect(await handshake(port, undefined, ['acme-tls/1'])).toMatchObject({ ok: false });
});

test('end withdraws the certificate', async () => {
  const { solver, port } = await started();
  const a = task({ type: 'dns', value: 'example.org' });
  await solver.begin(a, signal);
  expect((await handshake(port, 'example.org', ['acme-tls/1'])).ok).toBe(true);
  await solver.end(a, 'done');
  expect(await handshake(port, 'example.org', ['acme-tls/1'])).toMatchObject({ ok: false });
});

test('close() frees the port', async () => {
  const { solver, port } = await started();
  await solver.close();
  expect(await handshake(port, 'example.org', ['acme-tls/1'])).toMatchObject({ ok: false, error: expect.stringContaining('ECONNREFUSED') });
});

test('answers tls-alpn-01 for dns and ip identifiers only', () => {
  solver = createTlsAlpnSolver({ address: '127.0.0.1:0' });
  expect(solver.canAnswer('tls-alpn-01', { type: 'dns', value: 'example.org' })).toBe(true);
  expect(solver.canAnswer('tls-alpn-01', { type: 'ip', value: '192.0.2.1' })).toBe(true);
  expect(solver.canAnswer('http-01', { type: 'dns', value: 'example.org' })).toBe(false);
});

test('the default address is :443', () => {
  expect(() => createTlsAlpnSolver()).not.toThrow();
  expect(() => createTlsAlpnSolver({ address: 'nope' })).toThrow(UsageError);
});
