import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where acmecli keeps what it learns (account URLs, directories, and later lineages):
 * ACMECLI_HOME, else $XDG_STATE_HOME/acmecli, else ~/.local/state/acmecli.
 */
export function resolveStateHome(env: Readonly<Record<string, string | undefined>>): string {
  if (env.ACMECLI_HOME) return env.ACMECLI_HOME;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'acmecli');
  return join(env.HOME || homedir(), '.local', 'state', 'acmecli');
}
