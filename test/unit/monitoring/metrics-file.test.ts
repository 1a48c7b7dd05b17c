import { describe, expect, test } from 'vitest';
import { renderMetrics } from '../../../src/monitoring/metrics-file.js';

describe('renderMetrics', () => {
  test('one gauge family per fact, one sample per lineage that has it', () => {
    const text = renderMetrics([
      { lineage: 'a.example', notAfter: new Date('2027-01-01T00:00:00Z'), lastSuccessAt: new Date('2026-12-01T00:00:00Z'), lastAttemptAt: new Date('2026-12-02T00:00:00Z'), lastAttemptOk: false, consecutiveFailures: 2, issuerDirectory: 'https://ca.example/dir', fallbackUsed: true },
      { lineage: 'b"\\\n', consecutiveFailures: 0, ariWindow: { start: new Date(1_000_000), end: new Date(2_000_000) } },
    ]);
    expect(text).toContain('# TYPE acmecli_certificate_expiry_timestamp_seconds gauge\nacmecli_certificate_expiry_timestamp_seconds{lineage="a.example"} 1798761600\n');
    expect(text).toContain('acmecli_renewal_last_attempt_success{lineage="a.example"} 0\n');
    expect(text).toContain('acmecli_renewal_consecutive_failures{lineage="a.example"} 2\n');
    expect(text).toContain('acmecli_renewal_consecutive_failures{lineage="b\\"\\\\\\n"} 0\n');
    expect(text).toContain('acmecli_ari_window_end_timestamp_seconds{lineage="b\\"\\\\\\n"} 2000\n');
    expect(text).toContain('acmecli_certificate_fallback_ca{lineage="a.example",directory="https://ca.example/dir"} 1\n');
    // Every line is a comment or a sample: what node_exporter's parser accepts.
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+\{(\w+="(?:[^"\\\n]|\\.)*",?)+\} -?\d+(\.\d+)?)$/);
  });
  test('no lineages, no samples', () => {
    expect(renderMetrics([])).toBe('');
  });
});
