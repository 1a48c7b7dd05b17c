import { resolve } from 'node:path';
import type { AccountCreationSteps } from '../accounts/create-account.js';
import type { AccountMemory, ResolvedAccount } from '../accounts/find-account.js';
import type { AccountKeeping } from '../accounts/rekey.js';
import type { AcmeClient } from '../acme/client.js';
import type { HttpSend } from '../net/transport.js';
import { DEFAULT_DIRECTORY_KEYWORD, resolveDirectoryUrl } from '../acme/known-directories.js';
import type { Directory } from '../acme/types.js';
import { KeyError, StateError, UsageError } from '../errors.js';
import type { AccountKey } from '../keys/account-key.js';
import { readAccountKeyFile } from '../keys/files.js';
import { jwkThumbprint } from '../keys/thumbprint.js';
import { AccountCache } from '../state/account-cache.js';
import { readNamedText } from '../state/read-file.js';
import { describeStateHomeRule, locateStateHome, type StateHome } from '../state/home.js';
import { unwritableFolderReason } from '../state/writable-folder.js';
import type { CliIO } from './io.js';
import { Output } from './output.js';
import { confirmOrFail } from './prompt.js';
import { USER_AGENT } from './version.js';

/** The options every command accepts, before or after its name. */
export interface GlobalOptions {
  acmeUrl?: string;
  key?: string;
  caFile?: string;
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
  allowHttp?: boolean;
  timeout?: string;
}

/**
 * What commands share, resolved once and only when a command asks: the directory
 * URL, the account key, the ACME client, the state directory. Environment and
 * files are read here, at the edge, and handed inward as values.
 */
export class CliContext {
  readonly io: CliIO;
  #globals: GlobalOptions = {};
  #output: Output | undefined;
  #key: Promise<AccountKey> | undefined;
  readonly #clients = new Map<string, Promise<AcmeClient>>();
  readonly #keys = new Map<string, Promise<AccountKey>>();
  readonly #closers: (() => Promise<void>)[] = [];
  /** Requests sent to CAs this run (shown with --verbose, counted by the benchmark). */
  requestCount = 0;
  #cache: AccountCache | undefined;
  /** Injected by tests and stand-ins; the network transport (src/net/transport.ts) otherwise. */
  sendOverride: HttpSend | undefined;

  constructor(io: CliIO) {
    this.io = io;
  }

  configure(globals: GlobalOptions): void {
    this.#globals = globals;
    this.#output = new Output(this.io, { json: Boolean(globals.json), verbose: Boolean(globals.verbose), quiet: Boolean(globals.quiet) });
    // A bad keyword or URL is a usage error whatever the command, and is reported before anything else.
    if (globals.acmeUrl !== undefined || this.io.env.ACMECLI_ACME_URL !== undefined) void this.directoryUrl;
  }

  get globals(): GlobalOptions {
    return this.#globals;
  }

  get output(): Output {
    this.#output ??= new Output(this.io, { json: Boolean(this.#globals.json), verbose: Boolean(this.#globals.verbose), quiet: Boolean(this.#globals.quiet) });
    return this.#output;
  }

  get stateHome(): string {
    return this.stateHomeLocation.path;
  }

  /** The state folder and the rule that chose it (ACMECLI_HOME, XDG_STATE_HOME, root, HOME). */
  /**
   * Before any request that leads to something worth remembering (an account, a
   * certificate): a state folder we cannot write is one clear line naming the
   * folder and ACMECLI_HOME, not a raw EACCES after the CA has done its part.
   */
  async checkStateHomeWritable(): Promise<void> {
    const home = this.stateHomeLocation;
    const problem = await unwritableFolderReason(home.path);
    if (problem) throw new StateError(`cannot write to the state folder ${home.path} (${describeStateHomeRule(home)}): ${problem}; set ACMECLI_HOME to a folder you can write`);
  }

  get stateHomeLocation(): StateHome {
    return locateStateHome(this.io.env);
  }

  get cache(): AccountCache {
    this.#cache ??= new AccountCache(this.stateHome);
    return this.#cache;
  }

  /** `--acme-url` / ACMECLI_ACME_URL: a keyword or an https URL. */
  get directoryUrl(): string {
    const given = this.#globals.acmeUrl ?? this.io.env.ACMECLI_ACME_URL ?? DEFAULT_DIRECTORY_KEYWORD;
    return resolveDirectoryUrl(given, Boolean(this.#globals.allowHttp));
  }

  /** The account key from `-k` / ACMECLI_KEY. Throws USAGE when none was given, KEY/IO when unreadable. */
  accountKey(): Promise<AccountKey> {
    this.#key ??= (async () => {
      const path = this.#globals.key ?? this.io.env.ACMECLI_KEY;
      if (!path) throw new UsageError('no account key: pass -k FILE (or set ACMECLI_KEY); make one with `acmecli key generate ec256 -o account.pem`');
      return this.keyAt(path);
    })();
    return this.#key;
  }

  async thumbprint(): Promise<string> {
    return jwkThumbprint((await this.accountKey()).publicJwk);
  }

  /** The ACME client for this run's directory; the transport is made on first use. */
  async client(): Promise<AcmeClient> {
    return this.clientFor(this.directoryUrl, this.#globals.caFile ?? this.io.env.ACMECLI_CA_FILE);
  }

  /**
   * A client per directory (and extra CA), shared by everything in this run: one
   * nonce pool and one directory fetch, however many lineages renew at once.
   */
  clientFor(directoryUrl: string, caFileGiven?: string): Promise<AcmeClient> {
    // Relative or absolute, one CA file is one client (lineages store absolute paths).
    const caFile = caFileGiven ? resolve(this.io.cwd, caFileGiven) : undefined;
    const cacheKey = `${directoryUrl}\u0000${caFile ?? ''}`;
    // The promise is kept, not the client: lineages renewed in parallel ask at the same moment and must share one.
    let client = this.#clients.get(cacheKey);
    if (!client) {
      client = this.#makeClient(directoryUrl, caFile);
      this.#clients.set(cacheKey, client);
    }
    return client;
  }

  // The ACME client, the transport (node:https, TLS) and the account lookup are loaded on first use, not
  // with this module: offline commands (key thumbprint, dns records --offline, cert list) never
  // evaluate them, which is most of their start-up (issue 14, bench/RESULTS.md).
  async #makeClient(directoryUrl: string, caFile?: string): Promise<AcmeClient> {
    const { AcmeClient } = await import('../acme/client.js');
    let send = this.sendOverride;
    if (!send) {
      const { createHttpTransport } = await import('../net/transport.js');
      const extraCaPem = await readCaFile(caFile);
      const env = this.io.env;
      const proxy = proxyFromEnvironment(env);
      const transport = createHttpTransport({
        userAgent: USER_AGENT,
        allowHttp: Boolean(this.#globals.allowHttp) || directoryUrl.startsWith('http:'),
        timeoutMs: parseTimeoutSeconds(this.#globals.timeout ?? env.ACMECLI_TIMEOUT) * 1000,
        ...(extraCaPem ? { extraCaPem } : {}),
        proxy,
      });
      send = transport.send;
      this.#closers.push(transport.close);
    }
    const output = this.output;
    const client = new AcmeClient({
      directoryUrl,
      send,
      events: {
        onRequest: (e) => {
          this.requestCount++;
          output.debug(`${e.method} ${e.url} → ${e.status} (${Math.round(e.durationMs)} ms)`);
        },
        // Retries are reported even without --verbose: a slow run should say why.
        onRetry: (e) => output.info(`retrying ${e.url} after ${e.reason}${e.delayMs ? ` in ${(e.delayMs / 1000).toFixed(1)} s` : ''} (attempt ${e.attempt + 1})`),
      },
    });
    return client;
  }

  /** The directory of the CA of the global options: see directoryOf. */
  async directory(): Promise<Directory> {
    return this.directoryOf(await this.client());
  }

  /**
   * A client's directory (fetched once per client), kept in the state folder for offline
   * commands (dns records) and later runs (ARI without a request). The one place it is
   * cached: a cache that cannot be written costs only a round trip later, so it is said
   * with --verbose and never fails the command.
   */
  /** The account flow's steps, done the CLI's way: the directory cache, a question on the terminal, a spinner, the account cache. */
  accountCreationSteps(): AccountCreationSteps {
    return {
      ...this.#accountMemory(),
      agreeToTerms: (question) => confirmOrFail(this.io, question, '--agree-tos'),
      step: (label, work) => this.output.step(label, work),
    };
  }

  async directoryOf(client: AcmeClient): Promise<Directory> {
    const directory = await client.directory();
    await this.cache.saveDirectory(client.directoryUrl, directory).catch((err: unknown) => this.output.debug(`cannot cache the directory of ${client.directoryUrl}: ${String(err)}`));
    return directory;
  }

  /**
   * This key's account at this CA: from the local cache when seen before (no
   * round trip), else by RFC 8555 §7.3.1 onlyReturnExisting, then cached.
   */
  async account(options: { preferServer?: boolean } = {}): Promise<ResolvedAccount> {
    return this.accountAt(this.directoryUrl, await this.client(), await this.accountKey(), options);
  }

  /** The same for any directory and key (cert renew: each lineage names its own). */
  async accountAt(directoryUrl: string, client: AcmeClient, key: AccountKey, options: { preferServer?: boolean } = {}): Promise<ResolvedAccount> {
    const { findAccount } = await import('../accounts/find-account.js');
    return findAccount(directoryUrl, client, key, this.#accountMemory(), options);
  }

  /** The account cache in the state folder, and the directory cache: a cache that cannot be written only warns. */
  #accountMemory(): AccountMemory {
    return {
      recall: async (directoryUrl, thumbprint) => (await this.cache.findAccount(directoryUrl, thumbprint))?.accountUrl,
      directory: (client) => this.directoryOf(client),
      remember: (directoryUrl, thumbprint, accountUrl) =>
        this.cache.saveAccount(directoryUrl, thumbprint, accountUrl).catch((err: unknown) => this.output.warn(`cannot cache the account URL: ${(err as Error).message}`)),
    };
  }

  /** An account key by path, read once per run. */
  keyAt(path: string): Promise<AccountKey> {
    let key = this.#keys.get(path);
    if (!key) {
      key = readAccountKeyFile(path, (warning) => this.output.warn(warning));
      this.#keys.set(path, key);
    }
    return key;
  }

  /** Keeping account URLs both ways, with a step to watch: `account rekey`. */
  accountKeeping(): AccountKeeping {
    return {
      remember: this.#accountMemory().remember,
      forget: (directoryUrl, thumbprint) => this.cache.forgetAccount(directoryUrl, thumbprint),
      step: (label, work) => this.output.step(label, work),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#closers.map((close) => close()));
  }


}

function parseTimeoutSeconds(value: string | undefined): number {
  if (value === undefined) return 30;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`--timeout must be a number of seconds more than 0 and at most 3600, not ${JSON.stringify(value)}`);
  return seconds;
}

async function readCaFile(path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined;
  const text = await readNamedText(path, { what: '--ca-file' });
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new KeyError(`--ca-file ${path} holds no PEM certificate`);
  return text;
}

/** HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case), read here at the edge for the transport. */
export function proxyFromEnvironment(env: Readonly<Record<string, string | undefined>>): { httpsProxy?: string; httpProxy?: string; noProxy?: string } {
  const pick = (name: string) => env[name] || env[name.toLowerCase()];
  const httpsProxy = pick('HTTPS_PROXY');
  const httpProxy = pick('HTTP_PROXY');
  const noProxy = pick('NO_PROXY');
  return { ...(httpsProxy ? { httpsProxy } : {}), ...(httpProxy ? { httpProxy } : {}), ...(noProxy ? { noProxy } : {}) };
}
