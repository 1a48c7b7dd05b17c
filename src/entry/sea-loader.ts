// The main script of the single executable (scripts/build-sea.mjs bundles it alone into dist/sea-main.cjs).
// It is small on purpose: Node compiles it at every start. The program (dist/acmecli.cjs, ~2.4 MB, which
// starts with run() of ./run.ts) travels as the SEA asset "acmecli.js" beside a V8 code cache of it,
// "acmecli.js.cache", made by scripts/train-code-cache.cjs after running typical commands: Node's own SEA
// code cache holds only what V8 compiles before anything runs (top-level code), this one also the
// functions those commands ran, so no start compiles them again.
import { getAsset, getRawAsset } from 'node:sea';
import { Script } from 'node:vm';
import { runStart } from './run-start.js';

/** The asset names, and the script's filename in stack traces; scripts/train-code-cache.cjs uses the same. */
const PROGRAM = 'acmecli.js';
const PROGRAM_CACHE = 'acmecli.js.cache';

/** Answers a run that needs no program (`--version`, a refused environment) without reading it; else runs the program. */
export function startSea(): void {
  const start = runStart(process.argv.slice(2), process.env);
  if (start.done) {
    // The program's run() answers the same; warnings are left to it when it runs, so they print once.
    if (start.stderr) process.stderr.write(start.stderr);
    if (start.stdout) process.stdout.write(start.stdout);
    process.exitCode = start.exitCode;
    return;
  }
  const script = new Script(getAsset(PROGRAM, 'utf8'), { filename: PROGRAM, cachedData: new Uint8Array(getRawAsset(PROGRAM_CACHE)) });
  // A refused cache (another V8, other V8 flags) only costs time: V8 compiles as if there were none.
  // ACMECLI_SEA_CODE_CACHE=1 says which it was, for the build's check and test/binary/sea.test.ts.
  if (process.env.ACMECLI_SEA_CODE_CACHE === '1') process.stderr.write(`code cache ${script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
  const program = { exports: {} };
  (script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void)(
    program.exports, require, program, __filename, __dirname,
  );
}
