/**
 * A real forward proxy (Debian package tinyproxy) on a free 127.0.0.1 port, as a
 * test's own foreground process with its own config: the proxy that HTTPS_PROXY /
 * HTTP_PROXY name in the proxy tests. It tunnels https with CONNECT, forwards
 * plain http by absolute URL, asks for Basic credentials when given some, and logs
 * each request line, which is how a test sees what went through it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from './foreground-server.js';
import { freePort } from './pebble.js';

export interface TinyproxyInstance {
  /** http://[user:password@]127.0.0.1:PORT, as HTTPS_PROXY takes it. */
  url: string;
  port: number;
  /** The request lines the proxy received so far ("CONNECT 127.0.0.1:1234 HTTP/1.1", "GET http://… HTTP/1.1"). */
  requests(): string[];
  stop(): Promise<void>;
}

export async function startTinyproxy(options: { user?: string; password?: string } = {}): Promise<TinyproxyInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-tinyproxy-'));
  const port = await freePort();
  const conf = path.join(dir, 'tinyproxy.conf');
  // No ConnectPort line: CONNECT is allowed to any port (Pebble's is a free one).
  writeFileSync(conf, [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Allow 127.0.0.1',
    'Timeout 60',
    'MaxClients 50',
    'LogLevel Connect',
    ...(options.user ? [`BasicAuth ${options.user} ${options.password ?? ''}`] : []),
    '',
  ].join('\n'));
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await waitForPort(port, 15_000, () => (child.exitCode !== null ? `tinyproxy exited: ${log}` : undefined));
  const credentials = options.user ? `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password ?? '')}@` : '';
  return {
    url: `http://${credentials}127.0.0.1:${port}`,
    port,
    requests: () => [...log.matchAll(/Request \(file descriptor \d+\): (.*)$/gm)].map((m) => m[1]!.trim()),
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
