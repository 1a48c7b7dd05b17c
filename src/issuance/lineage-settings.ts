import { DEFAULT_CERT_KEY_TYPE } from '../certs/cert-key-types.js';
import type { DnsCheckSettings } from '../dns-providers/propagation.js';
import { DEFAULT_PROPAGATION_TIMEOUT_MS } from '../dns-providers/propagation-timeout.js';
import type { LineageConfig } from '../state/lineage-store.js';

/**
 * The one place that decides a lineage's settings when `cert issue` runs again
 * on it: an option given on the command line replaces the stored value, an
 * option left out keeps it, and a lineage that has none gets the default. An
 * empty string given for a hook (`--deploy-hook ''`) removes it. New settings
 * (issue 12: --serve-check, --failure-hook, --fallback-acme-url) need only a
 * field in LineageConfig, a default here if they have one, and a line in
 * `describeSettings`.
 */
export type GivenSettings = { [K in keyof LineageConfig]?: LineageConfig[K] | undefined };

/** The defaults of a new lineage, for the settings `cert issue` may leave out. */
export const SETTING_DEFAULTS = {
  keyType: DEFAULT_CERT_KEY_TYPE,
  reuseKey: false,
  solvers: [],
  challengeTypes: [],
  bundle: false,
  renewDays: '20-30',
} as const satisfies Partial<LineageConfig>;

/** Settings a hook-like option removes when given as the empty string. */
const CLEARABLE = ['deployHook', 'preHook', 'postHook', 'failureHook', 'caFile', 'profile', 'preferredChain', 'dnsResolver', 'dnsResolvers'] as const satisfies readonly (keyof LineageConfig)[];

/**
 * Given over stored over defaults. `outDir` and `accountKeyPath` have no
 * default here: the caller passes them (the current folder, the -k key) in
 * `given` for a new lineage.
 */
export function mergeSettings(stored: LineageConfig | undefined, given: GivenSettings & { name: string }): LineageConfig {
  const merged: Record<string, unknown> = { ...SETTING_DEFAULTS, ...(stored ?? {}) };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (value === '' && (CLEARABLE as readonly string[]).includes(key)) delete merged[key];
    else merged[key] = value;
  }
  return merged as unknown as LineageConfig;
}

/** The settings whose value differs, by name (what `cert issue` says it saved). */
export function changedSettings(stored: LineageConfig | undefined, merged: LineageConfig): string[] {
  if (!stored) return [];
  const keys = new Set([...Object.keys(stored), ...Object.keys(merged)]);
  return [...keys].filter((k) => JSON.stringify((stored as unknown as Record<string, unknown>)[k]) !== JSON.stringify((merged as unknown as Record<string, unknown>)[k])).sort();
}

/**
 * Whether the change asks for a different certificate (names, key type, CA,
 * CSR, profile), which is issued at once; any other edit (hooks, solvers,
 * output folder, window) is saved and waits for the next renewal.
 */
export function needsNewCertificate(stored: LineageConfig, merged: LineageConfig): boolean {
  const ids = (c: LineageConfig) => c.identifiers.map((i) => `${i.type}:${i.value}`).sort().join(',');
  return ids(stored) !== ids(merged) || stored.keyType !== merged.keyType || stored.directoryUrl !== merged.directoryUrl
    || (stored.csrFile ?? '') !== (merged.csrFile ?? '') || (stored.profile ?? '') !== (merged.profile ?? '');
}

/**
 * The propagation check of a lineage's dns-01 and dns-account-01 records (and of
 * dns-persist-01 when --dns-resolver or --dns-timeout is given): on unless
 * --no-dns-check, asking the --dns-resolver servers or else the zone's name servers.
 */
export function dnsCheckSettings(config: LineageConfig): DnsCheckSettings {
  return {
    enabled: config.dnsCheck !== false,
    resolvers: config.dnsResolvers ?? (config.dnsResolver ? [config.dnsResolver] : []),
    timeoutMs: config.dnsTimeoutSeconds !== undefined ? config.dnsTimeoutSeconds * 1000 : DEFAULT_PROPAGATION_TIMEOUT_MS,
    timeoutGiven: config.dnsTimeoutSeconds !== undefined,
  };
}

/** What `cert show NAME` and `cert list --json` show of a lineage's settings: no secrets are stored, so all of it. */
export function describeSettings(config: LineageConfig) {
  return {
    identifiers: config.identifiers.map((i) => i.value),
    directoryUrl: config.directoryUrl,
    caFile: config.caFile ?? null,
    accountKey: config.accountKeyPath,
    keyType: config.csrFile ? null : config.keyType,
    reuseKey: config.reuseKey,
    csr: config.csrFile ?? null,
    solvers: config.solvers.map((s) => [s.kind, s.arg, s.zone ? `zone ${s.zone}` : undefined, s.tsigKeyFile ? `key file ${s.tsigKeyFile}` : undefined].filter((w) => w !== undefined).join(' ')),
    challengeTypes: config.challengeTypes,
    dnsResolver: config.dnsResolver ?? null,
    dnsResolvers: config.dnsResolvers ?? (config.dnsResolver ? [config.dnsResolver] : []),
    dnsTimeoutSeconds: config.dnsTimeoutSeconds ?? null,
    dnsCheck: config.dnsCheck !== false,
    profile: config.profile ?? null,
    days: config.days ?? null,
    preferredChain: config.preferredChain ?? null,
    outDir: config.outDir,
    bundle: config.bundle,
    deployHook: config.deployHook ?? null,
    preHook: config.preHook ?? null,
    postHook: config.postHook ?? null,
    renewDays: config.renewDays,
    serveChecks: config.serveChecks ?? [],
    serveCheckTimeoutSeconds: config.serveCheckTimeoutSeconds ?? null,
    failureHook: config.failureHook ?? null,
    fallbackAcmeUrls: (config.fallbacks ?? []).map((f) => f.directoryUrl),
    agreeTos: Boolean(config.agreeTos),
    contact: config.contact ?? [],
  };
}
