import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';

import type { ResolvedAccount } from '../../../src/accounts/find-account.js';
import { rolloverToKey, type AccountKeeping } from '../../../src/accounts/rekey.js';
import type { AcmeClient } from '../../../src/acme/client.js';
import { UsageError } from '../../../src/errors.js';
import { accountKeyFromKeyObject } from '../../../src/keys/account-key.js';
import { jwkThumbprint } from '../../../src/keys/thumbprint.js';

const newKey = () => accountKeyFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'test', 'pkcs8');
const CA = 'https://ca.test/dir';
const client = { directoryUrl: CA } as AcmeClient;

function keeping(log: string[]): AccountKeeping {
  return {
    // The rollover itself is RFC 8555 §7.3.5 against a CA (test/integration/account.test.ts); here the step is only recorded.
    step: async <T>(label: string) => {
      log.push(`step ${label}`);
      return undefined as T;
    },
    remember: async (directoryUrl, thumbprint, url) => void log.push(`remember ${directoryUrl} ${thumbprint} ${url}`),
    forget: async (directoryUrl, thumbprint) => void log.push(`forget ${directoryUrl} ${thumbprint}`),
  };
}

test('after the rollover the URL is kept under the new thumbprint and forgotten under the old one', async () => {
  const oldKey = newKey();
  const account: ResolvedAccount = { url: `${CA}/acct/1`, key: oldKey, thumbprint: await jwkThumbprint(oldKey.publicJwk), source: 'cache' };
  const replacement = newKey();
  const log: string[] = [];
  const { newThumbprint } = await rolloverToKey(CA, client, account, replacement, keeping(log));
  expect(newThumbprint).toBe(await jwkThumbprint(replacement.publicJwk));
  expect(log).toEqual(['step rolling the account key over', `remember ${CA} ${newThumbprint} ${CA}/acct/1`, `forget ${CA} ${account.thumbprint}`]);
});

test('the same key is refused before anything is sent or forgotten', async () => {
  const key = newKey();
  const account: ResolvedAccount = { url: `${CA}/acct/1`, key, thumbprint: await jwkThumbprint(key.publicJwk), source: 'cache' };
  const log: string[] = [];
  await expect(rolloverToKey(CA, client, account, key, keeping(log))).rejects.toThrow(new UsageError('the new key is the same key as the current one'));
  expect(log).toEqual([]);
});
