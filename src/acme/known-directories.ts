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

/**
 * Where `cert renew --dry-run` orders for a lineage of a production CA: its staging
 * directory (the same account key, a separate account there). A CA without one is
 * dry-run against itself.
 */
export const STAGING_DIRECTORIES: Readonly<Record<string, string>> = {
  [KNOWN_DIRECTORIES.letsencrypt]: KNOWN_DIRECTORIES['letsencrypt-staging'],
  [KNOWN_DIRECTORIES.goog]: KNOWN_DIRECTORIES['goog-staging'],
};
