import { describe, expect, test } from 'vitest';

import { signRequest, verifyResponse, parseBindKeyFile, parseTsigAlgorithm } from '../../../src/dns-providers/tsig.js';
import { DnsFormatError, RR_CLASS, RR_TYPE, decodeMessage, encodeMessage, readTxt, txtRdata } from '../../../src/dns-providers/wire.js';

const header = (id: number, flags: number, counts: [number, number, number, number]) =>
  [id >> 8, id & 0xff, flags >> 8, flags & 0xff, ...counts.flatMap((c) => [c >> 8, c & 0xff])];

describe('decoding a hostile DNS message', () => {
  test('a compression pointer that points forwards (or at itself) is refused, so no loop can be built', () => {
    // One question whose name is a pointer to offset 12: itself.
    const selfPointer = new Uint8Array([...header(1, 0x8000, [1, 0, 0, 0]), 0xc0, 12, 0, 16, 0, 1]);
    expect(() => decodeMessage(selfPointer)).toThrow(DnsFormatError);
    expect(() => decodeMessage(selfPointer)).toThrow(/does not point backwards/);
  });

  test('a record whose length runs past the end is refused', () => {
    const truncated = new Uint8Array([...header(1, 0x8000, [0, 1, 0, 0]), 0, 0, 16, 0, 1, 0, 0, 0, 60, 0, 200, 3, 97, 98, 99]);
    expect(() => decodeMessage(truncated)).toThrow(/truncated/);
  });

  test('bytes after the last record are refused', () => {
    expect(() => decodeMessage(new Uint8Array([...header(1, 0x8000, [0, 0, 0, 0]), 9]))).toThrow(/stray bytes/);
  });

  test('compressed names decode, and TXT character-strings join', () => {
    const m = encodeMessage({ id: 7, flags: 0x8000, questions: [{ name: 'a.example.test', type: RR_TYPE.TXT, class: RR_CLASS.IN }], answers: [{ name: 'a.example.test', type: RR_TYPE.TXT, class: RR_CLASS.IN, ttl: 1, data: txtRdata('y'.repeat(300)) }], authorities: [], additionals: [] });
    const decoded = decodeMessage(m);
    expect(decoded.questions[0]!.name).toBe('a.example.test');
    expect(readTxt(decoded.answers[0]!)).toBe('y'.repeat(300));
    // Same message with the answer's owner compressed to a pointer at the question name (offset 12).
    const question = m.slice(0, 12 + 16 + 4);
    const rest = m.slice(12 + 16 + 4 + 16);
    const compressed = new Uint8Array([...question, 0xc0, 12, ...rest]);
    expect(decodeMessage(compressed).answers[0]!.name).toBe('a.example.test');
  });

  test('names over 255 bytes and labels over 63 are refused when encoding', () => {
    expect(() => encodeMessage({ id: 1, flags: 0, questions: [{ name: `${'a'.repeat(64)}.test`, type: 1, class: 1 }], answers: [], authorities: [], additionals: [] })).toThrow(/longer than 63/);
    expect(() => encodeMessage({ id: 1, flags: 0, questions: [{ name: Array(70).fill('abc').join('.'), type: 1, class: 1 }], answers: [], authorities: [], additionals: [] })).toThrow(/longer than 255/);
  });
});

describe('TSIG (RFC 8945)', () => {
  const key = { name: 'k', algorithm: 'hmac-sha256' as const, secret: Buffer.alloc(32, 1) };
  const update = encodeMessage({ id: 0x1234, flags: 5 << 11, questions: [{ name: 'example.test', type: RR_TYPE.SOA, class: RR_CLASS.IN }], answers: [], authorities: [], additionals: [] });

  /** A response signed the way a server signs it: over the request MAC, the response, and the variables. */
  function signedResponse(requestMac: Uint8Array, now: number, tamper = false) {
    const response = encodeMessage({ id: 0x1234, flags: 0x8000 | (5 << 11), questions: [{ name: 'example.test', type: RR_TYPE.SOA, class: RR_CLASS.IN }], answers: [], authorities: [], additionals: [] });
    // signRequest over (len(requestMac) || requestMac || response) gives the same MAC a server computes.
    const prefix = new Uint8Array([requestMac.length >> 8, requestMac.length & 0xff, ...requestMac]);
    const asRequest = signRequest(new Uint8Array([...prefix, ...response]), key, now);
    const tsigRecord = asRequest.bytes.slice(prefix.length + response.length);
    const out = new Uint8Array([...response, ...tsigRecord]);
    out[11] = 1; // ARCOUNT
    if (tamper) out[3] = 0x05; // RCODE REFUSED after signing
    return decodeMessage(out);
  }

  test('a correctly signed response verifies; a tampered one, a stale one or an unsigned one does not', () => {
    const now = 1_800_000_000;
    const request = signRequest(update, key, now);
    expect(verifyResponse(signedResponse(request.mac, now), request, key, now)).toEqual({ ok: true });
    expect(verifyResponse(signedResponse(request.mac, now, true), request, key, now)).toMatchObject({ ok: false, reason: 'bad-response-signature' });
    expect(verifyResponse(signedResponse(request.mac, now - 1000), request, key, now)).toMatchObject({ ok: false, detail: expect.stringMatching(/TSIG time/) });
    expect(verifyResponse(signedResponse(new Uint8Array(32), now), request, key, now)).toMatchObject({ ok: false, detail: 'its TSIG MAC does not match' });
    expect(verifyResponse(decodeMessage(update), request, key, now)).toEqual({ ok: false, reason: 'unsigned' });
  });

  test('algorithm names as lego and BIND write them', () => {
    expect(parseTsigAlgorithm('hmac-sha256.')).toBe('hmac-sha256');
    expect(parseTsigAlgorithm('HMAC-SHA512')).toBe('hmac-sha512');
    expect(parseTsigAlgorithm('hmac-md5.sig-alg.reg.int.')).toBeUndefined();
  });

  test('a BIND key file with comments, as tsig-keygen writes it', () => {
    const parsed = parseBindKeyFile('# made by tsig-keygen\nkey "acme-key" {\n\talgorithm hmac-sha512; // strong\n\tsecret "AAECAw==";\n};\n');
    expect(parsed).toEqual({ name: 'acme-key', algorithm: 'hmac-sha512', secret: Buffer.from([0, 1, 2, 3]) });
  });

  test('a secret holding "//" is base64, not a comment (one random key in a hundred has it)', () => {
    const secret = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // "////////" in base64
    const text = `/* block */ key "acme-key" {\n\talgorithm hmac-sha256; # a comment\n\tsecret "${secret.toString('base64')}"; // another\n};\n`;
    expect(secret.toString('base64')).toBe('////////');
    expect(parseBindKeyFile(text)).toEqual({ name: 'acme-key', algorithm: 'hmac-sha256', secret });
  });
});
