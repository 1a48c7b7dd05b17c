import { UsageError } from '../errors.js';

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

/** `--acme-url` (or a fallback CA): a keyword in any case, or a URL that must be https unless --allow-http. @throws UsageError */
export function resolveDirectoryUrl(given: string, allowHttp: boolean): string {
  // Keywords in any case (-a LetsEncrypt), as acmecli.py takes them.
  const known = (KNOWN_DIRECTORIES as Record<string, string>)[given.toLowerCase()];
  if (known) return known;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    throw new UsageError(`unknown --acme-url keyword ${JSON.stringify(given)}: use an https:// directory URL or one of ${Object.keys(KNOWN_DIRECTORIES).join(', ')}`);
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--acme-url ${JSON.stringify(given)} is not a valid URL`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && allowHttp)) return url.toString();
  throw new UsageError(`--acme-url must be https:// (RFC 8555 §6.1), not ${url.protocol}//; pass --allow-http only for a local test server`);
}
