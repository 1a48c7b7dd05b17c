/**
 * dns-01 and dns-account-01 through a DnsProvider: follow the CNAME delegation of
 * the challenge name, find the zone (SOA walk, or --dns-zone), have the provider add
 * the TXT, wait until every authoritative server serves it, and afterwards have the
 * provider remove exactly that record, whether validation passed or failed.
 */
import type { PollClock } from '../acme/poll.js';
import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import { DnsError } from '../errors.js';
import { formatServer, type DnsServer } from './client.js';
import { findZone, followCnames } from './lookup.js';
import { DEFAULT_PROPAGATION_TIMEOUT_MS } from './propagation-timeout.js';
import { asDnsError, lookupServers, namedServer, waitForPropagation, zoneServers, type NamedServer } from './propagation.js';
import type { DnsProvider, TxtRecordTarget } from './provider.js';
import { canonicalName } from './wire.js';

export interface DnsProviderSolverOptions {
  provider: DnsProvider;
  /** --dns-zone: the zone every record goes in; no SOA walk. */
  zone?: string | undefined;
  /**
   * --dns-resolver: the server(s) asked for CNAMEs and SOAs, and the only ones the
   * propagation check asks. Default: the system's resolvers for lookups, and the
   * zone's own name servers for the check.
   */
  resolvers?: readonly DnsServer[] | undefined;
  /** The propagation check: how long to wait (default 120 s) and how often to ask; false after --no-dns-check. */
  check?: { timeoutMs?: number | undefined; intervalMs?: number | undefined } | false | undefined;
  onInfo?: (message: string) => void;
  /** A record that could not be removed: the run goes on, the user must hear of it. */
  onWarning?: (message: string) => void;
  /** The clock the rounds are timed on (--dns-timeout, the pauses between rounds); the system's unless a test moves time instead of waiting. */
  pollClock?: PollClock | undefined;
}

const DNS_TYPES = new Set(['dns-01', 'dns-account-01']);

export function createDnsProviderSolver(options: DnsProviderSolverOptions): ChallengeSolver {
  const { provider } = options;
  const records = new Map<ChallengeTask, TxtRecordTarget>();
  const lookup = (): Promise<readonly DnsServer[]> => lookupServers(options.resolvers ?? []);

  /** Records whose zone only the provider's own server could show: the check asks that server. */
  const onlyAtPrimary = new Map<TxtRecordTarget, DnsServer>();

  const locate = async (task: ChallengeTask): Promise<TxtRecordTarget> => {
    const explicit = Boolean(options.resolvers?.length);
    try {
      return await locateWith(task, await lookup());
    } catch (err) {
      const own = explicit ? undefined : await provider.authoritativeServer?.();
      if (own === undefined) throw err;
      // A private zone: the system's resolvers do not know it, the primary we write to does.
      const record = await locateWith(task, [own]).catch(() => {
        throw err;
      });
      onlyAtPrimary.set(record, own);
      options.onInfo?.(`zone ${record.zone} is not visible through the system's resolvers; looking it up and checking it at ${formatServer(own)} (choose with --dns-resolver)`);
      return record;
    }
  };

  const locateWith = async (task: ChallengeTask, servers: readonly DnsServer[]): Promise<TxtRecordTarget> => {
    const txt = task.txt!;
    const challengeName = canonicalName(txt.name);
    const delegated = await provider.targetOf?.(challengeName, task.identifier.value, { followCnames: (name) => followCnames(name, servers) });
    const fqdn = delegated ?? await followCnames(challengeName, servers).catch((err: unknown) => { throw asDnsError(err, `looking up a CNAME at ${challengeName}`); });
    const zone = options.zone !== undefined ? canonicalName(options.zone) : await findZone(fqdn, servers).catch((err: unknown) => { throw asDnsError(err, `finding the zone of ${fqdn}`); });
    if (fqdn !== zone && !fqdn.endsWith(`.${zone}`)) throw new DnsError(`${fqdn} is not in zone ${zone} (--dns-zone)`);
    if (fqdn !== challengeName) options.onInfo?.(`${challengeName} is a CNAME: writing the record at ${fqdn} (zone ${zone})`);
    return { fqdn, value: txt.value, zone, challengeName, domain: task.identifier.value, token: task.token, keyAuthorization: task.keyAuthorization };
  };

  const checkServers = async (record: TxtRecordTarget): Promise<NamedServer[]> => {
    if (options.resolvers?.length) return options.resolvers.map((s) => namedServer(s));
    const primary = onlyAtPrimary.get(record);
    if (primary !== undefined) return [namedServer(primary)];
    return zoneServers(record.zone, await lookup());
  };

  return {
    name: `dns-${provider.name}`,
    canAnswer: (type, identifier) => DNS_TYPES.has(type) && identifier.type === 'dns',
    prepare: () => provider.prepare(),
    async begin(task, signal) {
      const record = await locate(task);
      try {
        await provider.present(record, signal);
      } catch (err) {
        throw asDnsError(err, `${provider.name}: adding TXT ${record.fqdn}`);
      }
      records.set(task, record);
      return 'accepted';
    },
    async waitUntilReady(task, signal) {
      const record = records.get(task);
      const check = options.check ?? {};
      if (record === undefined || check === false) return;
      const servers = await checkServers(record);
      await waitForPropagation({
        fqdn: record.fqdn,
        value: record.value,
        servers,
        timeoutMs: check.timeoutMs ?? DEFAULT_PROPAGATION_TIMEOUT_MS,
        ...(check.intervalMs !== undefined ? { intervalMs: check.intervalMs } : {}),
        signal,
        onWaiting: (lacking) => options.onInfo?.(`waiting for TXT ${record.fqdn} on ${lacking.join(', ')}`),
        pollClock: options.pollClock,
      });
    },
    async end(task) {
      const record = records.get(task);
      if (record === undefined) return;
      records.delete(task);
      onlyAtPrimary.delete(record);
      try {
        await provider.cleanup(record);
      } catch (err) {
        // end runs in a finally: this must not hide how the challenge went, but a record left behind must be told.
        options.onWarning?.(`${asDnsError(err, `${provider.name}: removing TXT ${record.fqdn}`).message}; remove it by hand`);
      }
    },
  };
}
