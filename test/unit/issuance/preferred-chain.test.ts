import { expect, test } from 'vitest';
import type { DownloadedChain } from '../../../src/acme/certificate.js';
import { chainIssuerNames } from '../../../src/certs/certificate.js';
import { AbortedError, NetworkError } from '../../../src/errors.js';
import { choosePreferredChain, MAX_ALTERNATE_CHAINS } from '../../../src/issuance/preferred-chain.js';
import { makeCertificate } from '../certs/support.js';

// Shaped like Let's Encrypt's 2021 chains: the default one reaches DST Root CA X3 through ISRG Root X1's
// cross-sign; the alternate stops at ISRG Root X1. Both contain "ISRG Root X1" as an issuer.
async function chain(...issuers: string[]): Promise<string> {
  const certs = await Promise.all(issuers.map((issuerCn, i) => makeCertificate({ issuerCn, serialNumber: (i + 1).toString(16).padStart(2, '0') })));
  return certs.join('');
}
const defaultPem = chain('R3', 'ISRG Root X1', 'DST Root CA X3');
const alternatePem = chain('R3', 'ISRG Root X1');
const topIssuerName = (pem: string) => chainIssuerNames(pem).topIssuerCommonName;

/** A CA's chains by URL; `fetched` lists the alternates asked for, in order. */
async function ca(alternates: Record<string, string | Error>): Promise<{ first: DownloadedChain; fetched: string[]; download: (url: string) => Promise<DownloadedChain> }> {
  const fetched: string[] = [];
  const first = { url: 'https://ca/cert/1', pem: await defaultPem, alternates: Object.keys(alternates) };
  const download = async (url: string): Promise<DownloadedChain> => {
    fetched.push(url);
    const answer = alternates[url];
    if (answer === undefined) throw new Error(`no chain at ${url}`);
    if (answer instanceof Error) throw answer;
    return { url, pem: answer, alternates: [] };
  };
  return { first, fetched, download };
}

test('"ISRG Root X1" picks the alternate, although the default chain also passes through it', async () => {
  const { first, fetched, download } = await ca({ 'https://ca/cert/1/1': await alternatePem });
  const warnings: string[] = [];
  expect(await choosePreferredChain(first, { preferred: 'ISRG Root X1', topIssuerName, download, onWarning: (w) => warnings.push(w) })).toEqual({ pem: await alternatePem, issuer: 'ISRG Root X1' });
  expect(fetched).toEqual(['https://ca/cert/1/1']);
  expect(warnings).toEqual([]);
});

test('the default chain when it already ends at the name, or when no name is given: no alternate is downloaded', async () => {
  const { first, fetched, download } = await ca({ 'https://ca/cert/1/1': await alternatePem });
  expect(await choosePreferredChain(first, { preferred: 'DST Root CA X3', topIssuerName, download })).toEqual({ pem: first.pem, issuer: 'DST Root CA X3' });
  // No preference: nothing is parsed (a renewal of a thousand lineages pays for each parse).
  const unread = () => {
    throw new Error('parsed without a preference');
  };
  expect(await choosePreferredChain(first, { preferred: undefined, topIssuerName: unread, download })).toEqual({ pem: first.pem });
  expect(fetched).toEqual([]);
});

test.each(['R3', 'isrg root x1', 'ISRG Root X2'])('no chain ends at %j (an intermediate, another case, another name): the default chain, and a warning', async (name) => {
  const { first, download } = await ca({ 'https://ca/cert/1/1': await alternatePem });
  const warnings: string[] = [];
  expect(await choosePreferredChain(first, { preferred: name, topIssuerName, download, onWarning: (w) => warnings.push(w) })).toEqual({ pem: first.pem, issuer: 'DST Root CA X3' });
  expect(warnings).toEqual([`no chain from the CA ends at an issuer named "${name}"; kept the default chain (DST Root CA X3)`]);
});

test('an alternate that cannot be fetched is a warning and the next one is tried; an abort stops the search', async () => {
  const { first, fetched, download } = await ca({ 'https://ca/cert/1/1': new NetworkError('connection reset'), 'https://ca/cert/1/2': await alternatePem });
  const warnings: string[] = [];
  expect((await choosePreferredChain(first, { preferred: 'ISRG Root X1', topIssuerName, download, onWarning: (w) => warnings.push(w) })).issuer).toBe('ISRG Root X1');
  expect(fetched).toEqual(['https://ca/cert/1/1', 'https://ca/cert/1/2']);
  expect(warnings).toEqual(['alternate chain https://ca/cert/1/1 could not be fetched (connection reset); kept the default chain (DST Root CA X3)']);
  const aborted = await ca({ 'https://ca/cert/1/1': new AbortedError('stopped'), 'https://ca/cert/1/2': await alternatePem });
  await expect(choosePreferredChain(aborted.first, { preferred: 'ISRG Root X1', topIssuerName, download: aborted.download })).rejects.toBeInstanceOf(AbortedError);
  expect(aborted.fetched).toEqual(['https://ca/cert/1/1']);
});

test(`a CA offering more than ${MAX_ALTERNATE_CHAINS} alternates: only the first ${MAX_ALTERNATE_CHAINS} are looked at, and it says so`, async () => {
  const other = await chain('R3', 'Other Root');
  const matching = await alternatePem;
  // The matching chain is the 8th: beyond the limit, so never downloaded.
  const offers = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`https://ca/cert/1/${i}`, i === 7 ? matching : other]));
  const { first, fetched, download } = await ca(offers);
  const warnings: string[] = [];
  expect((await choosePreferredChain(first, { preferred: 'ISRG Root X1', topIssuerName, download, onWarning: (w) => warnings.push(w) })).pem).toBe(first.pem);
  expect(fetched).toHaveLength(MAX_ALTERNATE_CHAINS);
  expect(warnings[0]).toBe(`the CA offers 8 alternate chains; looking at the first ${MAX_ALTERNATE_CHAINS} only`);
});
