import { describe, expect, test } from 'vitest';
import { parseDeleteDelay, parseGoDuration, parsePrometheusDuration } from '../../../src/agent/config/durations.js';

describe('parseGoDuration (Go time.ParseDuration)', () => {
  test.each([
    ['0', 0],
    ['+0', 0],
    ['300ms', 300],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['1h1h', 7_200_000], // Go allows a unit twice
    ['90s', 90_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['1500us', 1.5],
    ['1500µs', 1.5], // U+00B5
    ['1500μs', 1.5], // U+03BC
    ['2000000ns', 2],
    ['1h2m3s4ms', 3_723_004],
    ['1.000000001s', 1_000.000001],
    ['24h', 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  test.each([
    ['', /give a number and a unit/],
    ['1d', /unknown unit "d".*Go durations have no d: write hours, such as 24h for a day/],
    ['1w', /unknown unit "w"/],
    ['10', /missing unit after "10"/],
    ['-1h', /negative durations are not allowed/],
    ['h', /expected a number at "h"/],
    ['.s', /expected a number/],
    ['1h 30m', /unknown unit "h "/],
    ['3000000h', /too long/],
  ])('%j is refused', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(message);
    try {
      parseGoDuration(text);
    } catch (err) {
      expect((err as { code: string }).code).toBe('USAGE');
      expect((err as Error).message).toContain(`invalid duration "${text}"`);
    }
  });
});

describe('parsePrometheusDuration (Prometheus model.ParseDuration)', () => {
  test.each([
    ['0', 0],
    ['0s', 0],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1y2w3d', 31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000],
    ['90m', 5_400_000],
    ['1m', 60_000],
    ['1ms', 1],
    ['1h30m', 5_400_000],
    ['1d12h30m15s500ms', 86_400_000 + 12 * 3_600_000 + 30 * 60_000 + 15_000 + 500],
  ])('%s is %d ms', (text, ms) => {
    expect(parsePrometheusDuration(text)).toBe(ms);
  });

  test.each([
    ['', /give a number and a unit/],
    ['1.5h', /expected whole numbers/],
    ['1h1d', /largest first/], // out of order
    ['1h1h', /each once/],
    ['-1d', /expected whole numbers/],
    ['10', /expected whole numbers/],
    ['1us', /expected whole numbers/],
    ['300y', /too long/],
  ])('%j is refused', (text, message) => {
    expect(() => parsePrometheusDuration(text)).toThrow(message);
  });
});

describe('parseDeleteDelay (delay_before_delete)', () => {
  test('1d is one day, where the Go client waits zero', () => {
    expect(parseDeleteDelay('1d')).toBe(86_400_000);
  });

  test('24h is the same day', () => {
    expect(parseDeleteDelay('24h')).toBe(parseDeleteDelay('1d'));
  });

  test.each([
    ['', 0],
    ['0', 0],
    ['1w', 604_800_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['500us', 0.5],
    ['1d12h', 129_600_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDeleteDelay(text)).toBe(ms);
  });

  test.each([
    ['tomorrow', 'invalid duration "tomorrow": give a duration such as 24h, 1d, 1w or 90m (units: y, w, d, h, m, s, ms, us, ns)'],
    ['1.5d', 'invalid duration "1.5d": give a duration such as 24h, 1d, 1w or 90m (units: y, w, d, h, m, s, ms, us, ns)'],
    ['-1h', 'invalid duration "-1h": negative durations are not allowed'],
  ])('%j is refused', (text, message) => {
    expect(() => parseDeleteDelay(text)).toThrow(message);
  });
});
