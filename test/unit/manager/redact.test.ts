import { expect, test } from 'vitest';
import { bearerTokenSecrets, redactSecrets } from '../../../src/manager/redact.js';

const ID = '94e0c649-1d2b-4c4f-9a57-2c3c1f0e2605';
const SECRET = 'G3u1TJE-sQB3xk9Lr0aYwZ_pq7VdN2mC5hFbE8tUoRi';
const TOKEN = Buffer.from(`${ID}:${SECRET}`).toString('base64');

test('bearerTokenSecrets: the token and the secret half of id:secret (the id is not a secret)', () => {
  expect(bearerTokenSecrets(` ${TOKEN}\n`)).toEqual([TOKEN, SECRET]);
});

test.each([
  ['the decoded id:secret a 401 echoes', `invalid token '${ID}:${SECRET}'`, `invalid token '${ID}:<redacted>'`],
  ['the token itself', `Bearer ${TOKEN} refused`, 'Bearer <redacted> refused'],
  ['79 characters of the token in a text page', `<p>${TOKEN.slice(0, 79)}</p>`, '<p><redacted></p>'],
  ['a piece of 8 characters cut from the middle of the secret', `x${SECRET.slice(17, 25)}y`, 'x<redacted>y'],
  ['two pieces apart', `${SECRET.slice(0, 10)} and ${SECRET.slice(30)}`, '<redacted> and <redacted>'],
  ['7 characters: too short to mean anything', `x${SECRET.slice(5, 12)}y`, `x${SECRET.slice(5, 12)}y`],
  ['text that shares nothing', "token id '94e0c649' not found", "token id '94e0c649' not found"],
])('%s', (_what, text, expected) => {
  expect(redactSecrets(text, bearerTokenSecrets(TOKEN))).toBe(expected);
});

test('a secret shorter than 8 characters is replaced wherever it appears whole', () => {
  expect(redactSecrets('login s3cr3t failed; s3cr3t again', ['s3cr3t', undefined, ''])).toBe('login <redacted> failed; <redacted> again');
});

const HEX = Buffer.from(SECRET).toString('hex');
const B64 = Buffer.from(SECRET).toString('base64');
const B64URL = Buffer.from(SECRET).toString('base64url');

test.each([
  ['the secret in hex', `secret (hex) ${HEX}.`, 'secret (hex) <redacted>.'],
  ['the secret in upper-case hex', `0x${HEX.toUpperCase()}`, '0x<redacted>'],
  ['the secret in base64', `b64=${B64};`, 'b64=<redacted>;'],
  ['the secret in base64url', `[${B64URL}]`, '[<redacted>]'],
  ['8 characters from the middle of the hex', `x${HEX.slice(21, 29)}y`, 'x<redacted>y'],
  ['8 characters from the middle of the base64', `x${B64.slice(13, 21)}y`, 'x<redacted>y'],
  ['7 characters of the hex: too short to mean anything', `x${HEX.slice(21, 28)}y`, `x${HEX.slice(21, 28)}y`],
])('encoded: %s', (_what, text, expected) => {
  expect(redactSecrets(text, bearerTokenSecrets(TOKEN))).toBe(expected);
});

test('the encodings of a Vault secret id are redacted like the id itself', () => {
  const secretId = '0e7c6b38-3b4f-4f7e-8e62-1b4c29c1f3a7';
  expect(redactSecrets(`id ${Buffer.from(secretId).toString('hex')} / ${Buffer.from(secretId).toString('base64')}`, [undefined, secretId])).toBe('id <redacted> / <redacted>');
});
