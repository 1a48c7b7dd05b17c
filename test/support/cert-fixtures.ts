/** Small real servers and files the cert tests need: a webroot server, a stateless responder, a DNS hook. */
import { createServer, type Server } from 'node:http';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { certificateMatchesKey } from '../../src/certs/certificate.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `acmecli-${prefix}-`));
}

/** Listens on 127.0.0.1:port and answers with `answer(path)` (404 when it returns undefined). */
export async function serveOn(port: number, answer: (urlPath: string) => string | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const body = answer(req.url ?? '/');
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A uacme-style hook that publishes dns-01 / dns-account-01 TXT records in
 * pebble-challtestsrv and declines every other type (exit 1), logging each call.
 */
export function writeDnsHook(dir: string, challTestSrvUrl: string): { path: string; log: string } {
  const log = path.join(dir, 'hook.log');
  const file = path.join(dir, 'dns-hook.sh');
  writeFileSync(file, `#!/bin/sh
echo "$1 $2 $3 name=$ACMECLI_TXT_NAME" >> '${log}'
case "$2" in dns-01|dns-account-01) ;; *) exit 1 ;; esac
case "$1" in
  begin) curl -sf -X POST -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\",\\"value\\":\\"$ACMECLI_TXT_VALUE\\"}" '${challTestSrvUrl}/set-txt' ;;
  *) curl -sf -X POST -d "{\\"host\\":\\"$ACMECLI_TXT_NAME.\\"}" '${challTestSrvUrl}/clear-txt' ;;
esac
`);
  chmodSync(file, 0o755);
  return { path: file, log };
}

/** Whether the key file on disk is the key of the certificate file on disk. */
export function pairMatches(certFile: string, keyFile: string): boolean {
  return certificateMatchesKey(readFileSync(certFile, 'utf8'), createPrivateKey(readFileSync(keyFile)));
}
