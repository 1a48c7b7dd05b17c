import type { ServeState } from './serve-status.js';

/** The monitoring-plugin exit statuses (Nagios plugin guidelines, also Icinga, Checkmk, Sensu). */
export const PLUGIN_STATUS = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type PluginStatus = keyof typeof PLUGIN_STATUS;

/**
 * What each state means to a monitoring system: a reload that did not happen
 * or a renewal that is late is a WARNING while the certificate still works;
 * a certificate that has expired, is not ours, or cannot be read is CRITICAL.
 */
export const STATE_SEVERITY: Record<ServeState, PluginStatus> = {
  ok: 'OK',
  expiring: 'WARNING',
  stale: 'WARNING',
  expired: 'CRITICAL',
  foreign: 'CRITICAL',
  unreachable: 'CRITICAL',
};

export interface PluginCheck {
  lineage: string;
  endpoint: string;
  state: ServeState;
  detail: string;
  daysLeft?: number | null;
  warnDays?: number | null;
}

const ORDER: PluginStatus[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

/**
 * One status line with perfdata, as a plugin prints it, and its exit status.
 * The line names the checks that are not OK (worst first); perfdata carries
 * days left per endpoint with `warn:` / `0:` ranges (alert when below).
 */
export function formatPluginOutput(checks: readonly PluginCheck[]): { line: string; status: number } {
  if (checks.length === 0) return { line: 'ACMECLI UNKNOWN - no serve checks configured (cert issue --serve-check HOST:PORT)', status: PLUGIN_STATUS.UNKNOWN };
  const worst = checks.reduce<PluginStatus>((w, c) => (ORDER.indexOf(STATE_SEVERITY[c.state]) > ORDER.indexOf(w) ? STATE_SEVERITY[c.state] : w), 'OK');
  const problems = [...checks]
    .filter((c) => c.state !== 'ok')
    .sort((a, b) => ORDER.indexOf(STATE_SEVERITY[b.state]) - ORDER.indexOf(STATE_SEVERITY[a.state]));
  const summary = problems.length === 0
    ? `${checks.length} endpoint${checks.length === 1 ? '' : 's'} serve the current certificate`
    : problems.map((c) => `${c.lineage} at ${c.endpoint} ${c.state} (${c.detail})`).join('; ');
  const perfdata = checks
    .filter((c) => c.daysLeft !== undefined && c.daysLeft !== null)
    .map((c) => `'${perfLabel(`${c.lineage} ${c.endpoint}`)}'=${c.daysLeft};${c.warnDays !== undefined && c.warnDays !== null ? `${c.warnDays}:` : ''};0:;;`)
    .join(' ');
  return { line: `ACMECLI ${worst} - ${oneLine(summary)}${perfdata ? ` | ${perfdata}` : ''}`, status: PLUGIN_STATUS[worst] };
}

/** Plugin guidelines: a label may hold anything but `=` and `'`. */
function perfLabel(text: string): string {
  return text.replace(/['=]/g, '_');
}

/** The first line is all a plugin's status may use: no line breaks or `|` from a detail. */
function oneLine(text: string): string {
  return text.replace(/[\r\n|]+/g, ' ');
}
