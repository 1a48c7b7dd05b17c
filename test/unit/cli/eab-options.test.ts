import { expect, test } from 'vitest';
import { eabByDirectoryFromOptions } from '../../../src/cli/eab-options.js';
import { UsageError } from '../../../src/errors.js';

const OWN = 'https://ca.test/dir';
const STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

test('the lineage\'s CA gets --eab-*, each fallback the --fallback-eab-* given after it (keywords resolved)', () => {
  const map = eabByDirectoryFromOptions(
    { eabKid: 'kid-1', eabHmacKey: 'hmac-1', eabAlg: 'HS256' },
    [{ url: 'letsencrypt-staging', eabKid: 'kid-2', eabHmacKey: 'hmac-2' }, { url: 'https://other.test/dir' }],
    OWN, {}, false);
  expect([...map]).toEqual([
    [OWN, { kid: 'kid-1', hmacKey: 'hmac-1', alg: 'HS256' }],
    [STAGING, { kid: 'kid-2', hmacKey: 'hmac-2', alg: 'HS256' }],
  ]);
});

test('the HMAC keys may come from the environment (kept out of ps), one fallback key at most', () => {
  const env = { ACMECLI_EAB_HMAC_KEY: 'env-1', ACMECLI_FALLBACK_EAB_HMAC_KEY: 'env-2' };
  const map = eabByDirectoryFromOptions({ eabKid: 'kid-1', eabAlg: 'HS512' }, [{ url: 'letsencrypt-staging', eabKid: 'kid-2' }], OWN, env, false);
  expect(map.get(OWN)).toEqual({ kid: 'kid-1', hmacKey: 'env-1', alg: 'HS512' });
  expect(map.get(STAGING)).toEqual({ kid: 'kid-2', hmacKey: 'env-2', alg: 'HS512' });
  expect(() => eabByDirectoryFromOptions({ eabAlg: 'HS256' }, [{ url: 'letsencrypt-staging', eabKid: 'a' }, { url: 'goog-staging', eabKid: 'b' }], OWN, env, false))
    .toThrow(new UsageError('ACMECLI_FALLBACK_EAB_HMAC_KEY serves one --fallback-eab-kid without --fallback-eab-hmac-key, not several: give the others their key'));
});

test('a kid without its key, or a key without its kid, is a usage error naming the options', () => {
  expect(() => eabByDirectoryFromOptions({ eabKid: 'kid-1', eabAlg: 'HS256' }, [], OWN, {}, false)).toThrow(new UsageError('--eab-kid needs --eab-hmac-key (or ACMECLI_EAB_HMAC_KEY)'));
  expect(() => eabByDirectoryFromOptions({ eabAlg: 'HS256' }, [{ url: 'letsencrypt-staging', eabHmacKey: 'h' }], OWN, {}, false)).toThrow(new UsageError('--fallback-eab-hmac-key needs --fallback-eab-kid'));
  expect(eabByDirectoryFromOptions({ eabAlg: 'HS256' }, [], OWN, {}, false).size).toBe(0);
});
