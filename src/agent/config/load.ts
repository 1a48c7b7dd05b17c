// The one part of src/agent/config that touches the filesystem.
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readNamedText } from '../../state/read-file.js';
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
