// What the manager says about a certificate becomes file names, folder names and
// requests: it is checked with the configuration's own rules before any of that.
import { BadResponseError } from '../errors.js';
import { REDACTED } from '../manager/redact.js';
import type { CertificateRef, ManagerCertificate } from '../manager/types.js';
import { domainProblem, pathComponentProblem } from './config/values.js';

/** Fields that, when present, must be text: a number or object there would break comparisons later. */
/** pathComponentProblem's rule, said without quoting the value again (it may hold control characters). */
const FILE_NAME_RULE = 'must not contain "/", "\\", ".." or control characters (nor format characters such as bidi marks, nor line separators), be ".", or start or end with white space: it becomes a file name';

const TEXT_FIELDS = ['name', 'san', 'renewal_days', 'dns_challenge', 'http_challenge', 'expires', 'fingerprint', 'csr', 'labels', 'encryption', 'serial', 'key_type', 'profile'] as const;

/**
 * Why a certificate the manager listed or returned cannot be used, or undefined
 * when it can. The rules are those of client-config.yml (values.ts) and
 * docs/manager-contract.md §3.2: `domain` passes the manager's own domain check, `issuer`
 * and `name` are usable as file names (no `/`, `\`, `..` or control
 * characters), and the other fields have their wire types. The reason quotes
 * the values with control characters escaped, so it can be logged as is.
 */
export function managerEntryProblem(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return 'it is not a certificate object';
  const e = entry as Record<string, unknown>;
  if (typeof e.issuer !== 'string' || e.issuer === '') return 'it has no issuer';
  if (typeof e.domain !== 'string' || e.domain === '') return 'it has no domain';
  for (const field of TEXT_FIELDS) {
    if (e[field] !== undefined && typeof e[field] !== 'string') return `${field} is not text`;
  }
  if (e.bundle !== undefined && typeof e.bundle !== 'boolean') return 'bundle is not true or false';
  if (e.days !== undefined && !Number.isSafeInteger(e.days)) return 'days is not a whole number';
  for (const field of ['name', 'issuer', 'domain'] as const) {
    if (typeof e[field] === 'string' && e[field].includes(REDACTED)) return `${field} held a piece of this host's manager token (shown as ${REDACTED})`;
  }
  const issuerProblem = pathComponentProblem(e.issuer);
  if (issuerProblem !== undefined) return `issuer ${shown(e.issuer)} ${FILE_NAME_RULE}`;
  const name = (e.name as string | undefined) ?? '';
  const nameProblem = name === '' ? undefined : pathComponentProblem(name);
  if (nameProblem !== undefined) return `name ${shown(name)} ${FILE_NAME_RULE}`;
  const badDomain = domainProblem(e.domain);
  if (badDomain !== undefined) return `domain ${shown(e.domain)} is not a valid domain name`;
  if (e.fingerprint !== undefined && !/^[0-9a-f]{64}$/.test(e.fingerprint as string)) return 'fingerprint is not a lowercase hex SHA-256';
  return undefined;
}

/**
 * Why the owner the manager gives the token (`GET /token/self` username) cannot
 * be used, or undefined. It becomes a segment of every Vault backup path
 * (`prefix/owner/issuer/domain`), so a `..` segment would reach another
 * owner's backups, and it is in every log line. A `/` is allowed (the Go client
 * makes more path segments of it), but not `.` or `..` segments, `\` or
 * control characters.
 */
export function ownerProblem(owner: unknown): string | undefined {
  if (typeof owner !== 'string' || owner === '') return 'it is empty';
  if (/[\x00-\x1f\x7f\\]/.test(owner) || owner.split('/').some((segment) => segment === '.' || segment === '..')) {
    return `${shown(owner)} must not contain "\\", control characters, or "." or ".." between slashes: it becomes part of the Vault backup path`;
  }
  return undefined;
}

/** How a refused entry is named in a log line: its identity, quoted and escaped. */
export function describeEntry(entry: unknown): string {
  const e = (entry !== null && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
  const parts = (['name', 'issuer', 'domain'] as const).filter((k) => typeof e[k] === 'string' && e[k] !== '').map((k) => `${k}=${shown(e[k] as string)}`);
  return parts.length ? parts.join(' ') : '(no identity)';
}

/** Splits a listing into the entries that may be used and one message for each refused one. */
export function partitionManagerList(list: readonly unknown[]): { usable: ManagerCertificate[]; refused: string[] } {
  const usable: ManagerCertificate[] = [];
  const refused: string[] = [];
  for (const entry of list) {
    const problem = managerEntryProblem(entry);
    if (problem === undefined) usable.push(entry as ManagerCertificate);
    else refused.push(`refused the manager's certificate ${describeEntry(entry)}: ${problem}; nothing is written, deleted or requested for it`);
  }
  return { usable, refused };
}

/**
 * A certificate returned for a request (GET, POST, PUT) must be the one asked
 * for: a manager answering with another name, issuer or domain would have its
 * files written under that other identity. Fields the answer leaves out (the
 * manager omits empty ones) are not compared. Throws with one line when it differs.
 */
export function checkAnswerIsFor(asked: CertificateRef | { name?: string | undefined; issuer: string; domain: string }, answer: unknown, operation: string): void {
  const problem = managerEntryProblem(answer);
  if (problem !== undefined) throw new BadResponseError(`${operation}: the manager's answer was refused: ${problem}`);
  const got = answer as ManagerCertificate;
  const want = asked as { name?: string; issuer?: string; domain?: string };
  for (const field of ['name', 'issuer', 'domain'] as const) {
    const expected = want[field];
    const actual = got[field];
    if (expected === undefined || expected === '' || actual === undefined || actual === '') continue;
    if (expected !== actual) throw new BadResponseError(`${operation}: the manager answered for ${field} ${shown(actual)} instead of ${shown(expected)}; nothing was written`);
  }
}

/** JSON quoting: control and format characters (newline, ESC, C1, bidi, soft hyphen) come out as escapes, never raw. */
function shown(value: string): string {
  const quoted = JSON.stringify(value.length > 120 ? `${value.slice(0, 119)}…` : value);
  return quoted.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (c) => [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}
