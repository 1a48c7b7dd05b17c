import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { parseServer } from '../../../src/dns-providers/client.js';
import { authoritativeServers, findZone, followCnames } from '../../../src/dns-providers/lookup.js';
import type { TxtRecordTarget } from '../../../src/dns-providers/provider.js';
import { createRfc2136Provider } from '../../../src/dns-providers/rfc2136.js';
import { DnsError } from '../../../src/errors.js';
import { DELEGATION_TARGET, NAMES_ZONE, TARGET_ZONE, sharedDnsLab, type DnsLab } from '../../support/bind.js';

// A real BIND 9 primary with a TSIG key; the provider writes, BIND is asked what it holds.
let lab: DnsLab;
const signal = new AbortController().signal;

beforeAll(async () => {
  lab = await sharedDnsLab();
});
afterAll(async () => lab?.stop());

const record = (fqdn: string, value: string, zone = NAMES_ZONE): TxtRecordTarget => ({
  fqdn, value, zone, challengeName: fqdn, domain: fqdn.replace(/^_acme-challenge\./, ''), token: 't', keyAuthorization: 't.k',
});

const env = (extra: Record<string, string | undefined> = {}) => ({
  RFC2136_NAMESERVER: lab.primary,
  RFC2136_TSIG_KEY: lab.key.name,
  RFC2136_TSIG_SECRET: lab.key.secret,
  RFC2136_TSIG_ALGORITHM: 'hmac-sha256.',
  ...extra,
});

const provider = (extra: Record<string, string | undefined> = {}, tsigKeyFile?: string) => {
  const warnings: string[] = [];
  const p = createRfc2136Provider({ env: env(extra), cwd: lab.dir, onWarning: (m) => warnings.push(m), ...(tsigKeyFile ? { tsigKeyFile } : {}) });
  return { p, warnings };
};

describe('RFC 2136 with TSIG against BIND', () => {
  test('adds a TXT beside one that is already there, then removes exactly its own', async () => {
    const name = `_acme-challenge.www.${NAMES_ZONE}`;
    const { p } = provider();
    await p.prepare();
    await p.present(record(name, 'someone-elses-value'), signal);
    await p.present(record(name, 'our-value'), signal);
    expect((await lab.txt(lab.primary, name)).sort()).toEqual(['our-value', 'someone-elses-value']);
    await p.cleanup(record(name, 'our-value'));
    expect(await lab.txt(lab.primary, name)).toEqual(['someone-elses-value']);
    await p.cleanup(record(name, 'someone-elses-value'));
    expect(await lab.txt(lab.primary, name)).toEqual([]);
  });

  test('a value longer than 255 bytes is split into character-strings and removed whole', async () => {
    const name = `_acme-challenge.long.${NAMES_ZONE}`;
    const value = 'x'.repeat(300);
    const { p } = provider();
    await p.present(record(name, value), signal);
    expect(await lab.txt(lab.primary, name)).toEqual([value]);
    await p.cleanup(record(name, value));
    expect(await lab.txt(lab.primary, name)).toEqual([]);
  });

  test('reads the key from a BIND key file (--tsig-key-file), as nsupdate -k does', async () => {
    const name = `_acme-challenge.keyfile.${NAMES_ZONE}`;
    const { p } = provider({ RFC2136_TSIG_KEY: undefined, RFC2136_TSIG_SECRET: undefined, RFC2136_TSIG_ALGORITHM: undefined }, lab.keyFile);
    await p.present(record(name, 'from-key-file'), signal);
    expect(await lab.txt(lab.primary, name)).toEqual(['from-key-file']);
    await p.cleanup(record(name, 'from-key-file'));
  });

  test('each refusal is one line naming the zone and the server', async () => {
    const name = `_acme-challenge.refused.${NAMES_ZONE}`;
    const cases: Array<[Record<string, string | undefined>, RegExp]> = [
      [{ RFC2136_TSIG_KEY: 'no-such-key' }, /refused: NOTAUTH, TSIG BADKEY: the server does not know key no-such-key/],
      [{ RFC2136_TSIG_SECRET: Buffer.alloc(32, 7).toString('base64') }, /refused: NOTAUTH, TSIG BADSIG: the signature does not verify/],
      [{ RFC2136_TSIG_KEY: lab.otherKey.name, RFC2136_TSIG_SECRET: lab.otherKey.secret }, /refused: REFUSED: the update policy does not let key other-key change/],
      [{ RFC2136_TSIG_KEY: undefined, RFC2136_TSIG_SECRET: undefined }, /refused: REFUSED: the server wants a TSIG key/],
    ];
    for (const [extra, expected] of cases) {
      const { p } = provider(extra);
      const err = await p.present(record(name, 'v'), signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DnsError);
      const message = (err as Error).message;
      expect(message).toMatch(expected);
      expect(message).toContain(`zone ${NAMES_ZONE} at ${lab.primary}`);
      expect(message).not.toContain('\n');
      expect(message).not.toContain(lab.key.secret);
    }
    expect(await lab.txt(lab.primary, name)).toEqual([]);
  });

  test('a zone the server is not primary for is NOTAUTH', async () => {
    const { p } = provider();
    const err = await p.present(record('_acme-challenge.x.other.test', 'v', 'other.test'), signal).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^DNS update \(add TXT _acme-challenge\.x\.other\.test\) of zone other\.test at 127\.0\.0\.1:\d+ refused: (NOTAUTH|REFUSED)/);
  });

  test('a clock more than five minutes off is BADTIME', async () => {
    const { p } = { p: createRfc2136Provider({ env: env(), cwd: lab.dir, onWarning: () => undefined, now: () => Date.now() / 1000 - 3600 }) };
    const err = await p.present(record(`_acme-challenge.time.${NAMES_ZONE}`, 'v'), signal).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/refused: NOTAUTH, TSIG BADTIME: our clock and the server's differ/);
  });

  test('hmac-sha1 (lego\'s default) is accepted, with a warning', async () => {
    const { p, warnings } = provider({ RFC2136_TSIG_ALGORITHM: undefined });
    await p.prepare();
    expect(warnings.join('\n')).toMatch(/uses hmac-sha1 \(lego's default when RFC2136_TSIG_ALGORITHM is unset\)/);
  });
});

describe('lookups against the authoritative server', () => {
  test('the zone of a name is found by walking SOA records up', async () => {
    const servers = [parseServer(lab.primary, 'server')];
    expect(await findZone(`_acme-challenge.a.b.${NAMES_ZONE}`, servers)).toBe(NAMES_ZONE);
    expect(await findZone(DELEGATION_TARGET, servers)).toBe(TARGET_ZONE);
  });

  test('the name servers of a zone: its NS records and their addresses, on port 53', async () => {
    const servers = [parseServer(lab.primary, 'server')];
    expect(await authoritativeServers(NAMES_ZONE, servers)).toEqual([{ name: `ns1.${NAMES_ZONE}`, server: { host: '127.0.0.1', port: 53 } }]);
    await expect(authoritativeServers('nowhere.test', servers)).rejects.toThrow(/zone nowhere\.test has no name server with an address/);
  });

  test('a CNAME delegation is followed into the other zone', async () => {
    const servers = [parseServer(lab.primary, 'server')];
    expect(await followCnames(`_acme-challenge.delegated.${NAMES_ZONE}`, servers)).toBe(DELEGATION_TARGET);
    expect(await followCnames(`_acme-challenge.plain.${NAMES_ZONE}`, servers)).toBe(`_acme-challenge.plain.${NAMES_ZONE}`);
  });
});

test('a key file with two keys, or none, is refused before anything is sent', async () => {
  const twoKeys = path.join(lab.dir, 'two-keys.conf');
  await writeFile(twoKeys, 'key "a" { algorithm hmac-sha256; secret "AAAA"; };\nkey "b" { algorithm hmac-sha256; secret "AAAA"; };\n');
  await expect(provider({}, twoKeys).p.prepare()).rejects.toThrow(/--tsig-key-file .*two-keys\.conf: it holds 2 keys; give a file with exactly one/);
  const none = path.join(lab.dir, 'none.conf');
  await writeFile(none, '# nothing\n');
  await expect(provider({}, none).p.prepare()).rejects.toThrow(/no `key "NAME"/);
});
