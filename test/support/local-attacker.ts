import { execFileSync, spawn } from 'node:child_process';

/** The local attacker of the red-team report: user and group nobody. The tests run as root. */
export const NOBODY = 65534;

/** Runs a shell script as nobody (setpriv, no supplementary groups) and waits for it; throws if it fails. */
export function asNobodySync(script: string, ...args: string[]): string {
  return execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
}

/** Runs a program as nobody, collecting its output. */
export function asNobody(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', command, ...args], { env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
