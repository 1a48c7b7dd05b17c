import { UsageError } from '../errors.js';
import type { CliIO } from './io.js';

/**
 * Asks a yes/no question on a terminal. Outside one there is nobody to answer,
 * so it fails at once naming the flag that answers instead: never a hang.
 */
export async function confirmOrFail(io: CliIO, question: string, flagHint: string): Promise<void> {
  if (!io.isStdinTty) throw new UsageError(`${question.replace(/\?$/, '')}: not on a terminal, so pass ${flagHint}`);
  const answer = (await io.ask(`${question} [y/N] `)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new UsageError(`not confirmed; nothing was changed`);
}
