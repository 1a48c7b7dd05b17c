// A small, strict DER reader and writer (X.690 §8.1 and §10.1): enough for the X.509 and PKCS#10
// structures acmecli reads and writes itself (x509-der.ts), so the issuance path needs no ASN.1 library.
// Strict: single-byte tags, definite minimal lengths, no byte outside a parent's content. Every
// malformed input throws DerError, whose message is one short line.

/** Malformed DER; callers turn it into their own one-line refusal. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One tag-length-value: `start..end` is the whole TLV, `contentStart..end` its content octets. */
export interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Lengths beyond this are no certificate's: refused rather than read (4 length bytes at most). */
const MAX_LENGTH_BYTES = 4;

/**
 * Reads the TLV at `offset`, which must end by `limit` (the parent's end; the whole input by default).
 * @throws DerError for a truncated TLV, a multi-byte tag, an indefinite or non-minimal length.
 */
export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated DER');
  const tag = bytes[offset]!;
  const first = bytes[offset + 1]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let length = first;
  let contentStart = offset + 2;
  if (first === 0x80) throw new DerError('indefinite DER length');
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count > MAX_LENGTH_BYTES) throw new DerError('DER length too large');
    if (contentStart + count > limit) throw new DerError('truncated DER length');
    if (bytes[contentStart] === 0) throw new DerError('non-minimal DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    if (length < 0x80) throw new DerError('non-minimal DER length');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('truncated DER');
  return { tag, start: offset, contentStart, end };
}

/** Reads the TLV at `offset` and checks its tag. */
export function expectTlv(bytes: Uint8Array, offset: number, tag: number, limit = bytes.length): Tlv {
  const tlv = readTlv(bytes, offset, limit);
  if (tlv.tag !== tag) throw new DerError(`DER tag 0x${tlv.tag.toString(16)} where 0x${tag.toString(16)} belongs`);
  return tlv;
}

/** The whole input as exactly one TLV of `tag`: nothing may follow it. */
export function readWhole(bytes: Uint8Array, tag: number): Tlv {
  const tlv = expectTlv(bytes, 0, tag);
  if (tlv.end !== bytes.length) throw new DerError('bytes after the DER value');
  return tlv;
}

/** The TLVs inside a constructed `parent`, which must fill its content exactly. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function content(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

/** An OBJECT IDENTIFIER's dotted form (X.690 §8.19). */
export function decodeOid(octets: Uint8Array): string {
  if (octets.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < octets.length; i++) {
    const byte = octets[i]!;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OBJECT IDENTIFIER arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === octets.length - 1) throw new DerError('truncated OBJECT IDENTIFIER');
  }
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

export function encodeOid(oid: string): Uint8Array {
  const [a = 0, b = 0, ...rest] = oid.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const septets = [arc & 0x7f];
    for (let rest7 = Math.floor(arc / 128); rest7 > 0; rest7 = Math.floor(rest7 / 128)) septets.unshift((rest7 & 0x7f) | 0x80);
    out.push(...septets);
  }
  return encodeTlv(TAG.oid, new Uint8Array(out));
}

/** Encodes one TLV with a definite, minimal length. */
export function encodeTlv(tag: number, body: Uint8Array): Uint8Array {
  const length = body.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/** A constructed TLV from encoded parts. */
export function encodeConstructed(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  return encodeTlv(tag, concatBytes(parts));
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
