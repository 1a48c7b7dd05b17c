import { UsageError } from '../errors.js';
import { checkLineageName, type LineageStore } from '../state/lineage-store.js';
import { assertOwnFolders } from '../state/safe-folder.js';
import { existingOutputFiles, outputPaths, removeOutputFiles } from './output-files.js';

/**
 * `cert delete NAME`: the lineage leaves the state folder under its lock, so no `cert renew` sees it again.
 * The deployed files stay (a web server may still use them) unless `removeFiles`; then only our own file
 * names in its --out go, and only from a folder no other user controls.
 */
export async function deleteLineage(store: LineageStore, name: string, options: { removeFiles: boolean }) {
  checkLineageName(name);
  if (!(await store.readIssuedOne(name))) {
    // Only a miss lists the others (for the message): a store of 10,000 lineages is not read to delete one.
    const known = await store.listIssued();
    throw new UsageError(`no lineage named ${name}${known.length ? ` (lineages: ${known.join(', ')})` : ' (there are none)'}`);
  }
  const unlock = await store.lock(name);
  let record;
  try {
    record = await store.read(name);
    if (!record) throw new UsageError(`no lineage named ${name}`);
    // Before anything is deleted: files in a folder another user controls may be links we must not follow (nor remove for them).
    if (options.removeFiles) await assertOwnFolders(record.config.outDir, 'the --out folder');
    await store.remove(name);
  } finally {
    await unlock();
  }
  const config = record.config;
  const present = existingOutputFiles(outputPaths(config.outDir, config.name, config.bundle, !config.csrFile));
  const removedFiles = options.removeFiles ? await removeOutputFiles(present, `deleted lineage ${name}`) : [];
  return { name, deleted: true, versions: record.versions.length, removedFiles, keptFiles: options.removeFiles ? [] : present };
}
