import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getIntermediateCertificate, sharedPebble, startPebble, type PebbleInstance } from '../support/pebble.js';
import { startHostileAcmeProxy, type HostileAcmeProxy } from '../support/hostile-acme-proxy.js';
import { startAcmeStandin, type AcmeStandin } from '../support/acme-standin.js';
import { runMain } from '../support/in-process.js';
import { tempDir, writeDnsHook } from '../support/cert-fixtures.js';

interface IssueJson {
  ok: boolean;
  lineages: { status: string; issuedBy?: string; fallback?: { from: string; to: string; error: { type: string } }; files?: { certificate: string } }[];
}

/**
 * Two CAs with different roots. The primary is Pebble A behind a proxy we can stop
 * and start on the same port ("the CA is down", "the CA is back"). The fallback is
 * the stand-in (for RFC 9773 renewalInfo, which Pebble 2.4 lacks) signing with Pebble B.
 */
describe('--fallback-acme-url: a second CA in the same run, the primary first again next time', () => {
  let pebbleA: PebbleInstance;
  let pebbleB: PebbleInstance;
  let primary: HostileAcmeProxy;
  let fallback: AcmeStandin;
  let primaryPort: number;
  let work: string;
  let run: (args: string[]) => ReturnType<typeof runMain>;
  const newOrdersAtPrimary: Record<string, unknown>[] = [];

  const startPrimary = async () => {
    primary = await startHostileAcmeProxy(pebbleA, primaryPort ? { port: primaryPort } : {});
    primaryPort = Number(new URL(primary.directoryUrl).port);
    primary.rewrite('newOrder', (ex) => void newOrdersAtPrimary.push(ex.payload as Record<string, unknown>));
  };
  /** Which CA signed the certificate: the issuer of the leaf is that Pebble's intermediate. */
  const signedBy = async (certificateFile: string) => {
    const leaf = new X509Certificate(readFileSync(certificateFile));
    for (const [name, pebble] of [['A', pebbleA], ['B', pebbleB]] as const) {
      if (leaf.checkIssued(new X509Certificate(await getIntermediateCertificate(pebble)))) return name;
    }
    return 'neither';
  };

  beforeAll(async () => {
    // Two CAs with their own intermediates: the worker's Pebble is A (never stopped: the proxy in front plays a CA
    // that is down), B is this file's own.
    pebbleA = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
    pebbleB = await startPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
    fallback = await startAcmeStandin({ pebble: pebbleB, challengeTypes: ['dns-01'], renewalInfo: () => ({ start: new Date(Date.now() + 86_400_000), end: new Date(Date.now() + 2 * 86_400_000) }) });
    await startPrimary();
    work = tempDir('fallback');
    const key = path.join(work, 'account.pem');
    expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
    // One trust file for both CAs' TLS listeners.
    const trust = path.join(work, 'trust.pem');
    writeFileSync(trust, readFileSync(primary.caFile, 'utf8') + readFileSync(fallback.caFile, 'utf8'));
    const env = { ACMECLI_HOME: path.join(work, 'home') };
    run = (args) => runMain(['--ca-file', trust, '-k', key, ...args], { env });
  });
  afterAll(async () => {
    await primary?.stop();
    await fallback?.stop();
    await pebbleB?.stop();
  });

  test('primary down at the first issuance: the fallback issues, the failure hook says so; back up: the primary issues again, and replaces goes only to the CA that issued', async () => {
    const hook = writeDnsHook(work, pebbleB.challTestSrvUrl);
    const log = path.join(work, 'failure.log');
    const failureHook = path.join(work, 'failure.sh');
    writeFileSync(failureHook, `#!/bin/sh\necho "$ACMECLI_RESULT|$ACMECLI_PRIMARY_ACME_URL|$ACMECLI_FALLBACK_ACME_URL|$ACMECLI_ERROR_TYPE" >> '${log}'\n`, { mode: 0o755 });
    const out = path.join(work, 'out');
    await primary.stop();

    const issued = await run(['-a', primary.directoryUrl, 'cert', 'issue', '-d', 'fallback.example.com', '--hook', hook.path, '--dns-resolver', pebbleB.dnsServer, '--out', out, '--agree-tos',
      '--fallback-acme-url', fallback.directoryUrl, '--failure-hook', failureHook, '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const first = issued.json<IssueJson>().lineages[0]!;
    expect(first).toMatchObject({ status: 'issued', issuedBy: fallback.directoryUrl, fallback: { from: primary.directoryUrl, to: fallback.directoryUrl, error: { type: 'NETWORK' } } });
    expect(await signedBy(first.files!.certificate)).toBe('B');
    expect(readFileSync(log, 'utf8')).toBe(`fallback|${primary.directoryUrl}|${fallback.directoryUrl}|NETWORK\n`);
    const listed = await run(['cert', 'list', '--json']);
    expect(listed.json<{ lineages: { issuedBy: string; fallbackUsed: boolean; settings: { fallbackAcmeUrls: string[] } }[] }>().lineages[0]).toMatchObject({
      issuedBy: fallback.directoryUrl, fallbackUsed: true, settings: { fallbackAcmeUrls: [fallback.directoryUrl] },
    });

    // Still down: the fallback issues again, and since it issued the current certificate, it (alone) gets `replaces`.
    const again = await run(['cert', 'renew', '--all', '--force', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<IssueJson>().lineages[0]!.issuedBy).toBe(fallback.directoryUrl);
    const ordersAtFallback = fallback.orders.filter((o) => o.identifiers !== undefined);
    expect(ordersAtFallback).toHaveLength(2);
    expect(ordersAtFallback[0]!.replaces).toBeUndefined();
    expect(typeof ordersAtFallback[1]!.replaces).toBe('string');

    // Back up on the same address: the primary is tried first and issues, with its account made now (the stored --agree-tos),
    // and without `replaces`, which names a certificate another CA issued (lego#3147: a 403 there).
    await startPrimary();
    const back = await run(['cert', 'renew', '--all', '--force', '--json']);
    expect(back.code, back.stderr).toBe(0);
    const renewed = back.json<IssueJson>().lineages[0]!;
    expect(renewed.issuedBy).toBe(primary.directoryUrl);
    expect(renewed.fallback).toBeUndefined();
    expect(await signedBy(renewed.files!.certificate)).toBe('A');
    expect(newOrdersAtPrimary).toHaveLength(1);
    expect(newOrdersAtPrimary[0]!.replaces).toBeUndefined();
    expect(fallback.orders.filter((o) => o.identifiers !== undefined)).toHaveLength(2);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
    const list = await run(['cert', 'list', '--json']);
    expect(list.json<{ lineages: { issuedBy: string; fallbackUsed: boolean }[] }>().lineages[0]).toMatchObject({ issuedBy: primary.directoryUrl, fallbackUsed: false });
  });

  test('a failure that is the user\'s does not fall back', async () => {
    const hook = path.join(work, 'declines.sh');
    writeFileSync(hook, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const before = fallback.orders.length;
    const r = await run(['-a', primary.directoryUrl, 'cert', 'issue', '-d', 'nosolver.example.com', '--hook', hook, '--out', path.join(work, 'out2'), '--agree-tos',
      '--fallback-acme-url', fallback.directoryUrl, '--json']);
    expect(r.code).not.toBe(0);
    expect(fallback.orders.length).toBe(before);
  });

  test('--fallback-eab-kid without a --fallback-acme-url before it is a usage error', async () => {
    const r = await run(['cert', 'issue', '-d', 'x.example.com', '--fallback-eab-kid', 'kid', '--fallback-acme-url', fallback.directoryUrl]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^acmecli: --fallback-eab-kid belongs to a --fallback-acme-url: give that first/);
  });
});
