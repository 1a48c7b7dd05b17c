import { expect, test } from 'vitest';
import { KNOWN_DIRECTORIES, STAGING_DIRECTORIES } from '../../../src/acme/known-directories.js';

test('cert renew --dry-run: production CAs map to their staging directory, others to none', () => {
  expect(STAGING_DIRECTORIES[KNOWN_DIRECTORIES.letsencrypt]).toBe(KNOWN_DIRECTORIES['letsencrypt-staging']);
  expect(STAGING_DIRECTORIES[KNOWN_DIRECTORIES.goog]).toBe(KNOWN_DIRECTORIES['goog-staging']);
  expect(STAGING_DIRECTORIES[KNOWN_DIRECTORIES.zerossl]).toBeUndefined();
  expect(STAGING_DIRECTORIES[KNOWN_DIRECTORIES['letsencrypt-staging']]).toBeUndefined();
});
