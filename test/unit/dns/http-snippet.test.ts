import { describe, expect, test } from 'vitest';

import { HTTP_SNIPPET_SERVERS, type HttpSnippetServer, httpSnippet } from '../../../src/dns/http-snippet.js';
import { UsageError } from '../../../src/errors.js';

const THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const HEADER = [
  '# Answers GET /.well-known/acme-challenge/<token> with <token>.<thumbprint> (RFC 8555 §8.3).',
  '# Only base64url tokens are echoed: copying anything else from the request invites XSS.',
];

describe('httpSnippet text', () => {
  test('nginx', () => {
    expect(httpSnippet('nginx', THUMBPRINT)).toBe(
      [
        '# Stateless http-01 for nginx: inside the server {} block that listens on port 80.',
        ...HEADER,
        'location ~ ^/\\.well-known/acme-challenge/([-_a-zA-Z0-9]+)$ {',
        '    default_type text/plain;',
        `    return 200 "$1.${THUMBPRINT}";`,
        '}',
        '',
      ].join('\n'),
    );
  });

  test('apache', () => {
    expect(httpSnippet('apache', THUMBPRINT)).toBe(
      [
        '# Stateless http-01 for Apache httpd 2.4.13 or later, with mod_rewrite: inside the <VirtualHost *:80> block.',
        ...HEADER,
        '<LocationMatch "^/\\.well-known/acme-challenge/(?<token>[-_a-zA-Z0-9]+)$">',
        '    # The named group arrives as the MATCH_TOKEN environment variable.',
        `    ErrorDocument 200 "%{ENV:MATCH_TOKEN}.${THUMBPRINT}"`,
        '    RewriteEngine On',
        '    # A status outside 300-399 ends the request there, with the ErrorDocument above as body.',
        '    RewriteRule ^ - [L,R=200]',
        '</LocationMatch>',
        '',
      ].join('\n'),
    );
  });

  test('haproxy', () => {
    expect(httpSnippet('haproxy', THUMBPRINT)).toBe(
      [
        '# Stateless http-01 for HAProxy 2.2 or later: in the frontend (mode http) that binds port 80.',
        ...HEADER,
        `http-request return status 200 content-type text/plain lf-string "%[path,field(-1,/)].${THUMBPRINT}" if { path_reg '^/\\.well-known/acme-challenge/[-_a-zA-Z0-9]+$' } !{ path_reg '[[:cntrl:]]' }`,
        '',
      ].join('\n'),
    );
  });

  test('caddy', () => {
    expect(httpSnippet('caddy', THUMBPRINT)).toBe(
      [
        '# Stateless http-01 for Caddy 2 (Caddyfile): inside the site block for your names (Caddy redirects port 80 to HTTPS, which CAs follow).',
        ...HEADER,
        '@acme_challenge path_regexp acme ^/\\.well-known/acme-challenge/([-_a-zA-Z0-9]+)$',
        `respond @acme_challenge "{re.acme.1}.${THUMBPRINT}" 200`,
        '',
      ].join('\n'),
    );
  });

  test.each(['', 'short', `${THUMBPRINT}A`, `${THUMBPRINT.slice(0, 42)}=`, `${THUMBPRINT.slice(0, 42)}"`, `${THUMBPRINT.slice(0, 41)}\n`])(
    'refuses thumbprint %j before rendering',
    (bad) => {
      for (const server of Object.keys(HTTP_SNIPPET_SERVERS) as HttpSnippetServer[]) {
        expect(() => httpSnippet(server, bad)).toThrow(UsageError);
      }
    },
  );
});

// Pull the path regex out of the text we emit, so the test exercises what a user pastes.
const EXTRACT: Record<HttpSnippetServer, RegExp> = {
  nginx: /^location ~ (\S+) \{$/m,
  apache: /^<LocationMatch "(.+)">$/m,
  haproxy: /path_reg '([^']+)'/,
  caddy: /path_regexp acme (\S+)$/m,
};

// nginx, Apache and HAProxy use PCRE, whose `$` also matches before a final
// newline; emulate that so the test is no kinder than the real server.
const IS_PCRE: Record<HttpSnippetServer, boolean> = { nginx: true, apache: true, haproxy: true, caddy: false };

/** What the configured server would send back for `path`, or undefined when the rule does not fire. */
function respond(server: HttpSnippetServer, path: string): string | undefined {
  const text = httpSnippet(server, THUMBPRINT);
  const source = EXTRACT[server].exec(text)?.[1];
  if (source === undefined) throw new Error(`no path regex found in the ${server} snippet`);
  expect(source).toBe(HTTP_SNIPPET_SERVERS[server].pathPattern);
  const regex = new RegExp(IS_PCRE[server] ? source.replace(/\$$/, '(?=\\n?$)') : source);
  const match = regex.exec(path);
  if (match === null) return undefined;
  if (server === 'haproxy') {
    // The second, negated ACL; JS has no POSIX classes, so spell [[:cntrl:]] out.
    const negated = /!\{ path_reg '([^']+)' \}/.exec(text)?.[1];
    expect(negated).toBe('[[:cntrl:]]');
    if (/[\x00-\x1f\x7f]/.test(path)) return undefined;
  }
  const token = {
    nginx: () => match[1],
    apache: () => match.groups?.['token'],
    haproxy: () => path.split('/').at(-1), // %[path,field(-1,/)]
    caddy: () => match[1],
  }[server]();
  return `${token}.${THUMBPRINT}`;
}

const SERVERS = Object.keys(HTTP_SNIPPET_SERVERS) as HttpSnippetServer[];

describe.each(SERVERS)('%s path regex, compiled from the emitted text', (server) => {
  test.each(['LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0', 'Anything-you_type-here', 'a'])('answers token %s', (token) => {
    expect(respond(server, `/.well-known/acme-challenge/${token}`)).toBe(`${token}.${THUMBPRINT}`);
  });

  test.each([
    '/.well-known/acme-challenge/<script>alert(1)</script>',
    '/.well-known/acme-challenge/abc<script>alert(1)</script>',
    '/.well-known/acme-challenge/<script>abc',
    '/.well-known/acme-challenge/abc"><img src=x onerror=alert(1)>',
    '/.well-known/acme-challenge/%3Cscript%3Ealert(1)%3C/script%3E',
    '/.well-known/acme-challenge/abc def',
    '/.well-known/acme-challenge/abc.def',
    '/.well-known/acme-challenge/abc/def',
    '/.well-known/acme-challenge/',
    '/.well-known/acme-challenge/abc\n<script>',
    '/x/.well-known/acme-challenge/abc',
    '/Xwell-known/acme-challenge/abc',
    '/.well-known/acme-challengeX/abc',
  ])('refuses %j', (path) => {
    expect(respond(server, path)).toBeUndefined();
  });

  test('a trailing newline (which PCRE $ lets through) never reaches the answer', () => {
    const body = respond(server, '/.well-known/acme-challenge/abc\n');
    expect(body === undefined || body === `abc.${THUMBPRINT}`).toBe(true);
  });
});
