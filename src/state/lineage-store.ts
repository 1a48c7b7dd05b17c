import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { StateError, UsageError } from '../errors.js';
import type { Identifier } from '../acme/types.js';
import { describeFsError, writeFileAtomic } from './atomic-write.js';
import { assertStateFolder, assertStateFolders } from './safe-folder.js';
import { currentLockHolder, formatLockHolder, lockHolderIsLive, parseLockHolder, procProbe, type ProcessProbe } from './lock-holder.js';

/** How a lineage's challenges are answered: the `cert issue` solver options, in the order given. */
export interface SolverSpec {
  kind: 'http-standalone' | 'webroot' | 'http-stateless' | 'tls-alpn-standalone' | 'hook' | 'dns-persist' | 'dns';
  /** The address, folder or command given with the option; for 'dns', the provider (rfc2136, exec, acme-dns). */
  arg?: string;
  /** 'dns': --dns-zone, the zone every record goes in (no SOA walk). */
  zone?: string;
  /** 'dns' rfc2136: --tsig-key-file, an absolute path (the secret itself is never stored). */
  tsigKeyFile?: string;
}

/** Everything `cert renew` needs to repeat an issuance with no arguments. */
export interface LineageConfig {
  name: string;
  identifiers: Identifier[];
  directoryUrl: string;
  caFile?: string;
  allowHttp?: boolean;
  accountKeyPath: string;
  keyType: string;
  reuseKey: boolean;
  csrFile?: string;
  solvers: SolverSpec[];
  challengeTypes: string[];
  /** The first --dns-resolver (kept for lineages written before dnsResolvers existed). */
  dnsResolver?: string;
  /** Every --dns-resolver: the propagation check asks each of them instead of the zone's name servers. */
  dnsResolvers?: string[];
  dnsTimeoutSeconds?: number;
  /** false after --no-dns-check: dns-01 and dns-account-01 records are not checked before the CA looks (absent: checked). */
  dnsCheck?: boolean;
  profile?: string;
  days?: number;
  preferredChain?: string;
  outDir: string;
  bundle: boolean;
  deployHook?: string;
  /** Run once per run before the first lineage actually issued, and after the last (certbot's --pre-hook/--post-hook). */
  preHook?: string;
  postHook?: string;
  renewDays: string;
  /** Where the certificate is served (`--serve-check HOST:PORT[/SNI]`), checked by `cert check` and after a deploy. */
  serveChecks?: string[];
  /** `--fallback-acme-url`, in order: tried in the same run, with the same key, when the CA before failed for a reason of its own. */
  fallbacks?: { directoryUrl: string }[];
  /** `--agree-tos` was given: an account may be created at any of the lineage's CAs when it has none (a fallback, or a CA that lost it). */
  agreeTos?: boolean;
  /** `--email`, for an account created at renewal time. */
  contact?: string[];
  /** Run when a renewal fails (or a fallback CA had to issue), with ACMECLI_* facts in its environment. */
  failureHook?: string;
  /** How long to wait after the deploy hook for the endpoints to serve the new certificate; default 30 s. */
  serveCheckTimeoutSeconds?: number;
}

export interface LineageVersion {
  number: number;
  issuedAt: string;
  notBefore: string;
  notAfter: string;
  serial: string;
  sha256: string;
  ariCertId?: string;
  orderUrl: string;
  certificateUrl: string;
  hasKey: boolean;
  /** Set by `cert revoke`: a revoked current version is replaced by the next `cert renew`. */
  revoked?: { at: string; reason: number | null };
  /** The directory of the CA that issued it (a fallback CA, or the lineage's own); absent in versions from before fallbacks existed: the lineage's own. */
  directoryUrl?: string;
}

export interface LineageRecord {
  config: LineageConfig;
  createdAt: string;
  acmecliVersion: string;
  versions: LineageVersion[];
  /** The version the output files must hold; repaired from on every run. */
  current?: number;
  /** A version whose deploy hook has not succeeded yet (it failed, or a crash came first): run it next time. */
  deployPending?: number;
  /** An order placed and not yet finished (a crash leaves it here; the next run simply places a new one). */
  pendingOrderUrl?: string;
  lastResult?: { at: string; ok: boolean; message: string };
  /** The output files' identity when a run last saw them hold version `version` (see outputsStamp). */
  outputs?: { version: number; stamp: string };
  /** How runs have gone lately: for the failure hook, `cert list` and `cert renew --metrics-file`. */
  health?: LineageHealthRecord;
  ari?: { certId: string; windowStart: string; windowEnd: string; renewAt: string; nextCheckAt: string; explanationURL?: string };
}

export interface LineageHealthRecord {
  lastAttemptAt: string;
  lastAttemptOk: boolean;
  /** Failed runs since the last good one (0 after a good run). */
  consecutiveFailures: number;
  /** The end of the last run that went well, as far as it was recorded (see docs/guides/monitoring.md). */
  lastSuccessAt?: string;
  /** The last failure; on a good run, set only when the primary CA failed and a fallback issued. */
  lastError?: { type: string; detail: string; primaryDirectoryUrl?: string };
}

export interface VersionFiles {
  certificate: string;
  chain: string;
  fullchain: string;
  key?: string;
}

/** The lock is held by another live run: the lineage is "locked", which is not a failure of its own. */
export class LineageLockedError extends StateError {}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** A name a lineage can have (a file name under --out and the state folder): no separators, no `..`. */
export function isLineageName(name: string): boolean {
  return NAME.test(name) && !name.includes('..');
}

/** `--name` is a file name under --out and under the state directory: no separators, no `..`. */
export function checkLineageName(name: string): string {
  if (!isLineageName(name)) {
    throw new UsageError(`--name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-' (no '/', no '..', at most 100 characters)`);
  }
  return name;
}

/** A lineage exists once its record names itself and its current version is recorded (a first issuance that failed leaves neither). */
function isIssuedRecord(record: LineageRecord, name: string): boolean {
  return record.config.name === name && record.versions.some((v) => v.number === record.current);
}

/**
 * Lineages under `<state>/lineages/<name>/`: `lineage.json`, and one folder per
 * issued version holding cert, chain and key (0700 folders, 0600 key). A version
 * is written whole before `current` points at it, so a crash at any moment
 * leaves either the old version current or the new one complete.
 */
export class LineageStore {
  readonly root: string;
  readonly #home: string;

  constructor(stateHome: string) {
    this.#home = stateHome;
    this.root = join(stateHome, 'lineages');
  }

  /** Refuses the state folders of `name` (or of all lineages) when another user controls one of them. */
  async #checkFolders(name?: string): Promise<void> {
    await assertStateFolders(this.#home, name === undefined ? 'lineages' : `lineages/${checkLineageName(name)}/versions`, this.#verifiedFolders);
  }

  /**
   * The issued record in `lineages/NAME`, a well-formed name below folders already checked (list(), or
   * readIssuedOne): only the lineage's own folder is checked (one lstat), and recorded like every other
   * check, so a later read(name) checks only `versions/`. Undefined for anything else, damaged included.
   */
  async #issuedRecordAt(name: string): Promise<LineageRecord | undefined> {
    const folder = join(this.root, name);
    try {
      if (!this.#verifiedFolders.has(folder)) {
        await assertStateFolder(folder);
        this.#verifiedFolders.add(folder);
      }
      const record = this.#readRecord(folder);
      return record && isIssuedRecord(record, name) ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** Folders this store has checked already (a store lives for one command). */
  readonly #verifiedFolders = new Set<string>();

  folder(name: string): string {
    return join(this.root, checkLineageName(name));
  }

  async list(): Promise<string[]> {
    await this.#checkFolders();
    try {
      // Synchronous, as #readRecord: one listing, and node:fs/promises left unloaded for `cert list`
      // (about 2 ms of its start: scripts/build-sea.mjs).
      const entries = readdirSync(this.root, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && isLineageName(e.name)).map((e) => e.name).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StateError(`cannot list ${this.root}: ${describeFsError(err)}`, { cause: err });
    }
  }

  async read(name: string): Promise<LineageRecord | undefined> {
    await this.#checkFolders(name);
    return this.#readRecord(this.folder(name));
  }

  /**
   * lineage.json of the lineage folder `folder`, whose folders the caller has checked.
   * Synchronous: `cert list` and `cert renew --all` read every lineage, and one small read is
   * cheaper than the thread-pool round trips of an asynchronous open, stat, read and close.
   */
  #readRecord(folder: string): LineageRecord | undefined {
    const path = join(folder, 'lineage.json');
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateError(`cannot read ${path}: ${describeFsError(err)}`, { cause: err });
    }
    try {
      const record = JSON.parse(text) as LineageRecord;
      if (!record.config || !Array.isArray(record.versions)) throw new Error('missing fields');
      return record;
    } catch (err) {
      throw new StateError(`${path} is damaged (${(err as Error).message}); move it away and issue again`, { cause: err });
    }
  }

  async write(record: LineageRecord): Promise<void> {
    await this.#checkFolders(record.config.name);
    await writeFileAtomic(join(this.folder(record.config.name), 'lineage.json'), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, forceMode: true, dirMode: 0o700 });
  }

  versionFolder(name: string, number: number): string {
    return join(this.folder(name), 'versions', String(number));
  }

  versionFiles(name: string, number: number, hasKey: boolean): VersionFiles {
    const folder = this.versionFolder(name, number);
    return {
      certificate: join(folder, 'cert.pem'),
      chain: join(folder, 'chain.pem'),
      fullchain: join(folder, 'fullchain.pem'),
      ...(hasKey ? { key: join(folder, 'privkey.pem') } : {}),
    };
  }

  /** The next version number, past any folder a crash left behind. */
  async nextVersionNumber(record: LineageRecord): Promise<number> {
    const recorded = Math.max(0, ...record.versions.map((v) => v.number));
    let onDisk = 0;
    try {
      for (const entry of await readdir(join(this.folder(record.config.name), 'versions'))) {
        const n = Number(entry);
        if (Number.isInteger(n)) onDisk = Math.max(onDisk, n);
      }
    } catch {
      // no versions yet
    }
    return Math.max(recorded, onDisk) + 1;
  }

  /**
   * Claims the next version folder by creating it (mkdir fails if it exists), so two
   * runs that both got past the lock (a stale lock taken over twice) never write
   * into one folder: each version stays one key and its own certificate.
   */
  async claimNextVersion(record: LineageRecord): Promise<number> {
    await this.#checkFolders(record.config.name);
    await mkdir(join(this.folder(record.config.name), 'versions'), { recursive: true, mode: 0o700 });
    for (let number = await this.nextVersionNumber(record); ; number++) {
      try {
        await mkdir(this.versionFolder(record.config.name, number), { mode: 0o700 });
        return number;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StateError(`cannot create a version folder for ${record.config.name}: ${describeFsError(err)}`, { cause: err });
      }
    }
  }

  /**
   * The lineages that exist: a folder with a lineage.json whose current version
   * has a certificate. Like certbot, a lineage exists once it has a certificate;
   * a folder a failed first issuance or a lock left behind is not one.
   */
  async listIssued(): Promise<string[]> {
    return (await this.readIssued()).map((record) => record.config.name);
  }

  /** The lineage `name` when it exists in the sense of listIssued (a record whose current version is recorded), read alone. */
  async readIssuedOne(name: string): Promise<LineageRecord | undefined> {
    try {
      checkLineageName(name);
      await this.#checkFolders();
      // A lineage is a folder of lineages/, as list() counts them: a symbolic link there is none (cert list and
      // cert renew --all never see it, so cert delete must not act on the record it leads to either).
      if (!lstatSync(join(this.root, name), { throwIfNoEntry: false })?.isDirectory()) return undefined;
    } catch {
      return undefined;
    }
    return this.#issuedRecordAt(name);
  }

  /**
   * Every lineage that has a certificate, read once: `cert list` and `cert renew --all`
   * work from these records instead of reading each lineage.json a second time.
   * A damaged record is left out here; reading it by name says what is wrong.
   */
  async readIssued(): Promise<LineageRecord[]> {
    const records: LineageRecord[] = [];
    for (const name of await this.list()) {
      // list() checked the home and lineages/ and gave well-formed names; whatever goes on to read or
      // write a lineage's versions calls read(name), which checks the versions folder too.
      const record = await this.#issuedRecordAt(name);
      if (record) records.push(record);
    }
    return records;
  }

  /**
   * A throwaway store for `cert renew --dry-run`, in a hidden folder of this one
   * (same filesystem, 0700, never listed): the whole order runs for real and
   * `remove()` leaves nothing behind.
   */
  async scratch(): Promise<{ store: LineageStore; outDir: string; remove: () => Promise<void> }> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const folder = await mkdtemp(join(this.root, '.dry-run-'));
    return { store: new LineageStore(folder), outDir: join(folder, 'out'), remove: () => rm(folder, { recursive: true, force: true }) };
  }

  /** The lineage and version that issued the certificate with this SHA-256 fingerprint, if any. */
  async findBySha256(sha256: string): Promise<{ record: LineageRecord; version: LineageVersion } | undefined> {
    for (const record of await this.readIssued()) {
      const version = record.versions.find((v) => v.sha256 === sha256);
      if (version) return { record, version };
    }
    return undefined;
  }

  /**
   * Removes a lineage's folder (state, versions, keys). The folder is first
   * renamed to a hidden name `list()` never shows, so a crash halfway leaves no
   * half-lineage for `cert renew --all`; rm does not follow symlinks inside it.
   */
  async remove(name: string): Promise<void> {
    const folder = this.folder(name);
    const tombstone = join(this.root, `.deleted-${name}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(folder, tombstone);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StateError(`cannot remove ${folder}: ${describeFsError(err)}`, { cause: err });
    }
    await rm(tombstone, { recursive: true, force: true }).catch((err: unknown) => {
      throw new StateError(`cannot remove ${tombstone}: ${describeFsError(err)}`, { cause: err });
    });
  }

  async removeVersionFolder(name: string, number: number): Promise<void> {
    await rm(this.versionFolder(name, number), { recursive: true, force: true });
  }

  /**
   * Takes the lineage's lock: a file created exclusively, holding our PID, start
   * time and boot id. A lock whose process is gone (kill -9, a reboot) or whose PID
   * now belongs to another process is taken over. Throws STATE naming the holder
   * when another live run has it.
   */
  async lock(name: string, probe: ProcessProbe = procProbe): Promise<() => Promise<void>> {
    const folder = this.folder(name);
    await this.#checkFolders(name);
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StateError(`cannot create ${folder}: ${describeFsError(err)}`, { cause: err });
    }
    const path = join(folder, 'lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, 'wx', 0o600);
        await handle.writeFile(formatLockHolder(currentLockHolder(probe)));
        await handle.close();
        return async () => {
          await rm(path, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StateError(`cannot lock ${name}: ${describeFsError(err)}`, { cause: err });
        const holder = parseLockHolder(await readFile(path, 'utf8').catch(() => ''));
        const writtenAt = await stat(path).then((s) => s.mtimeMs).catch(() => 0);
        if (holder && holder.pid !== process.pid && lockHolderIsLive(holder, writtenAt, probe)) {
          throw new LineageLockedError(`${name} is locked by another acmecli run (pid ${holder.pid}); not touching it`);
        }
        // A lock left by a process that is gone, or whose PID is now another process's: remove it and try again.
        if (!holder && Date.now() - writtenAt < 2_000) {
          // Another run is between creating the file and writing its PID.
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        await rm(path, { force: true });
      }
    }
    throw new StateError(`cannot take the lock of ${name}`);
  }
}
