import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Directory } from '../acme/types.js';
import { writeFileAtomic } from './atomic-write.js';
import { assertStateFolders } from './safe-folder.js';

export interface CachedAccount {
  directoryUrl: string;
  thumbprint: string;
  accountUrl: string;
  savedAt: string;
}

export interface CachedDirectory {
  directoryUrl: string;
  /** When this content was first seen (an unchanged directory is not written again). */
  fetchedAt: string;
  directory: Directory;
}

/**
 * What acmecli has seen of each CA, so later runs need no round trip and offline
 * commands (dns records) work: the account URL per directory and key thumbprint,
 * and the directory itself (caaIdentities, profiles, renewalInfo). Nothing secret
 * is stored here; folders are 0700 all the same, as the layout names accounts.
 */
export class AccountCache {
  readonly #home: string;
  /** Folders checked already by this command (see assertStateFolders). */
  readonly #verifiedFolders = new Set<string>();

  constructor(stateHome: string) {
    this.#home = stateHome;
  }

  #accountPath(directoryUrl: string, thumbprint: string): string {
    return join(this.#home, 'accounts', directoryKey(directoryUrl), `${thumbprint}.json`);
  }

  #directoryPath(directoryUrl: string): string {
    return join(this.#home, 'directories', `${directoryKey(directoryUrl)}.json`);
  }

  async findAccount(directoryUrl: string, thumbprint: string): Promise<CachedAccount | undefined> {
    await assertStateFolders(this.#home, `accounts/${directoryKey(directoryUrl)}`, this.#verifiedFolders);
    const entry = await readJson<CachedAccount>(this.#accountPath(directoryUrl, thumbprint));
    return entry && entry.directoryUrl === directoryUrl && typeof entry.accountUrl === 'string' ? entry : undefined;
  }

  async saveAccount(directoryUrl: string, thumbprint: string, accountUrl: string): Promise<void> {
    const entry: CachedAccount = { directoryUrl, thumbprint, accountUrl, savedAt: new Date().toISOString() };
    await assertStateFolders(this.#home, `accounts/${directoryKey(directoryUrl)}`, this.#verifiedFolders);
    await writeFileAtomic(this.#accountPath(directoryUrl, thumbprint), `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
  }

  async forgetAccount(directoryUrl: string, thumbprint: string): Promise<void> {
    await rm(this.#accountPath(directoryUrl, thumbprint), { force: true });
  }

  async findDirectory(directoryUrl: string): Promise<CachedDirectory | undefined> {
    await assertStateFolders(this.#home, 'directories', this.#verifiedFolders);
    const entry = await readJson<CachedDirectory>(this.#directoryPath(directoryUrl));
    return entry && entry.directoryUrl === directoryUrl && typeof entry.directory === 'object' ? entry : undefined;
  }

  /**
   * Keeps the directory for later runs. Written only when it differs from the one
   * kept: every online command fetches it, and a CA's directory rarely changes, so
   * rewriting (fsync, rename) the same bytes on each run only cost time.
   */
  async saveDirectory(directoryUrl: string, directory: Directory): Promise<void> {
    const kept = await this.findDirectory(directoryUrl);
    if (kept && JSON.stringify(kept.directory) === JSON.stringify(directory)) return;
    const entry: CachedDirectory = { directoryUrl, fetchedAt: new Date().toISOString(), directory };
    await assertStateFolders(this.#home, 'directories', this.#verifiedFolders);
    await writeFileAtomic(this.#directoryPath(directoryUrl), `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
  }
}

/** A short, filesystem-safe name for a directory URL. */
function directoryKey(directoryUrl: string): string {
  const host = new URL(directoryUrl).host.replace(/[^a-zA-Z0-9.-]/g, '_');
  return `${host}-${createHash('sha256').update(directoryUrl).digest('hex').slice(0, 12)}`;
}

/**
 * A cache entry that is missing or unreadable is simply not there: the network answers instead.
 * Synchronous: one small file, and node:fs/promises left unloaded for `dns records --offline`
 * (about 2 ms of its start: scripts/build-sea.mjs).
 */
async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
