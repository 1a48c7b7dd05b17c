import { expect, test } from 'vitest';
import { refuseSignedRequest, signingOrigins } from '../../../src/acme/signing-origins.js';
import type { Directory } from '../../../src/acme/types.js';

const directory: Directory = {
  newNonce: 'https://acme.example/nonce',
  newAccount: 'https://acme.example/acct',
  newOrder: 'https://api.acme.example/order',
  revokeCert: 'https://acme.example/revoke',
  keyChange: 'https://acme.example/kc',
  renewalInfo: 'https://ari.acme.example:8443/ri',
};
const origins = signingOrigins('https://dir.acme.example/directory', directory);

test('the directory origin and every origin its URLs use', () => {
  expect([...origins].sort()).toEqual(['https://acme.example', 'https://api.acme.example', 'https://ari.acme.example:8443', 'https://dir.acme.example']);
});

test.each([
  ['the directory host', 'https://dir.acme.example/order/1', undefined],
  ['a host the directory uses for newOrder', 'https://api.acme.example/finalize/1', undefined],
  ['the same host on its default port, written out', 'https://acme.example:443/authz/1', undefined],
  ['another host', 'https://evil.example/finalize/1', /refusing to send a signed request to "https:\/\/evil\.example\/finalize\/1": https:\/\/evil\.example is not the CA's/],
  ['a sub-domain of the CA', 'https://x.acme.example/authz', /is not the CA's/],
  ['another port of the same host', 'https://acme.example:8443/authz', /https:\/\/acme\.example:8443 is not the CA's/],
  ['plain http on the same host', 'http://acme.example/authz', /http:\/\/acme\.example is not the CA's/],
  ['not a URL', 'javascript:alert(1)', /which is not an http\(s\) URL/],
  ['garbage', '::::', /not an http\(s\) URL/],
] as const)('%s', (_name, url, expected) => {
  const reason = refuseSignedRequest(url, origins);
  if (expected === undefined) expect(reason).toBeUndefined();
  else expect(reason).toMatch(expected);
});

test('a resource the directory lacks (undefined, not a URL) is refused in one line, not a crash', () => {
  expect(refuseSignedRequest(undefined as unknown as string, origins)).toBe("the CA's directory does not offer this resource (its URL is missing)");
});
