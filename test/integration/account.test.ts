import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { makeTempHome } from '../support/cli.js';

let pebble: PebbleInstance;
let work: string;

beforeAll(async () => {
  pebble = await sharedPebble();
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-account-'));
});
afterAll(async () => pebble?.stop());

const ca = () => ['-a', pebble.directoryUrl, '--ca-file', pebble.caFile];

async function newKey(name: string, type = 'ec256'): Promise<string> {
  const file = path.join(work, `${name}.pem`);
  const r = await runMain(['key', 'generate', type, '-o', file]);
  expect(r.code, r.stderr).toBe(0);
  return file;
}

describe('account lifecycle against Pebble', () => {
  test('create, show (cached and not), update, clear', async () => {
    const key = await newKey('lifecycle');
    const home = makeTempHome();
    const created = await runMain([...ca(), '-k', key, 'account', 'create', 'mailto:admin@example.com', '--agree-tos', '--json'], { env: { ACMECLI_HOME: home } });
    expect(created.code, created.stderr).toBe(0);
    const c = created.json<{ accountUrl: string; created: boolean; status: string; contact: string[] }>();
    expect(c.accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/my-account\//);
    expect(c.created).toBe(true);
    expect(c.status).toBe('valid');
    expect(c.contact).toEqual(['mailto:admin@example.com']);

    // The same key again finds the same account and creates nothing (RFC 8555 §7.3.1).
    const again = await runMain([...ca(), '-k', key, 'account', 'create', '--agree-tos', '--json'], { env: { ACMECLI_HOME: home } });
    expect(again.json()).toMatchObject({ accountUrl: c.accountUrl, created: false });

    // With a fresh state directory, show finds the account by key (onlyReturnExisting).
    const shown = await runMain([...ca(), '-k', key, 'account', 'show', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({ accountUrl: c.accountUrl, status: 'valid', contact: ['mailto:admin@example.com'] });

    const text = await runMain([...ca(), 'account', 'show', '-k', key, '-d'], { env: { ACMECLI_HOME: home } });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Account URI: ${c.accountUrl}`);
    expect(text.stdout).toContain('Account object:');

    const updated = await runMain([...ca(), '-k', key, 'account', 'update', 'mailto:a@example.com', 'mailto:b@example.net', '--json'], { env: { ACMECLI_HOME: home } });
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({ contact: ['mailto:a@example.com', 'mailto:b@example.net'] });
    const afterUpdate = await runMain([...ca(), '-k', key, 'account', 'show', '--json']);
    expect(afterUpdate.json()).toMatchObject({ contact: ['mailto:a@example.com', 'mailto:b@example.net'] });

    const cleared = await runMain([...ca(), '-k', key, 'account', 'update', 'clear', '--json'], { env: { ACMECLI_HOME: home } });
    expect(cleared.code, cleared.stderr).toBe(0);
    const afterClear = await runMain([...ca(), '-k', key, 'account', 'show', '--json']);
    expect(afterClear.json<{ contact: string[] }>().contact).toEqual([]);
  });

  test('terms of service: refused outside a terminal without --agree-tos, asked on one', async () => {
    const key = await newKey('tos');
    const refused = await runMain([...ca(), '-k', key, 'account', 'create']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/terms of service.*--agree-tos/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);

    const declined = await runMain([...ca(), '-k', key, 'account', 'create'], { answers: ['n'] });
    expect(declined.code).toBe(2);
    expect(declined.questions[0]).toMatch(/terms of service/);

    const agreed = await runMain([...ca(), '-k', key, 'account', 'create', '--json'], { answers: ['y'] });
    expect(agreed.code, agreed.stderr).toBe(0);
    expect(agreed.json()).toMatchObject({ created: true });
  });

  test('contacts must be mailto: URIs; nothing is sent otherwise', async () => {
    const key = await newKey('contacts');
    const r = await runMain([...ca(), '-k', key, 'account', 'create', 'admin@example.com', '--agree-tos']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a mailto: URI (write mailto:admin@example.com)');
    const show = await runMain([...ca(), '-k', key, 'account', 'show']);
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/no account at .*acmecli account create.*accountDoesNotExist/);
  });

  test('RFC 8555 §7.3.5 rekey: the new key shows the same account, the old key is refused', async () => {
    const oldKey = await newKey('old', 'rsa2048');
    const newKeyFile = await newKey('new', 'ec384');
    const home = makeTempHome();
    const created = await runMain([...ca(), '-k', oldKey, 'account', 'create', '--agree-tos', '--json'], { env: { ACMECLI_HOME: home } });
    const accountUrl = created.json<{ accountUrl: string }>().accountUrl;

    const rekey = await runMain([...ca(), '-k', oldKey, 'account', 'rekey', newKeyFile, '--json'], { env: { ACMECLI_HOME: home } });
    expect(rekey.code, rekey.stderr).toBe(0);
    const r = rekey.json<{ accountUrl: string; oldThumbprint: string; newThumbprint: string }>();
    expect(r.accountUrl).toBe(accountUrl);
    expect(r.newThumbprint).not.toBe(r.oldThumbprint);

    const withNew = await runMain([...ca(), '-k', newKeyFile, 'account', 'show', '--json']);
    expect(withNew.code, withNew.stderr).toBe(0);
    expect(withNew.json()).toMatchObject({ accountUrl, thumbprint: r.newThumbprint, jwsAlg: 'ES384' });

    const withOld = await runMain([...ca(), '-k', oldKey, 'account', 'show', '--json']);
    expect(withOld.code).toBe(1);
    expect(withOld.json<{ error: { problem: { type: string } } }>().error.problem.type).toBe('urn:ietf:params:acme:error:accountDoesNotExist');

    // The cached URL moved with the key: a cached run with the new key works without a look-up.
    const cachedRun = await runMain([...ca(), '-k', newKeyFile, 'account', 'update', 'mailto:x@example.com', '--json', '-v'], { env: { ACMECLI_HOME: home } });
    expect(cachedRun.code, cachedRun.stderr).toBe(0);
    expect(cachedRun.stderr).not.toMatch(/POST \S+\/sign-me-up/);
  });

  test('RFC 8555 §7.3.6 deactivate: needs --confirm outside a terminal, then the account is refused', async () => {
    const key = await newKey('deactivate', 'ec521');
    const home = makeTempHome();
    const created = await runMain([...ca(), '-k', key, 'account', 'create', '--agree-tos', '--json'], { env: { ACMECLI_HOME: home } });
    expect(created.code, created.stderr).toBe(0);

    const unconfirmed = await runMain([...ca(), '-k', key, 'account', 'deactivate'], { env: { ACMECLI_HOME: home } });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--confirm');

    const done = await runMain([...ca(), '-k', key, 'account', 'deactivate', '--confirm', '--json'], { env: { ACMECLI_HOME: home } });
    expect(done.code, done.stderr).toBe(0);
    expect(done.json()).toMatchObject({ status: 'deactivated' });

    const after = await runMain([...ca(), '-k', key, 'account', 'show', '--json']);
    expect(after.code).toBe(1);
    expect(after.json<{ error: { code: string } }>().error.code).toBe('ACME_PROBLEM');
  });

  test('dns records online, then offline from the cache', async () => {
    const key = await newKey('dns');
    const home = makeTempHome();
    const created = await runMain([...ca(), '-k', key, 'account', 'create', '--agree-tos', '--json'], { env: { ACMECLI_HOME: home } });
    const accountUrl = created.json<{ accountUrl: string }>().accountUrl;
    // Pebble's directory has no caaIdentities, so the identity is given; the account URL comes from the cache.
    const offline = await runMain([...ca(), '-k', key, 'dns', 'records', 'example.org', '--caa-identity', 'pebble.example', '--offline', '--json'], { env: { ACMECLI_HOME: home } });
    expect(offline.code, offline.stderr).toBe(0);
    const records = offline.json<{ accountUrl: string; sources: { accountUrl: string }; zones: { caa: string[]; dnsPersist: string[] }[] }>();
    expect(records.accountUrl).toBe(accountUrl);
    expect(records.sources.accountUrl).toBe('cache');
    expect(records.zones[0]?.caa[0]).toBe(`example.org.  IN  CAA 0 issue "pebble.example; accounturi=${accountUrl}"`);
    expect(records.zones[0]?.dnsPersist[0]).toBe(`_validation-persist.example.org.  IN  TXT "pebble.example; accounturi=${accountUrl}"`);

    // A new state directory and --offline: nothing to go on, and it says what to pass.
    const nothing = await runMain([...ca(), '-k', key, 'dns', 'records', 'example.org', '--caa-identity', 'pebble.example', '--offline']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/not cached yet: pass --account-uri/);

    // Online with a fresh state directory: the account is looked up by key.
    const online = await runMain([...ca(), '-k', key, 'dns', 'records', 'example.org', '--caa-identity', 'pebble.example', '--json']);
    expect(online.code, online.stderr).toBe(0);
    expect(online.json()).toMatchObject({ accountUrl, sources: { accountUrl: 'server' } });
  });
});

describe('a CA whose directory lacks keyChange and revokeCert', () => {
  test('account rekey and cert revoke say so in one line (no TypeError)', async () => {
    const { startHostileAcmeProxy } = await import('../support/hostile-acme-proxy.js');
    const proxy = await startHostileAcmeProxy(pebble);
    try {
      proxy.rewrite('directory', (ex) => {
        delete ex.json.keyChange;
        delete ex.json.revokeCert;
      });
      const key = await newKey('no-keychange');
      const other = await newKey('no-keychange-new');
      const home = makeTempHome();
      const at = ['-a', proxy.directoryUrl, '--ca-file', proxy.caFile, '-k', key];
      expect((await runMain([...at, 'account', 'create', '--agree-tos'], { env: { ACMECLI_HOME: home } })).code).toBe(0);
      const rekey = await runMain([...at, 'account', 'rekey', other], { env: { ACMECLI_HOME: home } });
      expect(rekey.code).toBe(1);
      expect(rekey.stderr).toBe("acmecli: the CA's directory has no keyChange URL: it does not offer key rollover (RFC 8555 §7.3.5)\n");
      // Any certificate and its key will do: Pebble's own listener pair.
      const listener = path.dirname(pebble.caFile);
      const revoke = await runMain(['-a', proxy.directoryUrl, '--ca-file', proxy.caFile, 'cert', 'revoke', path.join(listener, 'cert.pem'), '--cert-key', path.join(listener, 'key.pem')], { env: { ACMECLI_HOME: home } });
      expect(revoke.code).toBe(1);
      expect(revoke.stderr).toBe("acmecli: the CA's directory has no revokeCert URL: it does not offer revocation (RFC 8555 §7.6)\n");
    } finally {
      await proxy.stop();
    }
  });
});
