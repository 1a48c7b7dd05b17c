/**
 * RFC 2136 dynamic update, signed with TSIG (RFC 8945): BIND, Knot, PowerDNS, NSD
 * behind a primary, Windows DNS. Configured with lego's variable names, so a lego
 * user's environment works unchanged, or with a BIND key file (`--tsig-key-file`,
 * what `nsupdate -k` reads).
 */
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { ipAddressVersion } from '../net/ip-address.js';

import { DnsError, NetworkError, TimeoutError, UsageError } from '../errors.js';
import { exchange, formatServer, newMessageId, parseServer, type DnsServer } from './client.js';
import type { DnsProvider, TxtRecordTarget } from './provider.js';
import { TSIG_ALGORITHMS, decodeSecret, parseBindKeyFile, parseTsigAlgorithm, signRequest, verifyResponse, type TsigKey } from './tsig.js';
import { OPCODE, RR_CLASS, RR_TYPE, encodeMessage, rcodeName, rcodeOf, txtRdata, type DnsMessage, type ResourceRecord } from './wire.js';

export interface Rfc2136Options {
  /** The environment holding RFC2136_* (read here, never passed on). */
  env: Readonly<Record<string, string | undefined>>;
  /** `--tsig-key-file`: a BIND key file; wins over RFC2136_TSIG_KEY/_SECRET/_ALGORITHM. */
  tsigKeyFile?: string | undefined;
  /** Where relative paths start. */
  cwd: string;
  onWarning: (message: string) => void;
  /** For tests: the clock, in seconds. */
  now?: () => number;
}

export interface Rfc2136Settings {
  server: DnsServer;
  key: TsigKey | undefined;
  ttl: number;
  dnsTimeoutMs: number;
  /** RFC2136_PROPAGATION_TIMEOUT and RFC2136_POLLING_INTERVAL, for the propagation check when no option overrides them. */
  propagationTimeoutMs?: number;
  pollingIntervalMs?: number;
}

/** lego's defaults (providers/dns/rfc2136): TTL 120 s, DNS timeout 10 s, hmac-sha1 when no algorithm is named. */
const DEFAULT_TTL = 120;
const DEFAULT_DNS_TIMEOUT_S = 10;
const LEGO_DEFAULT_ALGORITHM = 'hmac-sha1';

/**
 * Reads an RFC2136_* variable, or the file its `_FILE` twin names (lego's convention,
 * which keeps the secret out of the environment).
 */
async function variable(env: Rfc2136Options['env'], name: string): Promise<string | undefined> {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file) throw new UsageError(`set ${name} or ${name}_FILE, not both`);
  if (file) {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (err) {
      throw new UsageError(`cannot read ${name}_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return direct === '' ? undefined : direct;
}

function seconds(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) throw new UsageError(`${name} must be a whole number of seconds, not ${JSON.stringify(text)}`);
  return Number(text);
}

async function resolveServer(text: string): Promise<DnsServer> {
  const trimmed = text.trim();
  // lego takes "host" or "host:port", where host may be a name.
  const named = /^([A-Za-z0-9.-]*[A-Za-z][A-Za-z0-9.-]*)(?::(\d+))?$/.exec(trimmed);
  if (named && ipAddressVersion(named[1]!) === 0) {
    const address = await lookup(named[1]!).catch(() => undefined);
    if (!address) throw new UsageError(`RFC2136_NAMESERVER ${JSON.stringify(text)}: cannot resolve ${named[1]}`);
    return parseServer(address.family === 6 ? `[${address.address}]:${named[2] ?? 53}` : `${address.address}:${named[2] ?? 53}`, 'RFC2136_NAMESERVER');
  }
  return parseServer(trimmed, 'RFC2136_NAMESERVER');
}

/** Everything RFC2136_* and --tsig-key-file say, checked. Throws UsageError (never quoting the secret). */
export async function readRfc2136Settings(options: Rfc2136Options): Promise<Rfc2136Settings> {
  const { env } = options;
  const nameserver = await variable(env, 'RFC2136_NAMESERVER');
  if (!nameserver) throw new UsageError('--dns rfc2136 needs RFC2136_NAMESERVER (the primary server, HOST or HOST:PORT)');
  const server = await resolveServer(nameserver);

  let key: TsigKey | undefined;
  let algorithmText: string | undefined;
  if (options.tsigKeyFile) {
    const path = options.tsigKeyFile;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --tsig-key-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let parsed;
    try {
      parsed = parseBindKeyFile(text);
    } catch (err) {
      throw new UsageError(`--tsig-key-file ${path}: ${(err as Error).message}`);
    }
    algorithmText = parsed.algorithm;
    const algorithm = parseTsigAlgorithm(parsed.algorithm);
    if (!algorithm) throw new UsageError(`--tsig-key-file ${path}: algorithm ${parsed.algorithm} is not supported; use one of ${Object.keys(TSIG_ALGORITHMS).join(', ')}`);
    key = { name: parsed.name, algorithm, secret: parsed.secret };
  } else {
    const name = await variable(env, 'RFC2136_TSIG_KEY');
    const secret = await variable(env, 'RFC2136_TSIG_SECRET');
    algorithmText = await variable(env, 'RFC2136_TSIG_ALGORITHM');
    if ((name === undefined) !== (secret === undefined)) throw new UsageError('set both RFC2136_TSIG_KEY and RFC2136_TSIG_SECRET, or neither (for a server that allows unsigned updates)');
    if (name !== undefined && secret !== undefined) {
      const algorithm = parseTsigAlgorithm(algorithmText ?? LEGO_DEFAULT_ALGORITHM);
      if (!algorithm) throw new UsageError(`RFC2136_TSIG_ALGORITHM ${JSON.stringify(algorithmText)} is not supported; use one of ${Object.keys(TSIG_ALGORITHMS).join(', ')}`);
      let bytes: Uint8Array;
      try {
        bytes = decodeSecret(secret);
      } catch (err) {
        throw new UsageError(`RFC2136_TSIG_SECRET: ${(err as Error).message}`);
      }
      key = { name, algorithm, secret: bytes };
    }
  }
  if (key?.algorithm === 'hmac-sha1') {
    options.onWarning(`TSIG key ${key.name} uses hmac-sha1${algorithmText ? '' : " (lego's default when RFC2136_TSIG_ALGORITHM is unset)"}; prefer hmac-sha256 (tsig-keygen -a hmac-sha256)`);
  }
  const ttl = seconds(await variable(env, 'RFC2136_TTL'), 'RFC2136_TTL') ?? DEFAULT_TTL;
  const dnsTimeoutMs = (seconds(await variable(env, 'RFC2136_DNS_TIMEOUT'), 'RFC2136_DNS_TIMEOUT') ?? DEFAULT_DNS_TIMEOUT_S) * 1000;
  const propagation = seconds(await variable(env, 'RFC2136_PROPAGATION_TIMEOUT'), 'RFC2136_PROPAGATION_TIMEOUT');
  const polling = seconds(await variable(env, 'RFC2136_POLLING_INTERVAL'), 'RFC2136_POLLING_INTERVAL');
  // Accepted so a lego environment works unchanged; acmecli needs no pause between the
  // updates for one name, since each adds or deletes one exact record.
  seconds(await variable(env, 'RFC2136_SEQUENCE_INTERVAL'), 'RFC2136_SEQUENCE_INTERVAL');
  return {
    server, key, ttl, dnsTimeoutMs,
    ...(propagation !== undefined ? { propagationTimeoutMs: propagation * 1000 } : {}),
    ...(polling !== undefined ? { pollingIntervalMs: polling * 1000 } : {}),
  };
}

/** RFC 2136 §2.5.1 (add to an RRset) and §2.5.4 (delete one RR from an RRset). */
export function buildUpdate(id: number, zone: string, change: 'add' | 'delete', record: { fqdn: string; value: string }, ttl: number): DnsMessage {
  const rr: ResourceRecord = change === 'add'
    ? { name: record.fqdn, type: RR_TYPE.TXT, class: RR_CLASS.IN, ttl, data: txtRdata(record.value) }
    : { name: record.fqdn, type: RR_TYPE.TXT, class: RR_CLASS.NONE, ttl: 0, data: txtRdata(record.value) };
  return {
    id,
    flags: OPCODE.UPDATE << 11,
    questions: [{ name: zone, type: RR_TYPE.SOA, class: RR_CLASS.IN }], // the Zone section
    answers: [], // no prerequisites
    authorities: [rr], // the Update section
    additionals: [],
  };
}

export class Rfc2136 {
  readonly settings: Rfc2136Settings;
  readonly #now: () => number;

  constructor(settings: Rfc2136Settings, now: () => number = () => Date.now() / 1000) {
    this.settings = settings;
    this.#now = now;
  }

  /**
   * Sends one update and checks the reply: its RCODE, the server's TSIG error, and
   * the reply's own signature. Throws one line naming the zone and the server.
   */
  async send(message: DnsMessage, zone: string, what: string, signal?: AbortSignal): Promise<void> {
    const { server, key } = this.settings;
    const where = `zone ${zone} at ${formatServer(server)}`;
    const bytes = encodeMessage(message);
    const signed = key ? signRequest(bytes, key, this.#now()) : undefined;
    let reply;
    try {
      reply = await exchange(server, { bytes: signed?.bytes ?? bytes, id: message.id, flags: message.flags, question: message.questions[0] }, {
        timeoutMs: Math.min(this.settings.dnsTimeoutMs, 5_000),
        attempts: Math.max(1, Math.ceil(this.settings.dnsTimeoutMs / 5_000)),
        signal,
      });
    } catch (err) {
      if (err instanceof TimeoutError || err instanceof NetworkError) throw new DnsError(`DNS update (${what}) of ${where} failed: ${err.message}`, { cause: err });
      throw err;
    }
    const rcode = rcodeOf(reply.flags);
    const tsig = key && signed ? verifyResponse(reply, signed, key, this.#now()) : undefined;
    if (tsig && !tsig.ok && tsig.reason === 'server-error') {
      const why = tsig.error === 'BADKEY' ? `the server does not know key ${key!.name} (${key!.algorithm})`
        : tsig.error === 'BADSIG' ? `the signature does not verify: wrong secret or algorithm for key ${key!.name}`
        : tsig.error === 'BADTIME' ? `our clock and the server's differ by more than 5 minutes${tsig.serverTime !== undefined ? ` (server time ${new Date(tsig.serverTime * 1000).toISOString()})` : ''}`
        : 'the server rejected our TSIG signature';
      throw new DnsError(`DNS update (${what}) of ${where} refused: ${rcodeName(rcode)}, TSIG ${tsig.error}: ${why}`);
    }
    if (rcode !== 0) {
      const hint = rcode === 5 ? (key ? `: the update policy does not let key ${key.name} change ${message.authorities[0]?.name ?? 'this name'}` : ': the server wants a TSIG key (set RFC2136_TSIG_KEY and RFC2136_TSIG_SECRET, or --tsig-key-file)')
        : rcode === 9 ? `: the server is not authoritative (primary) for ${zone}`
        : rcode === 10 ? `: ${message.authorities[0]?.name ?? 'the name'} is not in zone ${zone}`
        : '';
      throw new DnsError(`DNS update (${what}) of ${where} refused: ${rcodeName(rcode)}${hint}`);
    }
    // A success we cannot tie to our key proves nothing: someone else may have answered.
    if (tsig && !tsig.ok) throw new DnsError(`DNS update (${what}) of ${where}: the reply ${tsig.reason === 'unsigned' ? 'is not signed' : `has a bad signature (${tsig.detail})`}, so it cannot be trusted`);
  }

  add(record: TxtRecordTarget, signal?: AbortSignal): Promise<void> {
    return this.send(buildUpdate(newMessageId(), record.zone, 'add', record, this.settings.ttl), record.zone, `add TXT ${record.fqdn}`, signal);
  }

  remove(record: TxtRecordTarget): Promise<void> {
    return this.send(buildUpdate(newMessageId(), record.zone, 'delete', record, 0), record.zone, `delete TXT ${record.fqdn}`);
  }
}

/** The provider: settings read (and checked) at prepare(), each challenge one add and one exact delete. */
export function createRfc2136Provider(options: Rfc2136Options): DnsProvider & { settings(): Promise<Rfc2136Settings> } {
  let ready: Promise<Rfc2136> | undefined;
  const client = (): Promise<Rfc2136> => {
    ready ??= readRfc2136Settings(options).then((s) => new Rfc2136(s, options.now)).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  return {
    name: 'rfc2136',
    async prepare() {
      await client();
    },
    async settings() {
      return (await client()).settings;
    },
    async authoritativeServer() {
      return (await client()).settings.server;
    },
    async present(record, signal) {
      await (await client()).add(record, signal);
    },
    async cleanup(record) {
      await (await client()).remove(record);
    },
  };
}
