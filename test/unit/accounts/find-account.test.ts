import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';

import { findAccount, type AccountMemory } from '../../../src/accounts/find-account.js';
import type { AcmeClient } from '../../../src/acme/client.js';
import { accountKeyFromKeyObject } from '../../../src/keys/account-key.js';
import { jwkThumbprint } from '../../../src/keys/thumbprint.js';

const key = accountKeyFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'test', 'pkcs8');
const CA = 'https://ca.test/dir';
const client = { directoryUrl: CA } as AcmeClient;

class AskedTheCa extends Error {}

/** A memory holding `kept`; asking the CA (its directory first) stops the test there. */
function memory(kept: Record<string, string>, recalled: string[]): AccountMemory {
  return {
    recall: async (directoryUrl, thumbprint) => {
      recalled.push(`${directoryUrl} ${thumbprint}`);
      return kept[`${directoryUrl} ${thumbprint}`];
    },
    directory: () => Promise.reject(new AskedTheCa()),
    remember: async () => undefined,
  };
}

test('a URL kept by an earlier run is used with no round trip, under this key\'s thumbprint at this CA', async () => {
  const thumbprint = await jwkThumbprint(key.publicJwk);
  const recalled: string[] = [];
  const found = await findAccount(CA, client, key, memory({ [`${CA} ${thumbprint}`]: `${CA}/acct/1` }, recalled));
  expect(found).toEqual({ url: `${CA}/acct/1`, key, thumbprint, source: 'cache' });
  expect(recalled).toEqual([`${CA} ${thumbprint}`]);
});

test('nothing kept, or --details asking the CA (preferServer): the CA is asked', async () => {
  const thumbprint = await jwkThumbprint(key.publicJwk);
  await expect(findAccount(CA, client, key, memory({}, []))).rejects.toBeInstanceOf(AskedTheCa);
  const recalled: string[] = [];
  await expect(findAccount(CA, client, key, memory({ [`${CA} ${thumbprint}`]: `${CA}/acct/1` }, recalled), { preferServer: true })).rejects.toBeInstanceOf(AskedTheCa);
  expect(recalled).toEqual([]);
});
