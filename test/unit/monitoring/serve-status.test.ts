import { describe, expect, test } from 'vitest';
import { judgeServedCertificate, type KnownVersion } from '../../../src/monitoring/serve-status.js';
import { formatServeEndpoint, parseServeEndpoint, serverNameFor } from '../../../src/monitoring/serve-endpoint.js';
import { UsageError } from '../../../src/errors.js';

const DAY = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const at = (days: number) => new Date(now.getTime() + days * DAY);
const v1: KnownVersion = { number: 1, sha256: 'aa'.repeat(32), notBefore: at(-80).toISOString(), notAfter: at(10).toISOString() };
const v2: KnownVersion = { number: 2, sha256: 'bb'.repeat(32), notBefore: at(-30).toISOString(), notAfter: at(60).toISOString() };
const served = (v: KnownVersion | { sha256: string; notBefore: string; notAfter: string }) => ({ sha256: v.sha256, notBefore: new Date(v.notBefore), notAfter: new Date(v.notAfter) });

describe('judgeServedCertificate', () => {
  test('the current version, far from its end, is ok', () => {
    expect(judgeServedCertificate(served(v2), [v1, v2], 2, now)).toMatchObject({ state: 'ok', version: 2, daysLeft: 60, warnDays: 30 });
  });
  test('an older version of the lineage is stale: the server was not reloaded', () => {
    expect(judgeServedCertificate(served(v1), [v1, v2], 2, now)).toMatchObject({ state: 'stale', version: 1 });
  });
  test('a certificate the lineage never issued is foreign', () => {
    expect(judgeServedCertificate(served({ ...v2, sha256: 'cc'.repeat(32) }), [v1, v2], 2, now).state).toBe('foreign');
  });
  test('the current version within a third of its lifetime is expiring; --warn-days overrides', () => {
    expect(judgeServedCertificate(served(v1), [v1], 1, now)).toMatchObject({ state: 'expiring', warnDays: 30 });
    expect(judgeServedCertificate(served(v1), [v1], 1, now, 5)).toMatchObject({ state: 'ok', warnDays: 5 });
  });
  test('an expired certificate is expired, whoever issued it', () => {
    const old = { sha256: 'dd'.repeat(32), notBefore: at(-100).toISOString(), notAfter: at(-1).toISOString() };
    expect(judgeServedCertificate(served(old), [v1], 1, now)).toMatchObject({ state: 'expired', daysLeft: -1 });
  });
  test('nothing read is unreachable, with the reason', () => {
    expect(judgeServedCertificate({ unreachableReason: 'ECONNREFUSED' }, [v1], 1, now)).toEqual({ state: 'unreachable', detail: 'ECONNREFUSED' });
  });
});

describe('parseServeEndpoint', () => {
  test.each([
    ['127.0.0.1:8443', { host: '127.0.0.1', port: 8443 }],
    ['www.example.com:443/Example.COM', { host: 'www.example.com', port: 443, servername: 'example.com' }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['[::1]:443/a.example', { host: '::1', port: 443, servername: 'a.example' }],
  ])('%s', (text, expected) => {
    expect(parseServeEndpoint(text)).toEqual(expected);
    expect(formatServeEndpoint(parseServeEndpoint(text))).toBe(text.replace('Example.COM', 'example.com'));
  });
  test.each(['example.com', ':443', 'example.com:0', 'example.com:65536', 'example.com:44x', '[::1:443', '[1.2.3.4]:443', '-o:443', 'a b:443', 'a.example:443/1.2.3.4', 'a.example:443/*.a.example', 'a.example:443/../x'])('refuses %j', (text) => {
    expect(() => parseServeEndpoint(text)).toThrow(UsageError);
  });
  test('SNI is the first DNS name of the lineage unless given, never an IP, never a wildcard label', () => {
    expect(serverNameFor({ host: '127.0.0.1', port: 1 }, ['192.0.2.1', '*.example.com'])).toBe('example.com');
    expect(serverNameFor({ host: '127.0.0.1', port: 1 }, ['192.0.2.1'])).toBeUndefined();
    expect(serverNameFor({ host: '127.0.0.1', port: 1, servername: 'x.example' }, ['a.example'])).toBe('x.example');
  });
});
