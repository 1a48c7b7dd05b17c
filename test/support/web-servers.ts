/**
 * Debian's real Apache (apache2) and HAProxy serving TLS on a free 127.0.0.1 port
 * from the files acmecli wrote, each as a test's own foreground process with its
 * own config, pid and logs in a temporary folder, never the system service (nginx
 * is in ./nginx.ts). `opensslHandshake` is the client every test checks them with.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './pebble.js';
import { safeRead, waitForPort } from './foreground-server.js';

export interface WebServer {
  port: number;
  stop(): Promise<void>;
}

const APACHE_MODULES = '/usr/lib/apache2/modules';

/** apache2 -DFOREGROUND with mpm_event, mod_ssl and one TLS virtual host. */
export async function startApache(files: { certificate: string; key: string }): Promise<WebServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-apache-'));
  const port = await freePort();
  const conf = path.join(dir, 'apache2.conf');
  const user = process.getuid?.() === 0 ? 'User nobody\nGroup nogroup\n' : '';
  writeFileSync(conf, `
ServerRoot ${dir}
DefaultRuntimeDir ${dir}
PidFile ${dir}/apache2.pid
ErrorLog ${dir}/error.log
LogLevel warn
Mutex file:${dir} default
LoadModule mpm_event_module ${APACHE_MODULES}/mod_mpm_event.so
LoadModule authz_core_module ${APACHE_MODULES}/mod_authz_core.so
LoadModule socache_shmcb_module ${APACHE_MODULES}/mod_socache_shmcb.so
LoadModule ssl_module ${APACHE_MODULES}/mod_ssl.so
${user}ServerName localhost
Listen 127.0.0.1:${port}
SSLSessionCache shmcb:${dir}/ssl_scache(512000)
<VirtualHost 127.0.0.1:${port}>
  SSLEngine on
  SSLCertificateFile ${files.certificate}
  SSLCertificateKeyFile ${files.key}
</VirtualHost>
`);
  const child = spawn('apache2', ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return running('apache2', child, dir, port, path.join(dir, 'error.log'), 'SIGTERM');
}

/** haproxy -db with one TLS frontend whose `crt` is the combined file. */
export async function startHaproxy(combinedFile: string): Promise<WebServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-haproxy-'));
  const port = await freePort();
  const conf = path.join(dir, 'haproxy.cfg');
  writeFileSync(conf, `
global
  pidfile ${dir}/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client 5s
  timeout server 5s
frontend tls
  bind 127.0.0.1:${port} ssl crt ${combinedFile}
  http-request return status 200 content-type text/plain string ok
`);
  const child = spawn('haproxy', ['-db', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  return running('haproxy', child, dir, port, undefined, 'SIGUSR1');
}

async function running(name: string, child: ChildProcess, dir: string, port: number, logFile: string | undefined, stopSignal: NodeJS.Signals): Promise<WebServer> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = () => `${output}${logFile ? safeRead(logFile) : ''}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(stopSignal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 20_000, () => (child.exitCode !== null ? `${name} exited (${child.exitCode}): ${log().slice(-2000)}` : undefined));
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}

/**
 * `openssl s_client -verify_return_error` against 127.0.0.1:port, trusting only
 * `rootFile` and checking the name: it fails unless the server sends the whole
 * chain up to that root, for that name.
 */
export function opensslHandshake(port: number, serverName: string, rootFile: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', [
      's_client', '-connect', `127.0.0.1:${port}`, '-servername', serverName, '-verify_hostname', serverName,
      '-CAfile', rootFile, '-verify_return_error', '-brief',
    ], { timeout: 20_000 }, (error, stdout, stderr) => resolve({ ok: !error, output: `${stdout}${stderr}` }));
    child.stdin?.end('Q\n');
  });
}
