/**
 * A real Prometheus node_exporter (Debian package prometheus-node-exporter)
 * with only its textfile collector, reading a test's folder, on a free
 * 127.0.0.1 port: the consumer `cert renew --metrics-file` writes for.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './pebble.js';

export interface NodeExporter {
  /** Where to put `*.prom` files. */
  textfileDir: string;
  /** GET /metrics. */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

export async function startNodeExporter(): Promise<NodeExporter> {
  const textfileDir = mkdtempSync(path.join(tmpdir(), 'acmecli-textfile-'));
  const port = await freePort();
  const child = spawn('prometheus-node-exporter', [
    `--web.listen-address=127.0.0.1:${port}`,
    '--collector.disable-defaults',
    '--collector.textfile',
    `--collector.textfile.directory=${textfileDir}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return res.text();
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node_exporter exited: ${stderr}`);
    if (await scrape().then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`node_exporter did not answer: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    textfileDir,
    scrape,
    async stop() {
      process.removeListener('exit', killOnExit);
      child.kill('SIGTERM');
      rmSync(textfileDir, { recursive: true, force: true });
    },
  };
}
