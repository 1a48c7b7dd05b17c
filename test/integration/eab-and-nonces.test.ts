import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AcmeClient, type RetryEvent } from '../../src/acme/client.js';
import { createAccount, fetchAccount, updateAccountContacts } from '../../src/acme/account.js';
import { createHttpTransport } from '../../src/net/transport.js';
import { accountKeyFromKeyObject } from '../../src/keys/account-key.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { readFileSync } from 'node:fs';
import { startPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';

// Pebble's example EAB keys (pebble-config-external-account-bindings.json).
const EAB_KEYS = {
  'kid-1': 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W',
  'kid-2': 'b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH',
};

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-eab-'));
});

async function keyFile(name: string): Promise<string> {
  const file = path.join(work, `${name}.pem`);
  expect((await runMain(['key', 'generate', 'ec256', '-o', file])).code).toBe(0);
  return file;
}

describe('External Account Binding (RFC 8555 §7.3.4) against Pebble requiring it', () => {
  let pebble: PebbleInstance;
  beforeAll(async () => {
    pebble = await startPebble({ eabKeys: EAB_KEYS, withChallTestSrv: false });
  });
  afterAll(async () => pebble?.stop());
  const ca = () => ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile];

  test('without EAB the directory says it is required, and acmecli says which flags to pass', async () => {
    const r = await runMain([...ca(), '-k', await keyFile('none'), 'account', 'create', '--agree-tos']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/requires External Account Binding: pass --eab-kid and --eab-hmac-key/);
  });

  test('a wrong MAC key is refused by the CA', async () => {
    const r = await runMain([...ca(), '-k', await keyFile('wrong'), 'account', 'create', '--agree-tos', '--eab-kid', 'kid-1', '--eab-hmac-key', EAB_KEYS['kid-2'], '--json']);
    expect(r.code).toBe(1);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('ACME_PROBLEM');
    expect(r.stderr).not.toContain(EAB_KEYS['kid-2']);
  });

  test.each(['HS256', 'HS384', 'HS512'])('%s binding creates the account', async (alg) => {
    const r = await runMain([...ca(), '-k', await keyFile(`ok-${alg}`), 'account', 'create', 'mailto:eab@example.com', '--agree-tos', '--eab-kid', 'kid-1', '--eab-hmac-key', EAB_KEYS['kid-1'], '--eab-alg', alg, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ created: true, status: 'valid' });
  });

  test('the MAC key from ACMECLI_EAB_HMAC_KEY, with padding, keeps it out of argv', async () => {
    const r = await runMain([...ca(), '-k', await keyFile('env'), 'account', 'create', '--agree-tos', '--eab-kid', 'kid-2', '--json'], { env: { ACMECLI_EAB_HMAC_KEY: `${EAB_KEYS['kid-2']}==` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ created: true });
  });

  test('a malformed MAC key is a usage error before anything is sent', async () => {
    const r = await runMain([...ca(), '-k', await keyFile('bad'), 'account', 'create', '--agree-tos', '--eab-kid', 'kid-1', '--eab-hmac-key', 'not base64!!']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/EAB HMAC key is not base64url/);
    expect(r.stderr).not.toContain('not base64!!');
  });
});

describe('badNonce recovery (RFC 8555 §6.5) against Pebble rejecting half of all nonces', () => {
  let pebble: PebbleInstance;
  beforeAll(async () => {
    pebble = await startPebble({ env: { PEBBLE_WFE_NONCEREJECT: '50' }, withChallTestSrv: false });
  });
  afterAll(async () => pebble?.stop());

  test('every request succeeds, and the retries were for badNonce', async () => {
    const transport = createHttpTransport({ userAgent: 'acmecli-test', extraCaPem: readFileSync(pebble.caFile, 'utf8') });
    const retries: RetryEvent[] = [];
    const client = new AcmeClient({
      directoryUrl: pebble.directoryUrl,
      send: transport.send,
      retryLimits: { maxAttempts: 5, maxBadNonceAttempts: 30, defaultDelayMs: 100, maxRetryAfterMs: 1000 },
      events: { onRetry: (e) => retries.push(e) },
    });
    try {
      const key = accountKeyFromKeyObject(await generatePrivateKey('ec256'), 'test', 'pkcs8');
      const created = await createAccount(client, key, { termsOfServiceAgreed: true });
      const ref = { url: created.url, key };
      for (let i = 0; i < 12; i++) {
        await updateAccountContacts(client, ref, [`mailto:n${i}@example.com`]);
      }
      expect((await fetchAccount(client, ref)).contact).toEqual(['mailto:n11@example.com']);
      expect(retries.length).toBeGreaterThan(0);
      expect(new Set(retries.map((r) => r.reason))).toEqual(new Set(['badNonce']));
    } finally {
      await transport.close();
    }
  });

  test('the CLI reports the retries and succeeds', async () => {
    const file = await keyFile('cli-nonce');
    const r = await runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', file, 'account', 'create', '--agree-tos', '--json']);
    // With 50 % rejection and 10 attempts a request fails about once in a thousand runs; the library test above bounds it tighter.
    expect(r.code, r.stderr).toBe(0);
  });
});
