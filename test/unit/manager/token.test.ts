import { expect, test } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseBearerToken } from '../../../src/manager/token.js';
import { makeToken } from './fixtures.js';

const MESSAGE = 'ACME_MANAGER_TOKEN is not an ACME Manager token (base64 of id:secret)';
const ID = '94e0c649-1b2a-4c3d-8e4f-5a6b7c8d2605';
const SECRET = 'G3u1TJE-sQB3abcdefghijklmnopqrstuvwxyz_0123'; // 43 base64url characters

test('manager-contract.md §2: base64 of <uuid>:<43-char secret> gives the token and its id', () => {
  expect(SECRET).toHaveLength(43);
  const token = makeToken(ID, SECRET);
  expect(token.endsWith('=')).toBe(true); // 80 bytes: standard base64 with one pad
  expect(parseBearerToken(token)).toEqual({ token, id: ID });
});

test('a random token as the manager makes it parses', () => {
  const token = makeToken();
  expect(parseBearerToken(token).token).toBe(token);
});

test('surrounding spaces and newlines are trimmed (the manager answers 401 to them)', () => {
  const token = makeToken(ID, SECRET);
  expect(parseBearerToken(`  ${token}\n`)).toEqual({ token, id: ID });
});

const token = makeToken(ID, SECRET);
test.each([
  ['empty', ''],
  ['garbage', 'hello world'],
  ['not base64 of id:secret', Buffer.from('just-some-text').toString('base64')],
  ['no colon', Buffer.from(`${ID}${SECRET}`).toString('base64')],
  ['id not a UUID', makeToken('alice', SECRET)],
  ['secret of 42 chars', makeToken(ID, SECRET.slice(1))],
  ['secret of 44 chars', makeToken(ID, `${SECRET}A`)],
  ['secret with padding', makeToken(ID, `${SECRET.slice(1)}=`)],
  ['padding stripped', token.replace(/=+$/, '')],
  ['base64url alphabet', Buffer.from(`${ID}:${SECRET}`).toString('base64url')],
  ['inner space', `${token.slice(0, 20)} ${token.slice(20)}`],
  ['with the Bearer prefix', `Bearer ${token}`],
  ['the decoded form', `${ID}:${SECRET}`],
])('%s is refused with one line that never shows the token', (_name, text) => {
  let caught: unknown;
  try {
    parseBearerToken(text);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UsageError);
  expect((caught as Error).message).toBe(MESSAGE);
  if (text.trim() !== '') expect((caught as Error).message).not.toContain(text.trim());
});
