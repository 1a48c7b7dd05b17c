import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';

import type { AccountCreationSteps } from '../../../src/accounts/create-account.js';
import { findOrCreateAccount, type AccountWanted } from '../../../src/accounts/ensure-account.js';
import type { AcmeClient } from '../../../src/acme/client.js';
import { AcmeProblemError } from '../../../src/acme/problem.js';
import type { Directory } from '../../../src/acme/types.js';
import { UsageError } from '../../../src/errors.js';
import { accountKeyFromKeyObject } from '../../../src/keys/account-key.js';

const key = accountKeyFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'test', 'pkcs8');
const CA = 'https://ca.test/dir';
// The flow never reaches the CA in these tests: each one stops at a step before newAccount.
const client = { directoryUrl: CA } as AcmeClient;
const noAccount = () => Promise.reject(new AcmeProblemError({ type: 'urn:ietf:params:acme:error:accountDoesNotExist', detail: 'no account' }, { method: 'POST', url: `${CA}/new-account` }));

class StoppedHere extends Error {}

function recordingSteps(directory: Partial<Directory>, asked: string[]): AccountCreationSteps {
  return {
    directory: async () => ({ newNonce: 'n', newAccount: 'a', newOrder: 'o', ...directory }) as Directory,
    agreeToTerms: async (question) => {
      asked.push(question);
      throw new StoppedHere();
    },
    step: () => Promise.reject(new StoppedHere('newAccount would be sent')),
    remember: async () => undefined,
  };
}

const wanted = (overrides: Partial<AccountWanted> = {}): AccountWanted => ({ directoryUrl: CA, client, key, email: [], agreeTos: false, ...overrides });

test('an account the key already has is used as found: nothing is created, nobody is asked', async () => {
  const asked: string[] = [];
  const ensured = await findOrCreateAccount(wanted(), async () => ({ url: `${CA}/acct/7`, thumbprint: 'tp' }), recordingSteps({}, asked));
  expect(ensured).toEqual({ account: { url: `${CA}/acct/7`, key }, thumbprint: 'tp' });
  expect(asked).toEqual([]);
});

test('a look-up failure other than accountDoesNotExist is not a reason to make an account', async () => {
  const refused = new AcmeProblemError({ type: 'urn:ietf:params:acme:error:unauthorized', detail: 'no' }, { method: 'POST', url: CA });
  await expect(findOrCreateAccount(wanted(), () => Promise.reject(refused), recordingSteps({}, []))).rejects.toBe(refused);
});

test('no account yet: the terms are asked about, unless agreed on the command line or stored with the lineage', async () => {
  const asked: string[] = [];
  const steps = recordingSteps({ meta: { termsOfService: 'https://ca.test/tos' } }, asked);
  await expect(findOrCreateAccount(wanted(), noAccount, steps)).rejects.toBeInstanceOf(StoppedHere);
  expect(asked).toEqual(['This key has no account yet. Do you agree to the terms of service at https://ca.test/tos?']);
  // Agreed: straight on to newAccount (the step), with no question.
  await expect(findOrCreateAccount(wanted({ agreeTos: true }), noAccount, steps)).rejects.toThrow('newAccount would be sent');
  expect(asked).toHaveLength(1);
});

test('contacts: those given win; the stored ones stand in at renewal; addresses get mailto: and are checked', async () => {
  const steps = recordingSteps({}, []);
  await expect(findOrCreateAccount(wanted({ email: ['not an address'], storedContact: ['ok@example.org'] }), noAccount, steps))
    .rejects.toThrow(new UsageError('contact "mailto:not an address" is not a mailto: URI'));
  await expect(findOrCreateAccount(wanted({ storedContact: ['bad'] }), noAccount, steps)).rejects.toThrow(new UsageError('contact "mailto:bad" is not a mailto: URI'));
  await expect(findOrCreateAccount(wanted({ email: ['ok@example.org'], storedContact: ['bad'] }), noAccount, steps)).rejects.toThrow('newAccount would be sent');
});

test('a CA that requires External Account Binding: one usage line when none was given for it', async () => {
  await expect(findOrCreateAccount(wanted({ agreeTos: true }), noAccount, recordingSteps({ meta: { externalAccountRequired: true } }, [])))
    .rejects.toThrow(new UsageError(`${CA} requires External Account Binding: pass --eab-kid and --eab-hmac-key from the CA`));
});
