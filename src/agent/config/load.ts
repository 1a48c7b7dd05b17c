// The one part of src/agent/config that touches the filesystem.
import { hash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readNamedFile, readNamedText } from '../../state/read-file.js';
import { parseClientConfig } from './parse.js';
import type { ClientConfig } from './schema.js';

/**
 * Reads and parses a client-config.yml. Messages name the file as given.
 * It does not create `certificate_dir` (the Go client does, even under
 * -config-check) nor run checkCertificateDir: the caller does both when it
 * will write files.
 *
 * @throws IoError (code `IO`) when the file cannot be read; ClientConfigError (code `USAGE`) when it is not valid.
 */
export async function loadClientConfig(path: string): Promise<ClientConfig> {
  return parseClientConfig(await readNamedText(path, { what: 'the client configuration' }), path);
}

/**
 * The daemon's reader of its configuration: the file is read every cycle, so an edit
 * counts at the next one (watched or not), but parsed again only when its text changed.
 * A 5,000-certificate file is a quarter of a megabyte of YAML; hashing it costs well under a
 * millisecond, parsing it costs most of an in-sync cycle. `agent` makes one reader for the whole
 * run, so the load that checks the file before the first cycle is the parse that cycle uses.
 * The configuration returned is shared between cycles: nothing may change it.
 */
export function clientConfigReader(path: string): () => Promise<ClientConfig> {
  // The SHA-256 of the bytes parsed last time, not the text: nothing of the file is kept but its parse.
  let last: { digest: string; config: ClientConfig } | undefined;
  return async () => {
    const bytes = await readNamedFile(path, { what: 'the client configuration' });
    const digest = hash('sha256', bytes);
    if (last?.digest !== digest) last = { digest, config: parseClientConfig(bytes.toString('utf8'), path) };
    return last.config;
  };
}

/**
 * realpath for checkCertificateDir: follows symbolic links of the longest part
 * that exists, so a certificate folder not yet created still compares right.
 */
export function realPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync.native(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
  }
}
