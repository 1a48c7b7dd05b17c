import type { LineageConfig, LineageStore } from '../state/lineage-store.js';

/**
 * After `account rekey` the old key has no account at that CA: the lineages that renewed with it
 * there are changed to use the new key file, so their next renewal does not fail.
 */
export async function moveLineagesToAccountKey(store: LineageStore, directoryUrl: string, oldKeyPath: string, newKeyPath: string): Promise<{ moved: string[]; configs: LineageConfig[] }> {
  const moved: string[] = [];
  const configs: LineageConfig[] = [];
  for (const name of await store.list()) {
    const record = await store.read(name).catch(() => undefined);
    if (!record || record.config.directoryUrl !== directoryUrl || record.config.accountKeyPath !== oldKeyPath) continue;
    record.config.accountKeyPath = newKeyPath;
    await store.write(record);
    moved.push(name);
    configs.push(record.config);
  }
  return { moved, configs };
}
