// Checks of single values in client-config.yml. Each returns the reason a value
// is refused, or undefined; parse.ts adds the file, line and key.
import { ipAddressVersion } from '../../net/ip-address.js';

/**
 * The manager's domain check (manager-contract.md §3.2, `utils.SanitizedDomain`), so a
 * bad name fails at load instead of with a 400 on every cycle: at most 253
 * characters; labels of 1–63 letters, digits, `_` or `-`, not starting or ending
 * with `-`; only a leading `*` label; no empty label (so no trailing dot);
 * non-ASCII names must be written in punycode.
 */
export function domainProblem(domain: string): string | undefined {
  if (domain.length > 253) return `"${domain}" is longer than 253 characters`;
  if (/[^\x20-\x7e]/.test(domain)) return `"${domain}" is not ASCII: write internationalised names in punycode ("xn--…")`;
  const labels = domain.split('.');
  for (const [index, label] of labels.entries()) {
    if (label === '') return `"${domain}" has an empty label${domain.endsWith('.') ? ' (no trailing dot)' : ''}`;
    if (label === '*') {
      if (index === 0 && labels.length > 1) continue;
      return `"${domain}": "*" is allowed only as the first label of a longer name ("*.example.com")`;
    }
    if (label.length > 63) return `"${domain}": label "${label}" is longer than 63 characters`;
    if (!/^[A-Za-z0-9_-]+$/.test(label)) return `"${domain}": label "${label}" may hold only letters, digits, "_" and "-"`;
    if (label.startsWith('-') || label.endsWith('-')) return `"${domain}": label "${label}" must not start or end with "-"`;
  }
  return undefined;
}

/**
 * `san`: names separated by commas, each a domain or an IP address, with no
 * spaces: the manager compares this list with the CSR's names without trimming,
 * so `a.example, b.example` is refused there.
 */
export function sanProblem(san: string): string | undefined {
  for (const item of san.split(',')) {
    if (item === '') return `"${san}" has an empty name (a comma too many)`;
    if (item.trim() !== item) return `"${item}" has spaces: write the names separated by commas only ("a.example,b.example"), since the manager does not trim them`;
    if (ipAddressVersion(item) !== 0) continue;
    const problem = domainProblem(item);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export interface RenewalWindow {
  minDays: number;
  maxDays: number;
}

/** `renewal_days` / `cert_days_renewal`: "N" or "MIN-MAX", whole days, MIN ≤ MAX. */
export function parseRenewalWindow(text: string): RenewalWindow | string {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (match === null) return `"${text}" is not a number of days ("30") or a range of days ("20-30")`;
  const minDays = Number(match[1]);
  const maxDays = match[2] === undefined ? minDays : Number(match[2]);
  if (minDays > maxDays) return `"${text}": the range must go from the smaller number to the larger ("${maxDays}-${minDays}")`;
  return { minDays, maxDays };
}

/**
 * `labels`: `k=v,k2=v2`. An item with exactly one `=` needs a key matching
 * `^[a-zA-Z_][a-zA-Z0-9_]*$` (the Go client and the manager refuse it
 * otherwise). Other items are silently dropped by the manager: they are
 * returned as `ignored` so the caller can warn.
 */
export function checkLabels(labels: string): { problem?: string; ignored: string[] } {
  const ignored: string[] = [];
  for (const item of labels.split(',')) {
    const parts = item.split('=');
    if (parts.length !== 2) {
      ignored.push(item);
      continue;
    }
    const key = parts[0] ?? '';
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) {
      return { problem: `label key "${key}" must start with a letter or "_" and hold only letters, digits and "_"`, ignored };
    }
  }
  return { ignored };
}

/**
 * `name` and `issuer` become file names (manager-contract.md §6.7): no `/`, `\` or `..`,
 * which the manager refuses for `name` too, and not `.` (an issuer `.` is certificate_dir
 * itself). Control and format characters would make unreadable or look-alike file names, and
 * white space at either end a name that reads like another.
 */
export function pathComponentProblem(value: string): string | undefined {
  // Checked first: the messages below quote the value, which must not carry a control character to the terminal.
  if (UNSEEN_CHARACTERS.test(value)) return 'must not contain control characters, format characters (bidi marks, zero-width characters) or line separators: it is used as a file name';
  if (value.includes('/') || value.includes('\\')) return `"${value}" must not contain "/" or "\\": it is used as a file name`;
  if (value.includes('..')) return `"${value}" must not contain "..": it is used as a file name`;
  if (value === '.') return '"." is the folder itself, not a file name';
  if (value.trim() !== value) return `"${value}" must not start or end with white space: it is used as a file name`;
  return undefined;
}

/**
 * C0 and C1 controls, DEL, Unicode format characters (category Cf: bidi marks, embeddings, overrides and
 * isolates, zero-width spaces and joiners, the soft hyphen) and the line and paragraph separators: in a
 * file name they make it look like another one (`\u202e` turns `gpj.exe` round) or break a log line.
 */
const UNSEEN_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** A file extension is appended to a path: a separator in it would make folders. */
export function extensionProblem(ext: string): string | undefined {
  if (ext.includes('/') || ext.includes('\\')) return `"${ext}" must not contain "/" or "\\"`;
  if (/[\x00-\x1f\x7f]/.test(ext)) return 'must not contain control characters: it is part of a file name';
  return undefined;
}

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
