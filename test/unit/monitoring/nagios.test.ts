import { describe, expect, test } from 'vitest';
import { formatPluginOutput } from '../../../src/monitoring/nagios.js';

// The monitoring-plugin output: "SERVICE STATUS - text | 'label'=value[UOM];[warn];[crit];[min];[max]".
const PLUGIN_LINE = /^ACMECLI (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+(?: \| ('[^'=]+'=-?[\d.]+;[\d.]*:?;[\d.]*:?;;)( '[^'=]+'=-?[\d.]+;[\d.]*:?;[\d.]*:?;;)*)?$/;

describe('formatPluginOutput', () => {
  test('all ok is OK (0), with perfdata per endpoint', () => {
    const out = formatPluginOutput([{ lineage: 'a.example', endpoint: '127.0.0.1:8443', state: 'ok', detail: 'version 2', daysLeft: 60, warnDays: 30 }]);
    expect(out).toEqual({ status: 0, line: "ACMECLI OK - 1 endpoint serve the current certificate | 'a.example 127.0.0.1:8443'=60;30:;0:;;" });
    expect(out.line).toMatch(PLUGIN_LINE);
  });
  test('the worst state decides: stale is WARNING, unreachable is CRITICAL', () => {
    const warn = formatPluginOutput([
      { lineage: 'a', endpoint: 'h:1', state: 'ok', detail: '', daysLeft: 50, warnDays: 30 },
      { lineage: 'b', endpoint: 'h:2', state: 'stale', detail: 'version 1 is served', daysLeft: 20, warnDays: 30 },
    ]);
    expect(warn.status).toBe(1);
    expect(warn.line).toMatch(/^ACMECLI WARNING - b at h:2 stale \(version 1 is served\) \| /);
    const crit = formatPluginOutput([
      { lineage: 'b', endpoint: 'h:2', state: 'stale', detail: 's', daysLeft: 20, warnDays: 30 },
      { lineage: 'c', endpoint: 'h:3', state: 'unreachable', detail: 'ECONNREFUSED' },
    ]);
    expect(crit.status).toBe(2);
    expect(crit.line).toMatch(/^ACMECLI CRITICAL - c at h:3 unreachable \(ECONNREFUSED\); b at h:2 stale/);
    expect(crit.line).toMatch(PLUGIN_LINE);
  });
  test('nothing to check is UNKNOWN (3)', () => {
    expect(formatPluginOutput([]).status).toBe(3);
  });
  test('a detail cannot break the one-line format or the perfdata', () => {
    const out = formatPluginOutput([{ lineage: "x'=y", endpoint: 'h:1', state: 'foreign', detail: 'a\nb|c', daysLeft: 3, warnDays: 1 }]);
    expect(out.line.split('\n')).toHaveLength(1);
    expect(out.line).toMatch(PLUGIN_LINE);
  });
});
