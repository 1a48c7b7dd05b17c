// The two duration grammars of client-config.yml. Pure: text in, milliseconds out.
import { UsageError } from '../../errors.js';

const NS_PER_MS = 1_000_000n;
/** Go's time.Duration is an int64 count of nanoseconds. */
const MAX_GO_DURATION_NS = 2n ** 63n - 1n;

/** time.ParseDuration's units, in nanoseconds. Both micro signs are accepted, as Go does. */
const GO_UNITS_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 MICRO SIGN
  'μs': 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: NS_PER_MS,
  s: 1_000n * NS_PER_MS,
  m: 60_000n * NS_PER_MS,
  h: 3_600_000n * NS_PER_MS,
};
const GO_UNIT_LIST = 'ns, us, µs, ms, s, m, h';

/**
 * Reads a Go duration (`time.ParseDuration`): `300ms`, `1.5h`, `2h45m`, `0`.
 * Each part is a decimal number with an optional fraction and a unit (ns, us,
 * µs, ms, s, m, h); there is no `d`. Negative durations are refused, since every
 * duration in the client configuration is a wait.
 *
 * @returns milliseconds; fractional below one millisecond (`1500us` → 1.5).
 * @throws UsageError (code `USAGE`) naming the text and what is wrong with it.
 */
export function parseGoDuration(text: string): number {
  const bad = (reason: string) => new UsageError(`invalid duration "${text}": ${reason}`);
  let rest = text;
  if (rest.startsWith('-')) throw bad('negative durations are not allowed');
  if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0;
  if (rest === '') throw bad(`give a number and a unit, such as 90s or 1h30m (units: ${GO_UNIT_LIST})`);
  let totalNs = 0n;
  while (rest !== '') {
    const part = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(rest);
    const whole = part?.[1] ?? '';
    const fraction = part?.[2] ?? '';
    const unit = part?.[3] ?? '';
    if (part === null || (whole === '' && fraction === '')) throw bad(`expected a number at "${rest}"`);
    if (unit === '') throw bad(`missing unit after "${part[0]}" (units: ${GO_UNIT_LIST})`);
    const unitNs = GO_UNITS_NS[unit];
    if (unitNs === undefined) {
      const hint = unit === 'd' || unit === 'w' || unit === 'y' ? `; Go durations have no ${unit}: write hours, such as 24h for a day` : '';
      throw bad(`unknown unit "${unit}" (units: ${GO_UNIT_LIST})${hint}`);
    }
    // Go keeps whole nanoseconds: the fraction is truncated, never rounded.
    totalNs += BigInt(whole === '' ? '0' : whole) * unitNs;
    if (fraction !== '') totalNs += (BigInt(fraction) * unitNs) / 10n ** BigInt(fraction.length);
    if (totalNs > MAX_GO_DURATION_NS) throw bad('too long (Go durations stop at about 292 years)');
    rest = rest.slice(part[0].length);
  }
  return nsToMs(totalNs);
}

/** Prometheus `model.ParseDuration` units, largest first: the order they must appear in. */
const PROMETHEUS_UNITS_MS = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;
const PROMETHEUS_PATTERN = new RegExp(`^${PROMETHEUS_UNITS_MS.map(([unit]) => `(?:(\\d+)${unit})?`).join('')}$`);
/** Prometheus refuses what does not fit an int64 of nanoseconds, as Go does. */
const MAX_PROMETHEUS_MS = Number(MAX_GO_DURATION_NS / NS_PER_MS);

/**
 * Reads a Prometheus duration (`model.ParseDuration`): whole numbers with the
 * units y (365 days), w, d, h, m, s, ms, each at most once and largest first,
 * such as `1y2w3d`, `90m` or `0`. No fractions, no sign.
 *
 * @returns milliseconds.
 * @throws UsageError (code `USAGE`) naming the text.
 */
export function parsePrometheusDuration(text: string): number {
  const bad = (reason: string) => new UsageError(`invalid duration "${text}": ${reason}`);
  if (text === '') throw bad('give a number and a unit, such as 1d or 12h');
  if (text === '0') return 0;
  const match = PROMETHEUS_PATTERN.exec(text);
  if (match === null) {
    throw bad('expected whole numbers with units y, w, d, h, m, s, ms, largest first and each once (such as 1d12h)');
  }
  let totalMs = 0;
  PROMETHEUS_UNITS_MS.forEach(([, unitMs], index) => {
    const count = match[index + 1];
    if (count !== undefined) totalMs += Number(count) * unitMs;
  });
  if (totalMs > MAX_PROMETHEUS_MS) throw bad('too long (durations stop at about 292 years)');
  return totalMs;
}

/**
 * Reads `delay_before_delete`: empty means no delay; otherwise a Prometheus
 * duration (`1d`, `1w`) or a Go duration (`1.5h`, `2h45m`), whichever grammar
 * reads it. The two agree on every unit they share (h, m, s, ms).
 *
 * Unlike the Go client: it validates this value as a Prometheus duration but
 * applies it with Go's time.ParseDuration and ignores that error, so `1d`
 * passes validation and then waits zero (the certificate is deleted on the next
 * cycle; manager-contract.md §6.5). Here `1d` is one day. Go durations with a
 * fraction (`1.5h`), which the Go client refuses, are accepted.
 *
 * @returns milliseconds.
 * @throws UsageError (code `USAGE`) when neither grammar reads the text.
 */
export function parseDeleteDelay(text: string): number {
  if (text === '') return 0;
  try {
    return parsePrometheusDuration(text);
  } catch {
    try {
      return parseGoDuration(text);
    } catch (goError) {
      if (text.startsWith('-')) throw goError;
      throw new UsageError(`invalid duration "${text}": give a duration such as 24h, 1d, 1w or 90m (units: y, w, d, h, m, s, ms, us, ns)`);
    }
  }
}

function nsToMs(ns: bigint): number {
  const wholeMs = ns / NS_PER_MS;
  const restNs = ns % NS_PER_MS;
  return Number(wholeMs) + Number(restNs) / 1e6;
}
