/** Directory keywords for `--acme-url`, the same as acmecli.py's plus ZeroSSL and a local Pebble. */
export const KNOWN_DIRECTORIES = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
  goog: 'https://dv.acme-v02.api.pki.goog/directory',
  'goog-staging': 'https://dv.acme-v02.test-api.pki.goog/directory',
  zerossl: 'https://acme.zerossl.com/v2/DV90',
  pebble: 'https://localhost:14000/dir',
} as const satisfies Record<string, string>;

export type DirectoryKeyword = keyof typeof KNOWN_DIRECTORIES;
export const DEFAULT_DIRECTORY_KEYWORD: DirectoryKeyword = 'letsencrypt';
