import { describe, expect, test } from 'vitest';
import {
  ariWindowProblem,
  isDue,
  parseRenewDays,
  parseRenewalInfo,
  renewalTimeFromAri,
  renewalTimeFromWindow,
  stableFraction,
} from '../../../src/certs/renewal-time.js';
import { BadResponseError, UsageError } from '../../../src/errors.js';

const DAY = 86_400_000;
const T0 = new Date('2025-01-01T00:00:00Z');
const daysAfter = (start: Date, days: number) => new Date(start.getTime() + days * DAY);
/** Seeds shaped like SHA-256 fingerprints. */
const seeds = Array.from({ length: 200 }, (_, i) => `${i.toString(16).padStart(4, '0')}${'ab'.repeat(30)}`);

describe('parseRenewDays', () => {
  test.each([
    ['30', { minDays: 30, maxDays: 30 }],
    ['20-30', { minDays: 20, maxDays: 30 }],
    [' 20 - 30 ', { minDays: 20, maxDays: 30 }],
    ['1', { minDays: 1, maxDays: 1 }],
    ['7-7', { minDays: 7, maxDays: 7 }],
  ])('%j → %j', (text, expected) => {
    expect(parseRenewDays(text)).toEqual(expected);
  });

  test.each([
    ['', /a number of days/],
    ['abc', /a number of days/],
    ['0', /1 or more/],
    ['0-5', /1 or more/],
    ['-5', /a number of days/],
    ['30-20', /smaller number to the larger \("20-30"\)/],
    ['1.5', /a number of days/],
    ['20-', /a number of days/],
    ['20-30-40', /a number of days/],
    ['1e3', /a number of days/],
    ['999999', /a number of days/],
  ])('%j is refused', (text, reason) => {
    expect(() => parseRenewDays(text)).toThrow(UsageError);
    expect(() => parseRenewDays(text)).toThrow(reason);
    expect(() => parseRenewDays(text)).toThrow(`"${text}"`);
  });
});

describe('stableFraction', () => {
  test('in [0, 1), the same for the same seed, different for different seeds', () => {
    const values = seeds.map(stableFraction);
    for (const value of values) expect(value >= 0 && value < 1).toBe(true);
    expect(seeds.map(stableFraction)).toEqual(values);
    expect(new Set(values).size).toBe(seeds.length);
  });

  test('spreads: 200 seeds reach every tenth of [0, 1)', () => {
    const tenths = new Set(seeds.map((seed) => Math.floor(stableFraction(seed) * 10)));
    expect([...tenths].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('is the first 48 bits of SHA-256(seed): SHA-256("abc") starts ba7816bf8f01', () => {
    expect(stableFraction('abc')).toBe(0xba7816bf8f01 / 2 ** 48);
  });
});

describe('renewalTimeFromWindow', () => {
  const cert90 = { notBefore: T0, notAfter: daysAfter(T0, 90) };

  test('90-day certificate, 20-30: between day 60 and day 70, and the same every run', () => {
    const renewDays = parseRenewDays('20-30');
    const times = seeds.map((seed) => renewalTimeFromWindow({ ...cert90, renewDays, seed }).getTime());
    for (const time of times) {
      expect(time).toBeGreaterThanOrEqual(daysAfter(T0, 60).getTime());
      expect(time).toBeLessThanOrEqual(daysAfter(T0, 70).getTime());
    }
    expect(seeds.map((seed) => renewalTimeFromWindow({ ...cert90, renewDays, seed }).getTime())).toEqual(times);
    // Spread across the window, not bunched: both halves of the 10 days are used.
    expect(times.some((time) => time < daysAfter(T0, 65).getTime())).toBe(true);
    expect(times.some((time) => time > daysAfter(T0, 65).getTime())).toBe(true);
  });

  test('exact position: notAfter − (min + f × (max − min)) days', () => {
    const seed = seeds[7] ?? '';
    const f = stableFraction(seed);
    const at = renewalTimeFromWindow({ ...cert90, renewDays: { minDays: 20, maxDays: 30 }, seed });
    expect(at.getTime()).toBeCloseTo(cert90.notAfter.getTime() - (20 + 10 * f) * DAY, -1);
  });

  test('"30": a single number is exactly 30 days before notAfter for every seed', () => {
    for (const seed of seeds.slice(0, 20)) {
      expect(renewalTimeFromWindow({ ...cert90, renewDays: parseRenewDays('30'), seed })).toEqual(daysAfter(T0, 60));
    }
  });

  test.each([
    ['6-day certificate, 20-30', 6, '20-30'],
    ['6-day certificate, 30', 6, '30'],
    ['30-day certificate, 10-30 (lifetime ≤ max days)', 30, '10-30'],
    ['45-day certificate, 20-30 (window would fall in the first half)', 45, '20-30'],
    ['1-hour-short 10-day certificate, 9', 10 - 1 / 24, '9'],
  ])('%s: between half and three quarters of the lifetime', (_name, lifetimeDays, text) => {
    const notAfter = daysAfter(T0, lifetimeDays);
    const times = seeds.map((seed) => renewalTimeFromWindow({ notBefore: T0, notAfter, renewDays: parseRenewDays(text), seed }).getTime());
    for (const time of times) {
      expect(time).toBeGreaterThanOrEqual(daysAfter(T0, lifetimeDays * 0.5).getTime());
      expect(time).toBeLessThan(daysAfter(T0, lifetimeDays * 0.75).getTime());
    }
    expect(new Set(times).size).toBeGreaterThan(100);
  });

  test('6-day certificate: between day 3 and day 4.5, at 50 % + f × 25 %', () => {
    const notAfter = daysAfter(T0, 6);
    const seed = seeds[3] ?? '';
    const at = renewalTimeFromWindow({ notBefore: T0, notAfter, renewDays: { minDays: 20, maxDays: 30 }, seed });
    expect(at.getTime()).toBeCloseTo(T0.getTime() + 6 * DAY * (0.5 + 0.25 * stableFraction(seed)), -1);
  });

  test('a 90-day certificate whose window lands exactly at half its life keeps the window rule', () => {
    const at = renewalTimeFromWindow({ ...cert90, renewDays: parseRenewDays('45'), seed: 'x' });
    expect(at).toEqual(daysAfter(T0, 45));
  });

  test('notAfter not after notBefore is a BadResponseError', () => {
    expect(() => renewalTimeFromWindow({ notBefore: T0, notAfter: T0, renewDays: parseRenewDays('30'), seed: 'x' })).toThrow(BadResponseError);
  });
});

describe('RFC 9773 §4.2 renewal information', () => {
  const body = {
    suggestedWindow: { start: '2025-01-02T04:00:00Z', end: '2025-01-03T04:00:00Z' },
    explanationURL: 'https://acme.example.com/docs/ari',
  };

  test('parseRenewalInfo reads the RFC example shape, keeping explanationURL', () => {
    expect(parseRenewalInfo(body)).toEqual({
      suggestedWindow: { start: new Date('2025-01-02T04:00:00Z'), end: new Date('2025-01-03T04:00:00Z') },
      explanationURL: 'https://acme.example.com/docs/ari',
    });
    expect(parseRenewalInfo({ suggestedWindow: body.suggestedWindow }).explanationURL).toBeUndefined();
  });

  test('RFC 3339 offsets, lowercase t/z and fractions', () => {
    const info = parseRenewalInfo({ suggestedWindow: { start: '2025-01-02t05:30:00.5+01:30', end: '2025-01-03T04:00:00.123456z' } });
    expect(info.suggestedWindow.start).toEqual(new Date('2025-01-02T04:00:00.500Z'));
    expect(info.suggestedWindow.end).toEqual(new Date('2025-01-03T04:00:00.123Z'));
  });

  test.each([
    ['not an object', 'nope', /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['an array', [], /not a JSON object/],
    ['no window', {}, /no suggestedWindow/],
    ['window not an object', { suggestedWindow: 'soon' }, /no suggestedWindow/],
    ['no start', { suggestedWindow: { end: '2025-01-03T04:00:00Z' } }, /start is not an RFC 3339/],
    ['start a number', { suggestedWindow: { start: 1735790400, end: '2025-01-03T04:00:00Z' } }, /start is not an RFC 3339/],
    ['start without time zone', { suggestedWindow: { start: '2025-01-02T04:00:00', end: '2025-01-03T04:00:00Z' } }, /start is not an RFC 3339/],
    ['end as an HTTP date', { suggestedWindow: { start: '2025-01-02T04:00:00Z', end: 'Fri, 03 Jan 2025 04:00:00 GMT' } }, /end is not an RFC 3339/],
    ['end on February 30', { suggestedWindow: { start: '2025-01-02T04:00:00Z', end: '2025-02-30T04:00:00Z' } }, /end is not an RFC 3339/],
    ['end at 24:00', { suggestedWindow: { start: '2025-01-02T04:00:00Z', end: '2025-01-02T24:00:00Z' } }, /end is not an RFC 3339/],
    ['end before start', { suggestedWindow: { start: '2025-01-03T04:00:00Z', end: '2025-01-02T04:00:00Z' } }, /end is not after/],
    ['end equal to start', { suggestedWindow: { start: '2025-01-03T04:00:00Z', end: '2025-01-03T05:00:00+01:00' } }, /end is not after/],
    ['explanationURL not a string', { ...body, explanationURL: 42 }, /explanationURL/],
  ])('%s is a BadResponseError', (_name, input, reason) => {
    expect(() => parseRenewalInfo(input)).toThrow(BadResponseError);
    expect(() => parseRenewalInfo(input)).toThrow(reason);
  });

  test('renewalTimeFromAri: a uniformly random point, start at 0, the middle at 0.5, just before end near 1', () => {
    const { start, end } = parseRenewalInfo(body).suggestedWindow;
    expect(renewalTimeFromAri({ start, end, random: 0 })).toEqual(start);
    expect(renewalTimeFromAri({ start, end, random: 0.5 })).toEqual(new Date('2025-01-02T16:00:00Z'));
    const late = renewalTimeFromAri({ start, end, random: 0.999999 });
    expect(late.getTime()).toBeLessThan(end.getTime());
    expect(late.getTime()).toBeGreaterThan(end.getTime() - 1000);
  });

  test('renewalTimeFromAri refuses a random outside [0, 1)', () => {
    const { start, end } = parseRenewalInfo(body).suggestedWindow;
    for (const random of [1, -0.1, Number.NaN]) expect(() => renewalTimeFromAri({ start, end, random })).toThrow(RangeError);
  });
});

describe('isDue', () => {
  test.each([
    ['before', '2025-03-01T00:00:00Z', '2025-02-28T23:59:59Z', false],
    ['exactly at', '2025-03-01T00:00:00Z', '2025-03-01T00:00:00Z', true],
    ['after (RFC 9773 §4.2: a time in the past means renew now)', '2025-03-01T00:00:00Z', '2025-06-01T00:00:00Z', true],
  ])('%s', (_name, renewAt, now, expected) => {
    expect(isDue(new Date(renewAt), new Date(now))).toBe(expected);
  });
});

describe('ariWindowProblem: a window that cannot be meant for the certificate is ignored', () => {
  const cert = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };
  const w = (start: string, end: string) => ({ start: new Date(start), end: new Date(end) });
  test.each([
    ['a window inside the certificate\'s life', w('2030-10-01T00:00:00Z', '2030-10-03T00:00:00Z'), undefined],
    ['a window in the past but after notBefore ("renew now", RFC 9773 §4.2)', w('2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'), undefined],
    ['a window ending exactly at notAfter', w('2030-12-01T00:00:00Z', '2031-01-01T00:00:00Z'), undefined],
    ['2099 for a certificate expiring in 2031', w('2099-01-01T00:00:00Z', '2099-01-02T00:00:00Z'), /^ends after the certificate expires \(2031-01-01T00:00:00\.000Z\)$/],
    ['one that starts inside but ends after notAfter', w('2030-12-01T00:00:00Z', '2031-02-01T00:00:00Z'), /ends after the certificate expires/],
    ['one that starts before notBefore', w('2025-12-01T00:00:00Z', '2026-06-01T00:00:00Z'), /^starts before the certificate was issued \(2026-01-01T00:00:00\.000Z\)$/],
    ['one that ends before it starts', w('2030-10-03T00:00:00Z', '2030-10-01T00:00:00Z'), /^ends before it starts$/],
    ['an empty window', w('2030-10-03T00:00:00Z', '2030-10-03T00:00:00Z'), /^ends before it starts$/],
    ['dates that are not dates', w('nonsense', '2030-10-03T00:00:00Z'), /^is not two dates$/],
  ] as const)('%s', (_name, window, expected) => {
    const problem = ariWindowProblem(window, cert);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
