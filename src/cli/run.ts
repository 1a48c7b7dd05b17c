import { processIO } from './io.js';
import { main } from './main.js';

/** The process entry, shared by bin/acmecli.js and the single executable. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIO());
}
