import { readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ManagerCertificate } from '../manager/types.js';
import { certificateId } from './config/paths.js';
import type { ClientConfig } from './config/schema.js';

/**
 * manager-contract.md §6.10, made safe: only files inside `certificate_dir` whose name
 * ends in one of the three extensions and whose identity (path minus dir and
 * extension) is neither configured nor on the manager are removed. Without a
 * certificate_dir, nothing is (the Go client would walk the current folder).
 */
export async function removeOrphanFiles(config: ClientConfig, serverList: readonly ManagerCertificate[]): Promise<string[]> {
  const dir = config.common.certificateDir;
  if (!dir) return [];
  const known = new Set<string>([
    ...config.certificates.map((c) => certificateId(c)),
    ...serverList.map((s) => certificateId({ name: s.name ?? '', issuer: s.issuer, domain: s.domain })),
  ]);
  // Longest first: `.ca.crt` must be tried before `.crt`.
  const extensions = [config.common.certificateCaFileExt, config.common.certificateFileExt, config.common.certificateKeyFileExt].sort((a, b) => b.length - a.length);
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  for (const entry of entries) {
    const ext = extensions.find((e) => entry.endsWith(e));
    if (!ext) continue;
    const id = relative(dir, join(dir, entry)).slice(0, -ext.length);
    if (known.has(id)) continue;
    await rm(join(dir, entry), { force: true });
    removed.push(join(dir, entry));
  }
  return removed;
}
