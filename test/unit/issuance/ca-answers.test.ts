import { describe, expect, test } from 'vitest';
import type { Authorization, Identifier, Order } from '../../../src/acme/types.js';
import { checkChallengeTokens, checkOrderIdentifiers, requestedIdentifierOf } from '../../../src/issuance/ca-answers.js';
import { BadResponseError } from '../../../src/errors.js';

const requested: Identifier[] = [
  { type: 'dns', value: 'shop.example.com' },
  { type: 'dns', value: '*.example.com' },
  { type: 'ip', value: '2001:db8::1' },
];
const authz = (identifier: unknown, wildcard?: unknown): Authorization =>
  ({ status: 'pending', identifier, challenges: [], ...(wildcard !== undefined ? { wildcard } : {}) }) as Authorization;
const URL_ = 'https://ca.example/authz/1';

describe('requestedIdentifierOf', () => {
  test.each([
    ['a requested name', authz({ type: 'dns', value: 'shop.example.com' }), { identifier: { type: 'dns', value: 'shop.example.com' }, wildcard: false }],
    ['the CA spelling it in capitals: our spelling is used', authz({ type: 'dns', value: 'SHOP.Example.com' }), { identifier: { type: 'dns', value: 'shop.example.com' }, wildcard: false }],
    ['a wildcard authorization for *.example.com (RFC 8555 §7.1.3)', authz({ type: 'dns', value: 'example.com' }, true), { identifier: { type: 'dns', value: 'example.com' }, wildcard: true }],
    ['an IPv6 address in another text form', authz({ type: 'ip', value: '2001:0db8:0:0::1' }), { identifier: { type: 'ip', value: '2001:db8::1' }, wildcard: false }],
  ])('accepts %s', (_name, a, expected) => {
    expect(requestedIdentifierOf(a, requested, URL_)).toEqual(expected);
  });

  test.each([
    ['a name never requested', authz({ type: 'dns', value: 'victim.example.org' }), /"victim\.example\.org", which was never requested/],
    ['a name with a newline', authz({ type: 'dns', value: 'shop.example.com\nX-Evil: 1' }), /"shop\.example\.com\\nX-Evil: 1", which is not a valid DNS name/],
    ['a path', authz({ type: 'dns', value: '../../../../tmp/x' }), /not a valid DNS name/],
    ['the wildcard base without wildcard: true', authz({ type: 'dns', value: 'example.com' }), /never requested/],
    ['a requested name marked as a wildcard', authz({ type: 'dns', value: 'shop.example.com' }, true), /never requested/],
    ['a literal *. in the value', authz({ type: 'dns', value: '*.example.com' }), /not a name an authorization can be for/],
    ['an IP address given as dns', authz({ type: 'dns', value: '2001:db8::1' }), /not of type dns/],
    ['another type', authz({ type: 'email', value: 'a@example.com' }), /of type "email"/],
    ['no identifier', authz(undefined), /of type/],
    ['a wildcard flag that is a string', authz({ type: 'dns', value: 'example.com' }, 'yes'), /"wildcard" that is not true or false/],
  ])('refuses %s', (_name, a, message) => {
    let error: unknown;
    try {
      requestedIdentifierOf(a, requested, URL_);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadResponseError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/\n/);
  });
});

describe('checkChallengeTokens', () => {
  const withToken = (type: string, token: unknown): Authorization =>
    ({ status: 'pending', identifier: { type: 'dns', value: 'shop.example.com' }, challenges: [{ type, url: 'u', status: 'pending', token }] }) as Authorization;
  test.each([
    ['a 43-character token', withToken('http-01', 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0')],
    ['22 characters (128 bits)', withToken('dns-01', 'abcdefghijklmnopqrstuv')],
    ['dns-persist-01, which has no token', withToken('dns-persist-01', undefined)],
    ['a type acmecli cannot answer is not its business', withToken('email-reply-00', '../x')],
  ])('accepts %s', (_name, a) => {
    expect(() => checkChallengeTokens(a, 'shop.example.com', URL_)).not.toThrow();
  });
  test.each([
    ['a path', withToken('http-01', '../../../../../tmp/x')],
    ['a newline', withToken('dns-01', 'abcdefghijklmnopqrstuv\nx')],
    ['too short (under 128 bits)', withToken('http-01', 'abc')],
    ['padding', withToken('tls-alpn-01', 'abcdefghijklmnopqrstuv==')],
    ['not a string', withToken('http-01', 42)],
    ['missing', withToken('dns-account-01', undefined)],
    ['absurdly long', withToken('http-01', 'a'.repeat(5000))],
  ])('refuses %s', (_name, a) => {
    expect(() => checkChallengeTokens(a, 'shop.example.com', URL_)).toThrow(/not base64url of at least 128 bits \(RFC 8555 §8\.1\); refusing it$/);
  });
});

describe('checkOrderIdentifiers', () => {
  const order = (identifiers: unknown, authorizations: unknown = ['a1', 'a2', 'a3']): Order => ({ status: 'pending', identifiers, authorizations, finalize: 'f' }) as unknown as Order;
  test('the same names in another order and case pass', () => {
    expect(() => checkOrderIdentifiers(order([...requested].reverse().map((i) => ({ ...i, value: i.value.toUpperCase() }))), requested, 'o')).not.toThrow();
  });
  test.each([
    ['one name more', order([...requested, { type: 'dns', value: 'victim.example.org' }])],
    ['one name fewer', order(requested.slice(1))],
    ['not a list', order('shop.example.com')],
  ])('refuses %s', (_name, o) => {
    expect(() => checkOrderIdentifiers(o, requested, 'o')).toThrow(/not the names requested/);
  });
  test.each([
    ['more authorizations than names', order(requested, Array.from({ length: 10_000 }, (_, i) => `a${i}`)), /has 10000 authorizations for 3 names/],
    ['the same authorization twice', order(requested, ['a1', 'a1']), /has 2 authorizations for 3 names/],
    ['an authorization that is not a URL string', order(requested, [{ url: 'a1' }]), /has 1 authorizations/],
    ['no list', order(requested, 'a1'), /has no list of authorizations/],
  ])('refuses %s', (_name, o, message) => {
    expect(() => checkOrderIdentifiers(o, requested, 'o')).toThrow(message);
  });
  test('fewer authorizations than names is the CA\'s business (the certificate check catches a missing name)', () => {
    expect(() => checkOrderIdentifiers(order(requested, ['a1']), requested, 'o')).not.toThrow();
  });
});
