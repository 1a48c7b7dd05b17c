import { expect, test } from 'vitest';
import { checkAnswerIsFor, managerEntryProblem, ownerProblem, partitionManagerList } from '../../../src/agent/manager-entry.js';

const ok = { domain: 'www.example.com', issuer: 'letsencrypt', fingerprint: 'a'.repeat(64) };

test.each([
  ['an unnamed certificate', ok],
  ['a named one', { ...ok, name: 'web' }],
  ['a wildcard', { ...ok, domain: '*.example.com' }],
  ['an empty name (unnamed, as the manager omits it)', { ...ok, name: '' }],
])('usable: %s', (_what, entry) => {
  expect(managerEntryProblem(entry)).toBeUndefined();
});

test.each([
  ['a name that climbs out of the folder', { ...ok, name: '../../victim/important' }, 'name "../../victim/important" must not contain "/", "\\", ".." or control characters (nor format characters such as bidi marks, nor line separators), be ".", or start or end with white space: it becomes a file name'],
  ['a name with a newline and ESC', { ...ok, name: 'a\n\u001b[2J' }, 'name "a\\n\\u001b[2J" must not contain'],
  ['an issuer of ".."', { ...ok, issuer: '..' }, 'issuer ".." must not contain'],
  ['an issuer with a slash', { ...ok, issuer: 'le/../..' }, 'issuer "le/../.." must not contain'],
  ['a name with a C1 control (CSI)', { ...ok, name: 'web\u009b1m' }, 'name "web\\u009b1m" must not contain'],
  ['a name with a right-to-left override', { ...ok, name: 'gpj\u202eexe' }, 'name "gpj\\u202eexe" must not contain'],
  ['a name with a right-to-left mark', { ...ok, name: 'web\u200f' }, 'name "web\\u200f" must not contain'],
  ['a name with a bidi isolate', { ...ok, name: 'web\u2066' }, 'name "web\\u2066" must not contain'],
  ['a name with a zero-width space', { ...ok, name: 'we\u200bb' }, 'name "we\\u200bb" must not contain'],
  ['a name with a line separator', { ...ok, name: 'web\u2028x' }, 'name "web\\u2028x" must not contain'],
  ['a paragraph separator in the issuer', { ...ok, issuer: 'le\u2029' }, 'issuer "le\\u2029" must not contain'],
  ['an issuer with a leading space', { ...ok, issuer: ' pebble' }, 'issuer " pebble" must not contain'],
  ['a name with a trailing space', { ...ok, name: 'web ' }, 'name "web " must not contain'],
  ['an issuer of "." (certificate_dir itself)', { ...ok, issuer: '.' }, 'issuer "." must not contain'],
  ['a name of "."', { ...ok, name: '.' }, 'name "." must not contain'],
  ['a domain that is a path', { ...ok, domain: '../../etc/passwd' }, 'domain "../../etc/passwd" is not a valid domain name'],
  ['a domain with an OSC sequence', { ...ok, domain: 'x.example\u001b]0;t\u0007' }, 'domain "x.example\\u001b]0;t\\u0007" is not a valid domain name'],
  ['no issuer', { domain: 'a.example' }, 'it has no issuer'],
  ['a name that is not text', { ...ok, name: 5 }, 'name is not text'],
  ['a san that is not text', { ...ok, san: ['a'] }, 'san is not text'],
  ['a fingerprint that is not a SHA-256', { ...ok, fingerprint: 'SHA256:xx' }, 'fingerprint is not a lowercase hex SHA-256'],
  ['not an object', 'web', 'it is not a certificate object'],
])('refused: %s', (_what, entry, problem) => {
  expect(managerEntryProblem(entry)).toContain(problem);
});

test('partitionManagerList keeps the usable entries and names each refused one, escaped', () => {
  const { usable, refused } = partitionManagerList([ok, { ...ok, name: '../../x' }, { ...ok, issuer: 'a\u0007' }]);
  expect(usable).toEqual([ok]);
  expect(refused).toHaveLength(2);
  expect(refused[0]).toMatch(/^refused the manager's certificate name="\.\.\/\.\.\/x" issuer="letsencrypt" domain="www\.example\.com": name/);
  for (const line of refused) expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
});

test('checkAnswerIsFor: an answer for another identity is refused; fields the manager omits are not compared', () => {
  expect(() => checkAnswerIsFor({ name: 'web' }, { ...ok, name: 'web' }, 'GET certificate web')).not.toThrow();
  expect(() => checkAnswerIsFor({ issuer: 'letsencrypt', domain: 'www.example.com' }, ok, 'GET')).not.toThrow();
  expect(() => checkAnswerIsFor({ name: 'web', issuer: 'letsencrypt', domain: 'www.example.com' }, { ...ok, name: 'api' }, 'POST certificate web'))
    .toThrow('POST certificate web: the manager answered for name "api" instead of "web"; nothing was written');
  expect(() => checkAnswerIsFor({ name: 'web' }, { ...ok, name: '../web' }, 'GET certificate web')).toThrow(/refused: name "\.\.\/web"/);
});

test.each([
  ['alice', undefined],
  ['team/web', undefined],
  ['', 'it is empty'],
  ['../../other', '"../../other" must not contain'],
  ['a/./b', 'must not contain'],
  ['a\\b', 'must not contain'],
  ['web\u001b[2J', '"web\\u001b[2J" must not contain'],
])('ownerProblem(%j)', (owner, problem) => {
  if (problem === undefined) expect(ownerProblem(owner)).toBeUndefined();
  else expect(ownerProblem(owner)).toContain(problem);
});
