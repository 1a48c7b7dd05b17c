/**
 * One place that turns `--dns NAME` (and the lineage's stored options) into a
 * solver: the provider, and the check settings it brings (lego's
 * *_PROPAGATION_TIMEOUT and *_POLLING_INTERVAL) unless --dns-timeout overrides.
 */
import type { PollClock } from '../acme/poll.js';
import { UsageError } from '../errors.js';
import type { ChallengeSolver } from '../acme/solver.js';
import { parseServer } from './client.js';
import { DNS_PROVIDER_NAMES, type DnsProvider, type DnsProviderName } from './provider.js';
import { createAcmeDnsProvider } from './acme-dns.js';
import { createExecProvider } from './exec.js';
import { createRfc2136Provider } from './rfc2136.js';
import type { DnsCheckSettings } from './propagation.js';
import { createDnsProviderSolver } from './solver.js';

export interface DnsProviderContext {
  /** The whole environment, credentials included: read here, never passed to a program whole. */
  env: Readonly<Record<string, string | undefined>>;
  /** What programs we start (EXEC_PATH) get: the environment without acmecli's secrets. */
  childEnv: Readonly<Record<string, string | undefined>>;
  cwd: string;
  onInfo: (message: string) => void;
  onWarning: (message: string) => void;
  /** The clock the rounds are timed on (--dns-timeout, the pauses between rounds); the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock | undefined;
}

export interface DnsProviderSpec {
  provider: string;
  zone?: string | undefined;
  tsigKeyFile?: string | undefined;
}

export function isDnsProviderName(name: string): name is DnsProviderName {
  return (DNS_PROVIDER_NAMES as readonly string[]).includes(name);
}

/** lego's PREFIX_PROPAGATION_TIMEOUT and PREFIX_POLLING_INTERVAL (whole seconds). */
function legoCheckSettings(env: DnsProviderContext['env'], prefix: string): { timeoutMs?: number; intervalMs?: number } {
  const read = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) throw new UsageError(`${name} must be a whole number of seconds, not ${JSON.stringify(text)}`);
    return Number(text) * 1000;
  };
  const timeoutMs = read(`${prefix}_PROPAGATION_TIMEOUT`);
  const intervalMs = read(`${prefix}_POLLING_INTERVAL`);
  return { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(intervalMs !== undefined ? { intervalMs } : {}) };
}

const ENV_PREFIX: Record<DnsProviderName, string> = { rfc2136: 'RFC2136', exec: 'EXEC', 'acme-dns': 'ACME_DNS' };

function createProvider(name: DnsProviderName, spec: DnsProviderSpec, ctx: DnsProviderContext): DnsProvider {
  switch (name) {
    case 'rfc2136': return createRfc2136Provider({ env: ctx.env, tsigKeyFile: spec.tsigKeyFile, cwd: ctx.cwd, onWarning: ctx.onWarning });
    case 'exec': return createExecProvider({ env: ctx.env, childEnv: ctx.childEnv, cwd: ctx.cwd });
    case 'acme-dns': return createAcmeDnsProvider({ env: ctx.env, onInfo: ctx.onInfo, onWarning: ctx.onWarning });
  }
}

export function createDnsSolver(spec: DnsProviderSpec, ctx: DnsProviderContext, check: DnsCheckSettings): ChallengeSolver {
  if (!isDnsProviderName(spec.provider)) throw new UsageError(`unknown DNS provider ${JSON.stringify(spec.provider)}: use ${DNS_PROVIDER_NAMES.join(', ')}`);
  if (spec.tsigKeyFile !== undefined && spec.provider !== 'rfc2136') throw new UsageError('--tsig-key-file goes with --dns rfc2136');
  const fromEnv = legoCheckSettings(ctx.env, ENV_PREFIX[spec.provider]);
  return createDnsProviderSolver({
    provider: createProvider(spec.provider, spec, ctx),
    zone: spec.zone,
    resolvers: check.resolvers.map((r) => parseServer(r, '--dns-resolver')),
    check: check.enabled && { timeoutMs: check.timeoutGiven ? check.timeoutMs : fromEnv.timeoutMs ?? check.timeoutMs, intervalMs: fromEnv.intervalMs },
    onInfo: ctx.onInfo,
    onWarning: ctx.onWarning,
    pollClock: ctx.pollClock,
  });
}
