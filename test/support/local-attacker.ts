import { execFileSync } from 'node:child_process';

/** The local attacker of the red-team report: user and group nobody. The tests run as root. */
export const NOBODY = 65534;

/** Runs a shell script as nobody (setpriv, no supplementary groups) and waits for it; throws if it fails. */
export function asNobodySync(script: string, ...args: string[]): string {
  return execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
}
