// RFC 7468 textual encoding: what acmecli writes is strict (64-character lines, LF, a final newline);
// what it reads is lax about line endings, indentation and text between blocks.

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** RFC 7468 §2: base64 in lines of 64 characters, between BEGIN and END lines, ending in a newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Every PEM block in `text`, in order. A block whose body is not base64 (RFC 1421
 * headers such as `Proc-Type:` included) is returned with `der` undefined, so the
 * caller can name the damage.
 */
export function findPemBlocks(text: string): Array<{ label: string; der: Uint8Array | undefined }> {
  const blocks: Array<{ label: string; der: Uint8Array | undefined }> = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const body = (match[2] ?? '').replace(/\s+/g, '');
    const isBase64 = body !== '' && /^[A-Za-z0-9+/]*={0,2}$/.test(body) && body.length % 4 === 0;
    blocks.push({ label: match[1] ?? '', der: isBase64 ? new Uint8Array(Buffer.from(body, 'base64')) : undefined });
  }
  return blocks;
}
