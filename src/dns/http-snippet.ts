import { checkThumbprint } from './account-inputs.js';

// RFC 8555 §8.3: the token is base64url. "A client that does copy tokens from
// requests to responses MUST validate that the token in the request matches the
// token syntax", else the echo is a cross-site scripting hole. Every snippet
// matches the token with this class, anchored at both ends, before echoing it.
const TOKEN_CLASS = '[-_a-zA-Z0-9]+';
const CHALLENGE_PATH = String.raw`/\.well-known/acme-challenge/`;

export interface HttpSnippetSpec {
  /** Server and version the form needs. */
  readonly product: string;
  /** Where in the server's configuration the snippet goes. */
  readonly placement: string;
  /** The path regular expression exactly as it appears in the snippet. */
  readonly pathPattern: string;
  readonly render: (thumbprint: string) => string[];
}

/**
 * Stateless http-01: configuration that answers every
 * `GET /.well-known/acme-challenge/<token>` with `<token>.<thumbprint>` (the key
 * authorization, RFC 8555 §8.1 and §8.3), so no file is written per challenge and
 * any number of servers can answer for the same account. The forms follow the
 * acme.sh "Stateless Mode" ones. `--help` choices and the tests read this table.
 */
export const HTTP_SNIPPET_SERVERS = {
  nginx: {
    product: 'nginx',
    placement: 'inside the server {} block that listens on port 80',
    pathPattern: `^${CHALLENGE_PATH}(${TOKEN_CLASS})$`,
    render: (thumbprint) => [
      `location ~ ^${CHALLENGE_PATH}(${TOKEN_CLASS})$ {`,
      '    default_type text/plain;',
      `    return 200 "$1.${thumbprint}";`,
      '}',
    ],
  },
  apache: {
    product: 'Apache httpd 2.4.13 or later, with mod_rewrite',
    placement: 'inside the <VirtualHost *:80> block',
    pathPattern: `^${CHALLENGE_PATH}(?<token>${TOKEN_CLASS})$`,
    render: (thumbprint) => [
      `<LocationMatch "^${CHALLENGE_PATH}(?<token>${TOKEN_CLASS})$">`,
      // httpd 2.4.8+ exports a named group as MATCH_<NAME>; 2.4.13+ evaluates
      // expressions in ErrorDocument strings.
      '    # The named group arrives as the MATCH_TOKEN environment variable.',
      `    ErrorDocument 200 "%{ENV:MATCH_TOKEN}.${thumbprint}"`,
      '    RewriteEngine On',
      '    # A status outside 300-399 ends the request there, with the ErrorDocument above as body.',
      '    RewriteRule ^ - [L,R=200]',
      '</LocationMatch>',
    ],
  },
  haproxy: {
    product: 'HAProxy 2.2 or later',
    placement: 'in the frontend (mode http) that binds port 80',
    pathPattern: `^${CHALLENGE_PATH}${TOKEN_CLASS}$`,
    render: (thumbprint) => [
      // The path is matched undecoded, so percent-escapes fail the class too.
      // The answer echoes the last path segment rather than a capture, and a
      // PCRE-built HAProxy lets `$` match before a final newline, so control
      // characters are refused separately ([[:cntrl:]] works in PCRE and libc regex).
      `http-request return status 200 content-type text/plain lf-string "%[path,field(-1,/)].${thumbprint}" if { path_reg '^${CHALLENGE_PATH}${TOKEN_CLASS}$' } !{ path_reg '[[:cntrl:]]' }`,
    ],
  },
  caddy: {
    product: 'Caddy 2 (Caddyfile)',
    placement: 'inside the site block for your names (Caddy redirects port 80 to HTTPS, which CAs follow)',
    pathPattern: `^${CHALLENGE_PATH}(${TOKEN_CLASS})$`,
    render: (thumbprint) => [
      `@acme_challenge path_regexp acme ^${CHALLENGE_PATH}(${TOKEN_CLASS})$`,
      `respond @acme_challenge "{re.acme.1}.${thumbprint}" 200`,
    ],
  },
} as const satisfies Record<string, HttpSnippetSpec>;

export type HttpSnippetServer = keyof typeof HTTP_SNIPPET_SERVERS;

/**
 * Configuration text for stateless http-01 on `server`, answering with the
 * account key `thumbprint` (RFC 7638, as `acmecli key thumbprint` prints it).
 * Starts with `#` comments saying where it goes and why the token is checked.
 *
 * Throws UsageError unless `thumbprint` is 43 base64url characters.
 */
export function httpSnippet(server: HttpSnippetServer, thumbprint: string): string {
  checkThumbprint(thumbprint);
  const spec: HttpSnippetSpec = HTTP_SNIPPET_SERVERS[server];
  return [
    `# Stateless http-01 for ${spec.product}: ${spec.placement}.`,
    '# Answers GET /.well-known/acme-challenge/<token> with <token>.<thumbprint> (RFC 8555 §8.3).',
    '# Only base64url tokens are echoed: copying anything else from the request invites XSS.',
    ...spec.render(thumbprint),
    '',
  ].join('\n');
}
