/**
 * The Prometheus text exposition format (version 0.0.4) for node_exporter's
 * textfile collector: one file per `cert renew --metrics-file`, rewritten
 * whole each run. Pure: the caller writes the text atomically.
 */
export interface LineageHealth {
  lineage: string;
  /** notAfter of the current certificate. */
  notAfter?: Date;
  lastSuccessAt?: Date;
  lastAttemptAt?: Date;
  lastAttemptOk?: boolean;
  consecutiveFailures: number;
  ariWindow?: { start: Date; end: Date };
  /** The directory URL of the CA that issued the current certificate. */
  issuerDirectory?: string;
  /** Whether the current certificate came from a fallback CA rather than the primary. */
  fallbackUsed?: boolean;
}

interface Family {
  name: string;
  help: string;
  value: (h: LineageHealth) => number | undefined;
  extraLabels?: (h: LineageHealth) => Record<string, string>;
}

const seconds = (d: Date | undefined) => (d ? Math.floor(d.getTime() / 1000) : undefined);

const FAMILIES: Family[] = [
  { name: 'acmecli_certificate_expiry_timestamp_seconds', help: 'notAfter of the lineage\'s current certificate, in Unix seconds.', value: (h) => seconds(h.notAfter) },
  { name: 'acmecli_renewal_last_success_timestamp_seconds', help: 'When a run last ended well for the lineage (issued, or not due).', value: (h) => seconds(h.lastSuccessAt) },
  { name: 'acmecli_renewal_last_attempt_timestamp_seconds', help: 'When a run last looked at the lineage.', value: (h) => seconds(h.lastAttemptAt) },
  { name: 'acmecli_renewal_last_attempt_success', help: '1 when the last run for the lineage ended well, 0 when it failed.', value: (h) => (h.lastAttemptOk === undefined ? undefined : h.lastAttemptOk ? 1 : 0) },
  { name: 'acmecli_renewal_consecutive_failures', help: 'Failed runs for the lineage since the last good one.', value: (h) => h.consecutiveFailures },
  { name: 'acmecli_ari_window_start_timestamp_seconds', help: 'Start of the CA\'s suggested renewal window (RFC 9773), when known.', value: (h) => seconds(h.ariWindow?.start) },
  { name: 'acmecli_ari_window_end_timestamp_seconds', help: 'End of the CA\'s suggested renewal window (RFC 9773), when known.', value: (h) => seconds(h.ariWindow?.end) },
  {
    name: 'acmecli_certificate_fallback_ca',
    help: '1 when the current certificate was issued by a fallback CA, 0 when by the primary.',
    value: (h) => (h.issuerDirectory === undefined ? undefined : h.fallbackUsed ? 1 : 0),
    extraLabels: (h) => ({ directory: h.issuerDirectory ?? '' }),
  },
];

export function renderMetrics(lineages: readonly LineageHealth[]): string {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const samples = lineages.flatMap((h) => {
      const value = family.value(h);
      if (value === undefined) return [];
      const labels = { lineage: h.lineage, ...family.extraLabels?.(h) };
      return [`${family.name}{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}} ${value}`];
    });
    if (samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} gauge`, ...samples);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Exposition format: backslash, double quote and line feed are escaped in label values. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
