import { Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { clearTxtRecord, getRootCertificate, setTxtRecord, startPebble, type PebbleInstance } from '../support/pebble.js';

let pebble: PebbleInstance;

beforeAll(async () => {
  pebble = await startPebble();
});

afterAll(async () => {
  await pebble?.stop();
});

function getJson(url: string, ca: Buffer): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
          } catch (error) {
            reject(error);
          }
        });
      })
      .on('error', reject);
  });
}

test('the directory is served over TLS that the generated CA verifies', async () => {
  expect(pebble.directoryUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dir$/);
  const directory = await getJson(pebble.directoryUrl, await readFile(pebble.caFile));
  expect(directory.newAccount).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
  expect(directory.newNonce).toBeTypeOf('string');
});

test('the directory is not trusted without the generated CA', async () => {
  await expect(getJson(pebble.directoryUrl, Buffer.from(''))).rejects.toThrow();
});

test('a TXT record set in pebble-challtestsrv resolves through dnsServer, and clears', async () => {
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  resolver.setServers([pebble.dnsServer]);
  const host = '_acme-challenge.harness.example.com';
  await setTxtRecord(pebble, host, 'harness-value');
  expect(await resolver.resolveTxt(host)).toEqual([['harness-value']]);
  expect(await resolver.resolve4('anything.example.com')).toEqual(['127.0.0.1']);
  await clearTxtRecord(pebble, host);
  await expect(resolver.resolveTxt(host)).rejects.toThrow();
});

test('the management API serves the issuance root', async () => {
  expect(await getRootCertificate(pebble, 0)).toContain('-----BEGIN CERTIFICATE-----');
});

test('the request log records directory fetches', async () => {
  expect(await pebble.readLog()).toMatch(/\/dir/);
});
