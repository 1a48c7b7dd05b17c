import { homedir } from 'node:os';
import { join } from 'node:path';

/** Root's state folder (FHS §5.8: variable state of an application), which the packaged systemd units use. */
export const SYSTEM_STATE_HOME = '/var/lib/acmecli';

export interface StateHome {
  path: string;
  /** Which rule chose `path`, so a message can say why acmecli looked there. */
  from: 'ACMECLI_HOME' | 'XDG_STATE_HOME' | 'root' | 'HOME';
}

/**
 * Where acmecli keeps what it learns (account URLs, directories, lineages, agent state):
 * ACMECLI_HOME, else $XDG_STATE_HOME/acmecli, else /var/lib/acmecli for root (a service
 * or a root cron job: the same folder the systemd units use), else ~/.local/state/acmecli.
 */
export function locateStateHome(env: Readonly<Record<string, string | undefined>>, isRoot: boolean = process.getuid?.() === 0): StateHome {
  if (env.ACMECLI_HOME) return { path: env.ACMECLI_HOME, from: 'ACMECLI_HOME' };
  if (env.XDG_STATE_HOME) return { path: join(env.XDG_STATE_HOME, 'acmecli'), from: 'XDG_STATE_HOME' };
  if (isRoot) return { path: SYSTEM_STATE_HOME, from: 'root' };
  return { path: join(env.HOME || homedir(), '.local', 'state', 'acmecli'), from: 'HOME' };
}

/** "ACMECLI_HOME", "$XDG_STATE_HOME/acmecli", …: the rule, in words a user can act on. */
export function describeStateHomeRule(home: StateHome): string {
  switch (home.from) {
    case 'ACMECLI_HOME': return 'from ACMECLI_HOME';
    case 'XDG_STATE_HOME': return 'from $XDG_STATE_HOME/acmecli';
    case 'root': return "root's default; set ACMECLI_HOME to use another";
    case 'HOME': return 'the default, ~/.local/state/acmecli; set ACMECLI_HOME to use another';
  }
}
