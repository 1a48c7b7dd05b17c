import { expect, test } from 'vitest';
import { parseLinkHeaders } from '../../../src/acme/link-header.js';

test('RFC 8555 §7.4.2 alternate chains: several links, one header or several', () => {
  const links = parseLinkHeaders([
    '<https://ca.example/acme/cert/1/1>;rel="alternate", <https://ca.example/dir>;rel="index"',
    '</acme/cert/1/2>; rel=alternate',
  ], 'https://ca.example/acme/cert/1');
  expect(links).toEqual([
    { url: 'https://ca.example/acme/cert/1/1', rel: 'alternate' },
    { url: 'https://ca.example/dir', rel: 'index' },
    { url: 'https://ca.example/acme/cert/1/2', rel: 'alternate' },
  ]);
});

test('links without rel and broken headers are ignored', () => {
  expect(parseLinkHeaders(['<https://a/>', 'garbage', '<>;rel="up"'], 'https://ca/x')).toEqual([{ url: 'https://ca/x', rel: 'up' }]);
});
