// RFC 7468 textual encoding, for keys, certificates and requests alike: what acmecli writes is strict
// (64-character lines, LF, a final newline); what it reads is lax about line endings, indentation and
// text between blocks. (The check of an issued certificate has its own strict reader on purpose.)

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** RFC 7468 §2: base64 in lines of 64 characters, between BEGIN and END lines, ending in a newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface FoundPemBlock {
  label: string;
  /** RFC 1421 header lines, which RFC 7468 dropped: `openssl genrsa -aes256` writes `Proc-Type: 4,ENCRYPTED`. */
  headers: string[];
  /** Undefined when the body is not base64, or has headers: the caller names the damage or the encryption. */
  der: Uint8Array | undefined;
}

/** Every PEM block in `text`, in order. */
export function findPemBlocks(text: string): FoundPemBlock[] {
  const blocks: FoundPemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const lines = (match[2] ?? '').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
    const headers = lines.filter((line) => HEADER_LINE.test(line));
    const body = lines.filter((line) => !HEADER_LINE.test(line)).join('').replace(/\s+/g, '');
    const isBase64 = headers.length === 0 && body !== '' && /^[A-Za-z0-9+/]*={0,2}$/.test(body) && body.length % 4 === 0;
    blocks.push({ label: match[1] ?? '', headers, der: isBase64 ? new Uint8Array(Buffer.from(body, 'base64')) : undefined });
  }
  return blocks;
}

const HEADER_LINE = /^[A-Za-z-]+:/;
