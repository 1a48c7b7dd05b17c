/**
 * A real nginx (Debian package nginx) serving TLS on a free 127.0.0.1 port from
 * the files acmecli wrote, as a test's own foreground process: its own prefix,
 * config, pid and logs in a temporary folder, never the system service.
 * `reload()` is what `systemctl reload nginx` does: SIGHUP to the master, which
 * re-reads the certificate files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { safeRead, waitForPort } from './foreground-server.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './pebble.js';

export interface NginxInstance {
  port: number;
  dir: string;
  /** SIGHUP: re-read the configuration and the certificate files; resolves once the old worker is gone. */
  reload(): Promise<void>;
  /** How many worker processes have exited so far (one per completed reload). */
  workerExits(): number;
  /** Waits until `count` workers have exited: a reload someone else sent (a deploy hook) is complete. */
  waitForWorkerExits(count: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startNginx(files: { certificate: string; key: string }, fixedPort?: number): Promise<NginxInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-nginx-'));
  mkdirSync(path.join(dir, 'tmp'));
  const port = fixedPort ?? (await freePort());
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${files.certificate};
    ssl_certificate_key ${files.key};
    location / { return 200 "ok\\n"; }
  }
}
`);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await waitForPort(port, 15_000, () => child.exitCode !== null ? `nginx exited: ${stderr}${safeRead(path.join(dir, 'error.log'))}` : undefined);
  const log = () => safeRead(path.join(dir, 'error.log'));
  const workerExits = () => (log().match(/worker process \d+ exited/g) ?? []).length;
  // A reload is complete once the old worker (which still held the old certificate) has exited:
  // until then a new connection may still reach it.
  const waitForWorkerExits = async (count: number) => {
    const deadline = Date.now() + 15_000;
    while (workerExits() < count) {
      if (Date.now() > deadline) throw new Error(`nginx did not reload: ${log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    port,
    dir,
    workerExits,
    waitForWorkerExits,
    async reload() {
      const before = workerExits();
      child.kill('SIGHUP');
      await waitForWorkerExits(before + 1);
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
