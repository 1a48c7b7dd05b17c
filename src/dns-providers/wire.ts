/**
 * The DNS message format (RFC 1035 §4), as much of it as dynamic updates (RFC 2136),
 * TSIG (RFC 8945) and our lookups need. Pure: bytes in, values out. A DNS server is
 * a hostile peer, so decoding checks every length against the buffer, refuses
 * compression pointers that do not point backwards, and throws DnsFormatError
 * rather than reading past the end.
 */

export const RR_TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, OPT: 41, TSIG: 250, ANY: 255, CAA: 257 } as const;
export const RR_CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;

/** RFC 1035 §4.1.1, RFC 2136 §2.2, RFC 8945 §5.3 (the TSIG error field shares the names). */
export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE',
  16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC',
};

export function rcodeName(code: number): string {
  return RCODE_NAMES[code] ?? `RCODE${code}`;
}

export class DnsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsFormatError';
  }
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

/** A resource record; `data` is the raw RDATA, `rdataOffset` where it starts in the message (names in it may be compressed). */
export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: Uint8Array;
}

export interface DnsMessage {
  id: number;
  /** QR, opcode, AA, TC, RD, RA and the low 4 bits of the RCODE, as on the wire. */
  flags: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export interface DecodedMessage extends DnsMessage {
  /** The whole message as received: RDATA names are decoded against it. */
  raw: Uint8Array;
  /** Offsets of each additional record's first byte, for TSIG verification (which strips the last one). */
  additionalOffsets: number[];
  /** Where each record's RDATA starts in `raw`, keyed by the record. */
  rdataOffsets: Map<ResourceRecord, number>;
}

export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080 } as const;

export function opcodeOf(flags: number): number {
  return (flags >> 11) & 0xf;
}

export function rcodeOf(flags: number): number {
  return flags & 0xf;
}

/** Lowercase, no trailing dot, the root is ''. Names compare this way (RFC 4343: case-insensitive). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function sameName(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b);
}

// ---------------------------------------------------------------------------
// Encoding

/** Grows as bytes are appended. Names are written uncompressed: simpler, and always valid. */
export class WireWriter {
  #buf = new Uint8Array(512);
  #len = 0;

  get length(): number {
    return this.#len;
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    return this.u8(v >> 8).u8(v);
  }

  u32(v: number): this {
    return this.u16(Math.floor(v / 0x10000) & 0xffff).u16(v & 0xffff);
  }

  /** 48-bit unsigned (TSIG time signed). */
  u48(v: number): this {
    return this.u16(Math.floor(v / 0x100000000) & 0xffff).u32(v % 0x100000000);
  }

  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /** RFC 1035 §3.1; with `lowercase`, the canonical form TSIG digests use (RFC 8945 §4.3.3). */
  name(name: string, lowercase = false): this {
    for (const label of labelsOf(name)) {
      const bytes = new TextEncoder().encode(lowercase ? label.toLowerCase() : label);
      this.u8(bytes.length).bytes(bytes);
    }
    return this.u8(0);
  }

  /** RFC 1035 §3.3.14: one or more character-strings of at most 255 bytes. */
  characterStrings(text: string): this {
    const bytes = new TextEncoder().encode(text);
    if (bytes.length === 0) return this.u8(0);
    for (let i = 0; i < bytes.length; i += 255) {
      const part = bytes.subarray(i, i + 255);
      this.u8(part.length).bytes(part);
    }
    return this;
  }

  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** The labels of a name, checked against RFC 1035's limits (63 bytes a label, 255 on the wire). */
export function labelsOf(name: string): string[] {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare === '') return [];
  const labels = bare.split('.');
  let wire = 1;
  for (const label of labels) {
    const size = new TextEncoder().encode(label).length;
    if (size === 0) throw new DnsFormatError(`DNS name ${JSON.stringify(name)} has an empty label`);
    if (size > 63) throw new DnsFormatError(`DNS name ${JSON.stringify(name)} has a label longer than 63 bytes`);
    wire += size + 1;
  }
  if (wire > 255) throw new DnsFormatError(`DNS name ${JSON.stringify(name)} is longer than 255 bytes`);
  return labels;
}

export function writeRecord(w: WireWriter, rr: ResourceRecord): void {
  w.name(rr.name).u16(rr.type).u16(rr.class).u32(rr.ttl).u16(rr.data.length).bytes(rr.data);
}

/** The message as bytes; names uncompressed. */
export function encodeMessage(m: DnsMessage): Uint8Array {
  const w = new WireWriter();
  w.u16(m.id).u16(m.flags).u16(m.questions.length).u16(m.answers.length).u16(m.authorities.length).u16(m.additionals.length);
  for (const q of m.questions) w.name(q.name).u16(q.type).u16(q.class);
  for (const rr of [...m.answers, ...m.authorities, ...m.additionals]) writeRecord(w, rr);
  return w.toBytes();
}

/** RDATA of a TXT record holding `text` (split into 255-byte character-strings). */
export function txtRdata(text: string): Uint8Array {
  return new WireWriter().characterStrings(text).toBytes();
}

// ---------------------------------------------------------------------------
// Decoding

export class WireReader {
  readonly buf: Uint8Array;
  pos: number;

  constructor(buf: Uint8Array, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  #need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DnsFormatError(`truncated DNS message (needed ${n} bytes at offset ${this.pos} of ${this.buf.length})`);
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  u32(): number {
    return this.u16() * 0x10000 + this.u16();
  }

  u48(): number {
    return this.u16() * 0x100000000 + this.u32();
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** RFC 1035 §4.1.4: a pointer must point before where it is, so a loop cannot be built. */
  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let jumped = false;
    let wire = 1;
    for (;;) {
      if (pos >= this.buf.length) throw new DnsFormatError('truncated DNS name');
      const len = this.buf[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsFormatError('truncated DNS name pointer');
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1]!;
        if (target >= pos) throw new DnsFormatError('DNS name pointer does not point backwards');
        if (!jumped) this.pos = pos + 2;
        jumped = true;
        pos = target;
        continue;
      }
      if ((len & 0xc0) !== 0) throw new DnsFormatError('unknown DNS label type');
      if (len === 0) {
        if (!jumped) this.pos = pos + 1;
        return labels.join('.');
      }
      if (pos + 1 + len > this.buf.length) throw new DnsFormatError('truncated DNS label');
      wire += len + 1;
      if (wire > 255) throw new DnsFormatError('DNS name longer than 255 bytes');
      const label = new TextDecoder().decode(this.buf.subarray(pos + 1, pos + 1 + len));
      // A label holding a dot could not be told from two labels; nothing we look up has one.
      if (label.includes('.')) throw new DnsFormatError('DNS label contains a dot');
      labels.push(label);
      pos += 1 + len;
    }
  }
}

export function decodeMessage(raw: Uint8Array): DecodedMessage {
  const r = new WireReader(raw);
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const rdataOffsets = new Map<ResourceRecord, number>();
  const additionalOffsets: number[] = [];
  const section = (count: number, offsets?: number[]): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      offsets?.push(r.pos);
      const name = r.name();
      const type = r.u16();
      const klass = r.u16();
      const ttl = r.u32();
      const length = r.u16();
      const start = r.pos;
      const rr = { name, type, class: klass, ttl, data: r.bytes(length) };
      rdataOffsets.set(rr, start);
      out.push(rr);
    }
    return out;
  };
  const answers = section(counts[1]);
  const authorities = section(counts[2]);
  const additionals = section(counts[3], additionalOffsets);
  if (r.pos !== raw.length) throw new DnsFormatError(`${raw.length - r.pos} stray bytes after the DNS message`);
  return { id, flags, questions, answers, authorities, additionals, raw, additionalOffsets, rdataOffsets };
}

/** The character-strings of a TXT record, joined (how ACME and lego read a record). */
export function readTxt(rr: ResourceRecord): string {
  const r = new WireReader(rr.data);
  const parts: Uint8Array[] = [];
  while (r.pos < rr.data.length) parts.push(r.bytes(r.u8()));
  return Buffer.concat(parts).toString('utf8');
}

/** A name in RDATA (CNAME, NS, SOA's first field), which may point into the message. */
export function readRdataName(message: DecodedMessage, rr: ResourceRecord): string {
  const start = message.rdataOffsets.get(rr);
  if (start === undefined) throw new DnsFormatError('record is not from this message');
  const r = new WireReader(message.raw, start);
  const name = r.name();
  if (r.pos > start + rr.data.length) throw new DnsFormatError('name runs past its record');
  return name;
}

export function readAddress(rr: ResourceRecord): string | undefined {
  if (rr.type === RR_TYPE.A && rr.data.length === 4) return [...rr.data].join('.');
  if (rr.type === RR_TYPE.AAAA && rr.data.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((rr.data[i]! << 8) | rr.data[i + 1]!).toString(16));
    return groups.join(':');
  }
  return undefined;
}
