// Just enough of a TLS ClientHello reader to see the ALPN list before any TLS
// state exists, so tls-alpn-01 can refuse a connection that did not ask for
// acme-tls/1 without ever sending it the validation certificate.

/** Handshake records of the ClientHello, as received; more than this is refused. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

export type ClientHelloScan =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  /** `protocols` is undefined when the client sent no ALPN extension (RFC 7301 §3.1). */
  | { kind: 'complete'; protocols: string[] | undefined };

const RECORD_HANDSHAKE = 22; // RFC 8446 §5.1 ContentType.handshake
const HANDSHAKE_CLIENT_HELLO = 1;
const EXTENSION_ALPN = 16; // RFC 7301 §3.1

/**
 * Reads the ClientHello at the start of `data` (the bytes a TLS client sent
 * first), reassembling it across records (RFC 8446 §5.1 allows fragmenting it).
 */
export function scanClientHello(data: Uint8Array): ClientHelloScan {
  if (data.length > MAX_CLIENT_HELLO_BYTES) return { kind: 'invalid', reason: 'ClientHello too large' };
  const chunks: Uint8Array[] = [];
  let handshakeBytes = 0;
  let offset = 0;
  let needed: number | undefined;
  while (needed === undefined || handshakeBytes < needed) {
    if (offset + 5 > data.length) return { kind: 'incomplete' };
    if (data[offset] !== RECORD_HANDSHAKE) return { kind: 'invalid', reason: 'not a TLS handshake' };
    const length = ((data[offset + 3] ?? 0) << 8) | (data[offset + 4] ?? 0);
    if (length === 0) return { kind: 'invalid', reason: 'empty TLS record' };
    if (offset + 5 + length > data.length) return { kind: 'incomplete' };
    const fragment = data.subarray(offset + 5, offset + 5 + length);
    chunks.push(fragment);
    handshakeBytes += fragment.length;
    offset += 5 + length;
    if (needed === undefined && handshakeBytes >= 4) {
      const head = concat(chunks);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'invalid', reason: 'first handshake message is not a ClientHello' };
      needed = 4 + (((head[1] ?? 0) << 16) | ((head[2] ?? 0) << 8) | (head[3] ?? 0));
      if (needed > MAX_CLIENT_HELLO_BYTES) return { kind: 'invalid', reason: 'ClientHello too large' };
    }
  }
  return readAlpn(concat(chunks).subarray(4, needed));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

// RFC 8446 §4.1.2 (and RFC 5246 §7.4.1.2, the same layout up to the extensions).
function readAlpn(body: Uint8Array): ClientHelloScan {
  const invalid = { kind: 'invalid', reason: 'malformed ClientHello' } as const;
  let at = 2 + 32; // legacy_version, random
  const u8 = (): number => body[at++] ?? -1;
  const u16 = (): number => (u8() << 8) | u8();
  const skip = (n: number): boolean => n >= 0 && (at += n) <= body.length;
  if (at > body.length) return invalid;
  if (!skip(u8())) return invalid; // legacy_session_id
  if (!skip(u16())) return invalid; // cipher_suites
  if (!skip(u8())) return invalid; // legacy_compression_methods
  if (at === body.length) return { kind: 'complete', protocols: undefined }; // no extensions at all (TLS 1.2)
  const extensionsLength = u16();
  const extensionsEnd = at + extensionsLength;
  if (extensionsLength < 0 || extensionsEnd > body.length) return invalid;
  while (at + 4 <= extensionsEnd) {
    const type = u16();
    const length = u16();
    const end = at + length;
    if (end > extensionsEnd) return invalid;
    if (type === EXTENSION_ALPN) {
      const listLength = u16();
      const listEnd = at + listLength;
      if (listLength < 0 || listEnd !== end) return invalid;
      const protocols: string[] = [];
      while (at < listEnd) {
        const n = u8();
        if (n <= 0 || at + n > listEnd) return invalid;
        protocols.push(Buffer.from(body.subarray(at, at + n)).toString('latin1'));
        at += n;
      }
      return { kind: 'complete', protocols };
    }
    at = end;
  }
  return at === extensionsEnd ? { kind: 'complete', protocols: undefined } : invalid;
}
