import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseIdentifier } from '../../../src/certs/identifiers.js';
import { CertificateRefusedError, checkIssuedCertificate, NOT_BEFORE_SKEW_MS, type IssuedCertificateExpectation } from '../../../src/certs/issued-certificate-check.js';
import { issueLeaf, makeTestCa, type LeafOptions, type TestCa } from '../../support/forged-certificates.js';

const NOW = new Date();
const DAY = 86_400_000;
const ecKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

let ca: TestCa;
let otherCa: TestCa;
let key: KeyObject;

beforeAll(async () => {
  ca = await makeTestCa('Check Test CA');
  otherCa = await makeTestCa('Another CA');
  key = ecKey();
});

function expectation(names: string[], overrides: Partial<IssuedCertificateExpectation> = {}): IssuedCertificateExpectation {
  return { key, identifiers: names.map((name) => parseIdentifier(name)), now: NOW, from: 'the CA', askedIn: 'the order', ...overrides };
}

async function leaf(options: Partial<LeafOptions>): Promise<string> {
  return issueLeaf(ca, { key, dnsNames: ['a.example'], ...options });
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(CertificateRefusedError);
    expect((err as CertificateRefusedError).code).toBe('BAD_RESPONSE');
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('the certificate was accepted');
}

test('a certificate for the key and names asked, valid now, issued by the first chain link, is accepted and re-encoded', async () => {
  const pem = await leaf({ dnsNames: ['a.example', 'www.a.example'], commonName: 'a.example' });
  const checked = checkIssuedCertificate({ certificate: `\n${pem}\n${ca.certPem}` }, expectation(['www.a.example', 'a.example']));
  expect(checked.leafPem).toBe(pem);
  expect(checked.chainPems).toEqual([ca.certPem.trimEnd() + '\n']);
});

test('the chain may come apart from the leaf (the manager\'s ca_issuer), with CRLF line ends', async () => {
  const pem = await leaf({});
  const crlf = (text: string) => text.replace(/\n/g, '\r\n');
  expect(() => checkIssuedCertificate({ certificate: crlf(pem), chain: `\r\n${crlf(ca.certPem)}` }, expectation(['a.example']))).not.toThrow();
});

test('a certificate for another public key is refused, naming the key', async () => {
  const pem = await leaf({ key: ecKey() });
  expect(refusal(() => checkIssuedCertificate({ certificate: pem + ca.certPem }, expectation(['a.example']))))
    .toBe('refused the certificate from the CA: it is for another public key than the one the order was made with');
});

describe('names: exactly the names asked, compared canonically (RFC 5280 §4.2.1.6 dNSName / iPAddress)', () => {
  const accepted: Array<[string, Partial<LeafOptions>, string[]]> = [
    ['DNS names differ only in case', { dnsNames: ['A.Example', 'WWW.a.EXAMPLE'] }, ['a.example', 'www.a.example']],
    ['order does not matter', { dnsNames: ['b.example', 'a.example'] }, ['a.example', 'b.example']],
    ['a wildcard matches the same wildcard', { dnsNames: ['*.a.example'] }, ['*.a.example']],
    ['an IPv4 address', { dnsNames: [], ipAddresses: ['192.0.2.1'] }, ['192.0.2.1']],
    ['IPv6, asked in a long form', { dnsNames: [], ipAddresses: ['2001:db8::1'] }, ['2001:DB8:0:0:0:0:0:1']],
    ['IPv6 with a zero run in the middle', { dnsNames: [], ipAddresses: ['2001:db8:0:0:1:0:0:1'] }, ['2001:db8::1:0:0:1']],
    ['DNS and IP together', { dnsNames: ['a.example'], ipAddresses: ['::1'] }, ['::1', 'a.example']],
    ['a CN that is one of the names, in another case', { dnsNames: ['a.example'], commonName: 'A.EXAMPLE' }, ['a.example']],
    ['a CN that is an IP address asked for', { dnsNames: [], ipAddresses: ['192.0.2.1'], commonName: '192.0.2.1' }, ['192.0.2.1']],
  ];
  test.each(accepted)('accepted: %s', async (_, options, asked) => {
    const pem = await leaf(options);
    expect(() => checkIssuedCertificate({ certificate: pem, chain: ca.certPem }, expectation(asked))).not.toThrow();
  });

  const refused: Array<[string, Partial<LeafOptions>, string[], string]> = [
    ['one name more', { dnsNames: ['a.example', 'evil.example'] }, ['a.example'], 'it is for names a.example, evil.example but the order was for a.example'],
    ['one name less', { dnsNames: ['a.example'] }, ['a.example', 'b.example'], 'it is for names a.example but the order was for a.example, b.example'],
    ['another name', { dnsNames: ['evil.example'] }, ['a.example'], 'it is for names evil.example but the order was for a.example'],
    ['no subjectAltName at all', { dnsNames: [], commonName: 'a.example' }, ['a.example'], 'it is for names no name at all but the order was for a.example'],
    ['a wildcard for a plain name', { dnsNames: ['*.a.example'] }, ['www.a.example'], 'it is for names *.a.example but the order was for www.a.example'],
    ['a plain name for a wildcard', { dnsNames: ['www.a.example'] }, ['*.a.example'], 'it is for names www.a.example but the order was for *.a.example'],
    ['a wildcard one level up', { dnsNames: ['*.example'] }, ['*.a.example'], 'it is for names *.example but the order was for *.a.example'],
    ['a trailing dot is another name', { dnsNames: ['a.example.'] }, ['a.example'], 'it is for names a.example. but the order was for a.example'],
    ['another IPv6 address', { dnsNames: [], ipAddresses: ['2001:db8::2'] }, ['2001:db8::1'], 'it is for names 2001:db8::2 but the order was for 2001:db8::1'],
    ['IPv4-mapped IPv6 is not the IPv4 address', { dnsNames: [], ipAddresses: ['::ffff:c000:201'] }, ['192.0.2.1'], 'it is for names ::ffff:c000:201 but the order was for 192.0.2.1'],
    ['an IP address written as a DNS name', { dnsNames: ['192.0.2.1'] }, ['192.0.2.1'], 'it is for names DNS:192.0.2.1 but the order was for 192.0.2.1'],
    ['the same name twice', { dnsNames: ['a.example', 'A.example'] }, ['a.example'], 'it is for names a.example, a.example but the order was for a.example'],
    ['an e-mail address besides', { otherNames: [{ type: 'email', value: 'root@a.example' }] }, ['a.example'], 'it also names email:root@a.example, which the order did not ask for'],
    ['a URI besides', { otherNames: [{ type: 'url', value: 'https://evil.example/' }] }, ['a.example'], 'it also names uri:https://evil.example/, which the order did not ask for'],
    ['a CN that is not among the names', { dnsNames: ['a.example'], commonName: 'evil.example' }, ['a.example'], 'its subject CN evil.example is not one of the names the order was for (a.example)'],
    ['control characters in a name are shown escaped', { dnsNames: ['a.example', 'x\u001b[2J.example'] }, ['a.example'], 'it is for names a.example, x\\x1b[2j.example but the order was for a.example'],
  ];
  test.each(refused)('refused: %s', async (_, options, asked, why) => {
    const pem = await leaf(options);
    expect(refusal(() => checkIssuedCertificate({ certificate: pem, chain: ca.certPem }, expectation(asked)))).toBe(`refused the certificate from the CA: ${why}`);
  });
});

describe('dates: notBefore ≤ now + skew, now < notAfter', () => {
  const cases: Array<[string, Date, Date, string | undefined]> = [
    ['valid now', new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + DAY), undefined],
    ['notBefore exactly now + skew', new Date(NOW.getTime() + NOT_BEFORE_SKEW_MS), new Date(NOW.getTime() + DAY), undefined],
    ['notAfter one second ahead', new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 1000), undefined],
    ['notBefore a second past the skew', new Date(NOW.getTime() + NOT_BEFORE_SKEW_MS + 1000), new Date(NOW.getTime() + DAY), 'it is not valid before'],
    ['notBefore next week', new Date(NOW.getTime() + 7 * DAY), new Date(NOW.getTime() + 90 * DAY), 'it is not valid before'],
    ['notAfter exactly now', new Date(NOW.getTime() - DAY), NOW, 'it expired at'],
    ['expired yesterday', new Date(NOW.getTime() - 90 * DAY), new Date(NOW.getTime() - DAY), 'it expired at'],
  ];
  test.each(cases)('%s', async (_, notBefore, notAfter, refusedWith) => {
    // X.509 times have whole seconds: round the edges the way the certificate will hold them.
    const pem = await leaf({ notBefore: new Date(Math.floor(notBefore.getTime() / 1000) * 1000), notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000) });
    const now = new Date(Math.floor(NOW.getTime() / 1000) * 1000);
    const run = () => checkIssuedCertificate({ certificate: pem, chain: ca.certPem }, expectation(['a.example'], { now }));
    if (refusedWith === undefined) expect(run).not.toThrow();
    else expect(refusal(run)).toContain(`refused the certificate from the CA: ${refusedWith}`);
  });

  test('the clock is the one given, not the machine\'s', async () => {
    const pem = await leaf({});
    expect(refusal(() => checkIssuedCertificate({ certificate: pem, chain: ca.certPem }, expectation(['a.example'], { now: new Date(NOW.getTime() + 100 * DAY) })))).toContain('it expired at');
  });
});

describe('chain: PEM certificates only, and the first link issued the leaf', () => {
  test('no chain at all', async () => {
    const pem = await leaf({});
    expect(refusal(() => checkIssuedCertificate({ certificate: pem }, expectation(['a.example'])))).toBe('refused the certificate from the CA: it comes without the certificate that issued it');
  });

  test('a first link that did not issue the leaf is named, with the leaf\'s issuer', async () => {
    const pem = await leaf({});
    expect(refusal(() => checkIssuedCertificate({ certificate: pem + otherCa.certPem }, expectation(['a.example']))))
      .toBe('refused the certificate from the CA: the first certificate of its chain (CN=Another CA) did not issue it (its issuer is CN=Check Test CA)');
  });

  test('the right issuer name with another key: the signature does not verify', async () => {
    const impostor = await makeTestCa('Check Test CA');
    const pem = await leaf({});
    expect(refusal(() => checkIssuedCertificate({ certificate: pem, chain: impostor.certPem }, expectation(['a.example']))))
      .toMatch(/^refused the certificate from the CA: (its signature does not verify|the first certificate of its chain \(CN=Check Test CA\) did not issue it)/);
  });

  test('the right issuer further down the chain is not enough: the first link must be it', async () => {
    const pem = await leaf({});
    expect(refusal(() => checkIssuedCertificate({ certificate: pem, chain: otherCa.certPem + ca.certPem }, expectation(['a.example'])))).toContain('did not issue it');
  });

  const junk: Array<[string, (leafPem: string) => { certificate: string; chain?: string }, string]> = [
    ['a private key after the chain', (p) => ({ certificate: p + ca.certPem + '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }), 'it holds a PRIVATE KEY block, where only certificates belong'],
    ['a private key in the separate chain', (p) => ({ certificate: p, chain: '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n' + ca.certPem }), 'its chain holds a EC PRIVATE KEY block, where only certificates belong'],
    ['text between blocks', (p) => ({ certificate: `${p}hello\n${ca.certPem}` }), 'it holds text that is not a PEM certificate after certificate 1'],
    ['text before the leaf', (p) => ({ certificate: `Subject: a.example\n${p}${ca.certPem}` }), 'it holds text that is not a PEM certificate'],
    ['RFC 1421 headers inside a block', (p) => ({ certificate: p.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n') + ca.certPem }), 'it holds text that is not a PEM certificate'],
    ['a body that is not base64', (p) => ({ certificate: p.replace(/\n[A-Za-z0-9+/]{8}/, '\n=AAAAAAA') + ca.certPem }), 'certificate 1 of it is damaged (its PEM body is not base64)'],
    ['an unterminated block', (p) => ({ certificate: p + ca.certPem.replace('-----END CERTIFICATE-----\n', '') }), 'it holds text that is not a PEM certificate after certificate 1'],
    ['nothing at all', () => ({ certificate: '  \n' }), 'it holds no certificate'],
    ['a certificate that is not X.509', () => ({ certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' + ca.certPem }), 'it cannot be parsed as an X.509 certificate'],
  ];
  test.each(junk)('%s', async (_, build, why) => {
    const pem = await leaf({});
    expect(refusal(() => checkIssuedCertificate(build(pem), expectation(['a.example'])))).toBe(`refused the certificate from the CA: ${why}`);
  });
});

test('the sender and the request are named as the caller says', async () => {
  const pem = await leaf({ dnsNames: ['evil.example'] });
  expect(refusal(() => checkIssuedCertificate({ certificate: pem, chain: ca.certPem }, expectation(['a.example'], { from: 'the manager', askedIn: 'the configuration' }))))
    .toBe('refused the certificate from the manager: it is for names evil.example but the configuration was for a.example');
});

test('the public half of the key will do', async () => {
  const pem = await leaf({});
  const { createPublicKey } = await import('node:crypto');
  expect(() => checkIssuedCertificate({ certificate: pem, chain: ca.certPem }, expectation(['a.example'], { key: createPublicKey(key) }))).not.toThrow();
});
