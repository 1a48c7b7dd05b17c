// When to renew. Pure: no clock inside (`now` is passed in), no IO, so every rule is tested with tables.
import { hash } from 'node:crypto';
import { BadResponseError, UsageError } from '../errors.js';

const DAY_MS = 86_400_000;

/** `--renew-days`: renew this many days before notAfter, at a stable point inside the range. */
export interface RenewDays {
  minDays: number;
  maxDays: number;
}

/**
 * Reads `--renew-days`: one number of days ("30") or a range ("20-30"),
 * positive whole numbers with min ≤ max.
 *
 * @throws UsageError (code `USAGE`) naming the value.
 */
export function parseRenewDays(text: string): RenewDays {
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  const bad = (reason: string) => new UsageError(`invalid renew days "${text}": ${reason}`);
  if (match === null) throw bad('give a number of days ("30") or a range of days ("20-30")');
  const minDays = Number(match[1]);
  const maxDays = match[2] === undefined ? minDays : Number(match[2]);
  if (minDays < 1) throw bad('days must be 1 or more');
  if (minDays > maxDays) throw bad(`the range must go from the smaller number to the larger ("${maxDays}-${minDays}")`);
  return { minDays, maxDays };
}

/**
 * A number in [0, 1) from the first 48 bits of SHA-256(seed): random-looking
 * across certificates, so a fleet does not renew in the same hour, and the same
 * for one certificate, so every cron run of it agrees. Seed with the
 * certificate's SHA-256 fingerprint.
 */
export function stableFraction(seed: string): number {
  // One-shot hash: `cert list` and `cert renew --all` ask this of every lineage, and a Hash object each costs more.
  return hash('sha256', seed, 'buffer').readUIntBE(0, 6) / 2 ** 48;
}

/**
 * When to renew without ARI. With f = stableFraction(seed) and lifetime
 * L = notAfter − notBefore:
 *
 * 1. Normally: notAfter − (minDays + f × (maxDays − minDays)) days, so a 90-day
 *    certificate with 20-30 renews between day 60 and day 70.
 * 2. Short-lived: when L ≤ maxDays days, or when rule 1 would fall before
 *    notBefore + 50 % of L, renew at notBefore + (50 % + f × 25 %) of L instead
 *    (ACME Manager's rule), so a 6-day certificate renews between day 3 and day 4.5
 *    rather than at once, and a renewal is never scheduled for the first half of a
 *    certificate's life.
 *
 * @throws BadResponseError (code `BAD_RESPONSE`) when notAfter is not after notBefore.
 */
export function renewalTimeFromWindow(input: { notBefore: Date; notAfter: Date; renewDays: RenewDays; seed: string }): Date {
  const { notBefore, notAfter, renewDays, seed } = input;
  const lifetimeMs = notAfter.getTime() - notBefore.getTime();
  if (!(lifetimeMs > 0)) throw new BadResponseError('the certificate\'s notAfter is not after its notBefore');
  const f = stableFraction(seed);
  const daysBefore = renewDays.minDays + f * (renewDays.maxDays - renewDays.minDays);
  const fromWindowMs = notAfter.getTime() - daysBefore * DAY_MS;
  const halfLifeMs = notBefore.getTime() + lifetimeMs / 2;
  const isShortLived = lifetimeMs <= renewDays.maxDays * DAY_MS || fromWindowMs < halfLifeMs;
  return new Date(isShortLived ? notBefore.getTime() + lifetimeMs * (0.5 + 0.25 * f) : fromWindowMs);
}

/** RFC 9773 §4.2 renewalInfo response, with Dates. */
export interface RenewalInfo {
  suggestedWindow: { start: Date; end: Date };
  /** A page where the CA explains the window (e.g. a revocation notice), to show people. */
  explanationURL: string | undefined;
}

/** RFC 3339 §5.6 date-time (`T` or `t`, `Z` or an offset); Date.parse alone also takes other formats. */
const RFC3339_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Checks a renewalInfo response body (RFC 9773 §4.2): `suggestedWindow` with
 * RFC 3339 `start` and `end`, start before end; `explanationURL` kept when it is a string.
 *
 * @throws BadResponseError (code `BAD_RESPONSE`) naming what is wrong.
 */
export function parseRenewalInfo(body: unknown): RenewalInfo {
  const bad = (reason: string) => new BadResponseError(`the CA's renewal information is invalid: ${reason}`);
  if (!isObject(body)) throw bad('it is not a JSON object');
  const window = body.suggestedWindow;
  if (!isObject(window)) throw bad('it has no suggestedWindow object');
  const start = parseDateTime(window.start);
  const end = parseDateTime(window.end);
  if (start === undefined) throw bad('suggestedWindow.start is not an RFC 3339 date-time');
  if (end === undefined) throw bad('suggestedWindow.end is not an RFC 3339 date-time');
  if (start.getTime() >= end.getTime()) throw bad('suggestedWindow.end is not after suggestedWindow.start');
  const { explanationURL } = body;
  if (explanationURL !== undefined && typeof explanationURL !== 'string') throw bad('explanationURL is not a string');
  return { suggestedWindow: { start, end }, explanationURL };
}

/**
 * Why a CA's ARI window cannot be meant for this certificate, or undefined when
 * it can. A window that ends after notAfter would let the certificate expire
 * (issue 8: a 2099 window for a 2031 certificate); one that starts before
 * notBefore asks to renew a certificate before it existed. A window in the past
 * that lies within the certificate's life is RFC 9773 §4.2's "renew now" and is
 * fine. Pure; the caller warns and falls back to the local window.
 */
export function ariWindowProblem(window: { start: Date; end: Date }, certificate: { notBefore: Date; notAfter: Date }): string | undefined {
  const { start, end } = window;
  if (!Number.isFinite(start.getTime()) || !Number.isFinite(end.getTime())) return 'is not two dates';
  if (end.getTime() <= start.getTime()) return 'ends before it starts';
  if (end.getTime() > certificate.notAfter.getTime()) return `ends after the certificate expires (${certificate.notAfter.toISOString()})`;
  if (start.getTime() < certificate.notBefore.getTime()) return `starts before the certificate was issued (${certificate.notBefore.toISOString()})`;
  return undefined;
}

/**
 * RFC 9773 §4.2, the recommended algorithm's step 2: "Select a uniformly random
 * time within the suggested window." `random` is in [0, 1), e.g. Math.random(),
 * passed in so this stays pure. Step 3 (a time in the past means renew now) is isDue.
 */
export function renewalTimeFromAri(input: { start: Date; end: Date; random: number }): Date {
  const { start, end, random } = input;
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  if (end.getTime() < start.getTime()) throw new RangeError('the window ends before it starts');
  return new Date(start.getTime() + random * (end.getTime() - start.getTime()));
}

/** Whether the renewal time has come (a time already past means renew now). */
export function isDue(renewAt: Date, now: Date): boolean {
  return now.getTime() >= renewAt.getTime();
}

function parseDateTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const match = RFC3339_DATE_TIME.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number) as [number, number, number, number, number];
  // Date.parse rolls 2025-02-30 over to March and takes 24:00; RFC 3339 §5.7 allows neither.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59) return undefined;
  const ms = Date.parse(value.toUpperCase());
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
