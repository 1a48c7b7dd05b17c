import { expect, test } from 'vitest';
import { encodePem, findPemBlocks } from '../../../src/keys/pem.js';

const der = new Uint8Array(Array.from({ length: 100 }, (_, i) => i));

test('encodePem writes RFC 7468 strictly: 64-character lines, LF, a final newline', () => {
  const pem = encodePem('CERTIFICATE', der);
  const lines = pem.split('\n');
  expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
  expect(lines.slice(1, -2).every((line) => line.length <= 64)).toBe(true);
  expect(lines[1]?.length).toBe(64);
  expect(pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
});

test('findPemBlocks reads laxly: CRLF, indentation and text between blocks', () => {
  const text = `junk\r\n  ${encodePem('CERTIFICATE', der).replace(/\n/g, '\r\n  ')}more junk\n${encodePem('PRIVATE KEY', der.subarray(0, 10))}`;
  expect(findPemBlocks(text)).toEqual([
    { label: 'CERTIFICATE', headers: [], der: new Uint8Array(Buffer.from(der)) },
    { label: 'PRIVATE KEY', headers: [], der: new Uint8Array(Buffer.from(der.subarray(0, 10))) },
  ]);
});

test('RFC 1421 headers are reported and leave der undefined; so does a body that is not base64', () => {
  const encrypted = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n';
  expect(findPemBlocks(encrypted)).toEqual([{ label: 'RSA PRIVATE KEY', headers: ['Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF'], der: undefined }]);
  expect(findPemBlocks('-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----')).toEqual([{ label: 'CERTIFICATE', headers: [], der: undefined }]);
  expect(findPemBlocks('-----BEGIN CERTIFICATE-----\nAAAA\n')).toEqual([]);
});
