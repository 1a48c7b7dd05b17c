// The main script of the single executable (scripts/build-sea.mjs bundles it alone into dist/sea-main.cjs).
// It is small on purpose: Node compiles it at every start. The programs travel as SEA assets, each beside
// a V8 code cache of it made by scripts/train-code-cache.cjs after running typical commands (Node's own SEA
// code cache holds only what V8 compiles before anything runs, these also the functions those commands
// ran, so no start compiles them again): the whole program "acmecli.js" (dist/acmecli.cjs, which starts
// with run() of ./run.ts), and one program per command group, "acmecli-key.js" and so on, built from the
// same entry with only that group's commands (src/entry/command-groups.ts). A command line that plainly
// names a group evaluates that group's program: `key thumbprint` reads and deserialises a fraction of
// the code; anything else (--help, completion, a mistyped name) gets the whole program.
import { getAsset, getRawAsset } from 'node:sea';
import { Script } from 'node:vm';
import { groupRunAlone, programAsset } from './command-groups.js';
import { runStart } from './run-start.js';

/** Answers a run that needs no program (`--version`, a refused environment) without reading one; else runs the smallest program for it. */
export function startSea(): void {
  const argv = process.argv.slice(2);
  const start = runStart(argv, process.env);
  if (start.done) {
    // The program's run() answers the same; warnings are left to it when it runs, so they print once.
    if (start.stderr) process.stderr.write(start.stderr);
    if (start.stdout) process.stdout.write(start.stdout);
    process.exitCode = start.exitCode;
    return;
  }
  // The asset name is also the script's filename in stack traces; scripts/train-code-cache.cjs uses the same.
  const asset = programAsset(groupRunAlone(argv));
  const script = new Script(getAsset(asset, 'utf8'), { filename: asset, cachedData: new Uint8Array(getRawAsset(`${asset}.cache`)) });
  // A refused cache (another V8, other V8 flags) only costs time: V8 compiles as if there were none.
  // ACMECLI_SEA_CODE_CACHE=1 says which it was and for which program, for the build's check and test/binary/sea.test.ts.
  if (process.env.ACMECLI_SEA_CODE_CACHE === '1') process.stderr.write(`code cache ${script.cachedDataRejected ? 'rejected' : 'accepted'} (${asset})\n`);
  const program = { exports: {} };
  (script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void)(
    program.exports, require, program, __filename, __dirname,
  );
}
