/**
 * A private Pebble (and pebble-challtestsrv) per call, or one per test process for
 * the files that can share it (sharedPebble), on free 127.0.0.1 ports,
 * with a throwaway TLS certificate that no other running Pebble shares (docs/testing.md). Nothing listens on a
 * fixed port or on 0.0.0.0; everything is stopped by `stop()`, and killed on
 * process exit if a test forgot to.
 *
 * Only Node built-ins are imported and only erasable TypeScript is used, so the
 * file also loads under plain Node 24 (e.g. from bench/).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { createSocket } from 'node:dgram';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface StartPebbleOptions {
  /** EAB key id → base64url HMAC key. When given, Pebble requires external account binding. */
  eabKeys?: Record<string, string>;
  /**
   * Extra environment for Pebble: PEBBLE_WFE_NONCEREJECT, PEBBLE_VA_ALWAYS_VALID,
   * PEBBLE_ALTERNATE_ROOTS, PEBBLE_AUTHZREUSE, PEBBLE_CHAIN_LENGTH… Defaults set here:
   * PEBBLE_VA_NOSLEEP=1 and PEBBLE_WFE_NONCEREJECT=0 (no badNonce unless asked for).
   */
  env?: Record<string, string>;
  /** Start pebble-challtestsrv as Pebble's DNS server (default true, unless dnsServer is given). */
  withChallTestSrv?: boolean;
  /** 127.0.0.1:PORT of a DNS server of the test's own (a recursive BIND) for Pebble's VA; no challtestsrv then. */
  dnsServer?: string;
  /** More keys for the "pebble" object of Pebble's config file (e.g. retryAfter). */
  config?: Record<string, unknown>;
  /** Keep the temporary directory (config, certificates, logs) after stop(), for debugging. */
  keepFiles?: boolean;
  /** How long to wait for everything to answer; default 15 s. */
  startTimeoutMs?: number;
}

export interface PebbleInstance {
  /** https://127.0.0.1:PORT/dir */
  directoryUrl: string;
  /** PEM of the CA that signed Pebble's listener certificate (for --ca-file / `ca`). */
  caFile: string;
  /** https://127.0.0.1:PORT (same CA as the directory). */
  managementUrl: string;
  /** http://127.0.0.1:PORT, the management API of pebble-challtestsrv; '' without it. */
  challTestSrvUrl: string;
  /** 127.0.0.1:PORT, the DNS server Pebble resolves with (pebble-challtestsrv, or options.dnsServer); '' without either. */
  dnsServer: string;
  /** Where Pebble's VA connects for http-01: run the responder on 127.0.0.1:httpPort. */
  httpPort: number;
  /** Where Pebble's VA connects for tls-alpn-01. */
  tlsPort: number;
  /** The temporary directory holding config, certificates and logs. */
  dir: string;
  /** Pebble's stdout (its request log); stderr goes to `${dir}/pebble.stderr.log`. */
  logPath: string;
  readLog(): Promise<string>;
  stop(): Promise<void>;
}

/** GET /cert-status-by-serial/<serial> of Pebble's management API. */
export interface CertStatus {
  Status: 'Valid' | 'Revoked' | string;
  Serial: string;
  Certificate: string;
  /** Revocation reason code, when revoked. */
  Reason?: number;
  RevokedAt?: string;
}

const HOST = '127.0.0.1';
const START_ATTEMPTS = 3;
const POLL_MS = 50;

// ---------------------------------------------------------------------------
// Cleanup of whatever a crashed or careless test leaves behind.

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanup = (): void => {
    for (const child of liveChildren) child.kill('SIGKILL');
    liveChildren.clear();
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
    liveDirs.clear();
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanup();
      process.off(signal, onSignal);
      // Die of the same signal, as if nobody had listened.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Removes `dir` when this process ends: on exit, and on SIGINT, SIGTERM or SIGHUP (vitest stops a worker with SIGTERM,
 * which runs no 'exit' listener), with the processes started here. For what a shared server leaves until then.
 */
export function removeAtExit(dir: string): void {
  installExitHook();
  liveDirs.add(dir);
}

// ---------------------------------------------------------------------------
// Free ports.

function listenTcp(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: HOST, port, exclusive: true }, () => resolve(server));
  });
}

function closeTcp(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function tcpPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

async function udpFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: HOST, port, exclusive: true }, () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** One free TCP port on 127.0.0.1, for a test's own server (nginx, a stand-in). */
export async function freePort(): Promise<number> {
  const server = await listenTcp(0);
  const port = tcpPort(server);
  await closeTcp(server);
  return port;
}

/**
 * `tcpCount` distinct free TCP ports, then one port free for both TCP and UDP
 * (for DNS). All are held open together so they differ, then released.
 */
export async function freePorts(tcpCount: number): Promise<{ tcp: number[]; dns: number }> {
  const held: Server[] = [];
  try {
    for (let i = 0; i < tcpCount; i++) held.push(await listenTcp(0));
    let dns = 0;
    for (let attempt = 0; attempt < 20 && dns === 0; attempt++) {
      const server = await listenTcp(0);
      held.push(server);
      if (await udpFree(tcpPort(server))) dns = tcpPort(server);
    }
    if (dns === 0) throw new Error('no port on 127.0.0.1 is free for both TCP and UDP');
    return { tcp: held.slice(0, tcpCount).map(tcpPort), dns };
  } finally {
    await Promise.all(held.map(closeTcp));
  }
}

// ---------------------------------------------------------------------------
// TLS certificate for Pebble's listeners.

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}

/** A throwaway CA and a leaf for localhost / 127.0.0.1, signed by it (also the ACME stand-in's listener). */
export async function makeListenerCertificate(dir: string, caName = 'acmecli test Pebble listener CA'): Promise<ListenerCertificate> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run(
    'openssl',
    ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '7', '-subj', `/CN=${caName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  // The leaf's key, and its certificate signed by the CA, in one process (`req -x509 -CA`, OpenSSL 3): each openssl
  // forked from a test worker costs ~25 ms of CPU, and a run starts about twenty Pebbles. -addext overrides what the
  // default config's x509 section would add (CA:TRUE).
  await run(
    'openssl',
    ['req', '-x509', ...ec, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '7', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=serverAuth'],
    dir,
  );
  const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((name) => readFile(path.join(dir, name))));
  return { ca: ca as Buffer, cert: cert as Buffer, key: key as Buffer };
}

export interface ListenerCertificate {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

// Making a listener certificate costs two openssl processes, forked from a test process. A stopped
// Pebble's certificate goes back to this pool for the next Pebble of the same process, so Pebbles that are
// alive at the same time (a primary and a fallback CA) still never share a CA.
const idleListenerCertificates: ListenerCertificate[] = [];

/** Writes a listener certificate into `dir` (ca.pem, cert.pem, key.pem) and returns it, to be given back on stop. */
async function takeListenerCertificate(dir: string): Promise<{ listener: ListenerCertificate; caFile: string; certFile: string; keyFile: string }> {
  const caFile = path.join(dir, 'ca.pem');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const idle = idleListenerCertificates.pop();
  if (idle === undefined) return { listener: await makeListenerCertificate(dir), caFile, certFile, keyFile };
  await Promise.all([writeFile(caFile, idle.ca), writeFile(certFile, idle.cert), writeFile(keyFile, idle.key, { mode: 0o600 })]);
  return { listener: idle, caFile, certFile, keyFile };
}

// ---------------------------------------------------------------------------
// Small HTTP client (loopback only).

interface HttpResult {
  status: number;
  body: string;
}

async function request(url: string, options: { method?: string; body?: string; ca?: Buffer; timeoutMs?: number } = {}): Promise<HttpResult> {
  const target = new URL(url);
  if (target.hostname !== HOST && target.hostname !== 'localhost') throw new Error(`refusing non-loopback URL ${url}`);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      {
        method: options.method ?? 'GET',
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
        headers: options.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) },
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${options.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

// ---------------------------------------------------------------------------
// Processes.

export interface Proc {
  name: string;
  child: ChildProcess;
  stdoutPath: string;
  stderrPath: string;
  exited: Promise<void>;
}

export function startProcess(name: string, command: string, args: string[], dir: string, env: NodeJS.ProcessEnv): Proc {
  installExitHook();
  const stdoutPath = path.join(dir, `${name}.log`);
  const stderrPath = path.join(dir, `${name}.stderr.log`);
  const out = openSync(stdoutPath, 'a');
  const err = openSync(stderrPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', out, err] });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  liveChildren.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      liveChildren.delete(child);
      resolve();
    });
    child.once('error', () => {
      liveChildren.delete(child);
      resolve();
    });
  });
  return { name, child, stdoutPath, stderrPath, exited };
}

function hasExited(proc: Proc): boolean {
  return proc.child.exitCode !== null || proc.child.signalCode !== null || !liveChildren.has(proc.child);
}

export async function stopProcess(proc: Proc): Promise<void> {
  if (hasExited(proc)) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 3_000);
  await proc.exited;
  clearTimeout(timer);
}

async function tail(file: string, lines = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function describe(proc: Proc): Promise<string> {
  const status = hasExited(proc) ? `exited (${proc.child.exitCode ?? proc.child.signalCode ?? 'spawn error'})` : 'still running';
  const out = await tail(proc.stdoutPath);
  const err = await tail(proc.stderrPath);
  return `${proc.name} ${status}\n--- ${proc.name} stderr ---\n${err}\n--- ${proc.name} stdout ---\n${out}`;
}

async function bindFailed(proc: Proc): Promise<boolean> {
  const text = (await tail(proc.stdoutPath, 50)) + '\n' + (await tail(proc.stderrPath, 50));
  // BIND says the second when another process took its free port first (its log does not always name the cause).
  return /address already in use|unable to listen on any configured interfaces/i.test(text);
}

export class PortClash extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true, failing early if a process dies or cannot bind. */
export async function waitUntil(probe: () => Promise<boolean>, procs: Proc[], deadline: number, what: string): Promise<void> {
  let lastError = '';
  for (;;) {
    for (const proc of procs) {
      if (await bindFailed(proc)) throw new PortClash(await describe(proc));
      if (hasExited(proc)) throw new Error(`${what}: ${await describe(proc)}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const details = await Promise.all(procs.map(describe));
      throw new Error(`${what}: not ready in time${lastError ? ` (last error: ${lastError})` : ''}\n${details.join('\n')}`);
    }
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------------------

export async function startPebble(options: StartPebbleOptions = {}): Promise<PebbleInstance> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof PortClash) || attempt >= START_ATTEMPTS) {
        throw error instanceof PortClash ? new Error(`could not bind Pebble's ports after ${attempt} attempts:\n${error.message}`) : error;
      }
    }
  }
}

/**
 * What may vary between shared Pebbles: anything else (EAB, config) needs startPebble. A shared Pebble runs with
 * pebble-challtestsrv unless it resolves through a DNS server that is shared too (the worker's DNS lab, sharedDnsLab):
 * the files that need no DNS take the one of those that do, since each Pebble costs about 0.3 s of CPU to start (it
 * makes its CA's RSA keys) and challtestsrv about 0.02 s.
 */
export type SharedPebbleOptions = Pick<StartPebbleOptions, 'env' | 'dnsServer'>;

const sharedPebbles = new Map<string, Promise<PebbleInstance>>();

/**
 * The Pebble of this process for these options, started by the first caller and then left running: vitest runs a
 * worker's test files one after another in one process (isolate: false), so a dozen files share a Pebble instead of
 * each paying for one. Its stop() does nothing; the process exit kills it. For files that only issue through it (each
 * with its own account key), count its log lines relative to a before, and do not stop it to play a CA that is down.
 */
export function sharedPebble(options: SharedPebbleOptions = {}): Promise<PebbleInstance> {
  // Shared Pebbles reuse almost no authorization (PEBBLE_AUTHZREUSE=0: about 1 in 100, where Pebble's default reuses
  // half of them): nearly every order answers its challenges, and a file that needs that (cert-lineages) shares the
  // worker's Pebble instead of starting one of its own.
  const env = Object.entries({ PEBBLE_AUTHZREUSE: '0', ...options.env }).sort(([a], [b]) => a.localeCompare(b));
  const key = JSON.stringify([options.dnsServer ?? '', env]);
  let started = sharedPebbles.get(key);
  if (started === undefined) {
    started = startPebble({ ...options, env: Object.fromEntries(env) }).then((pebble) => ({ ...pebble, stop: async () => {} }));
    // A failed start is not kept: the next file tries again.
    started.catch(() => sharedPebbles.delete(key));
    sharedPebbles.set(key, started);
  }
  return started;
}

async function startOnce(options: StartPebbleOptions): Promise<PebbleInstance> {
  const withChallTestSrv = options.dnsServer === undefined && (options.withChallTestSrv ?? true);
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-pebble-'));
  liveDirs.add(dir);
  const procs: Proc[] = [];
  let stopped: Promise<void> | undefined;
  let listener: ListenerCertificate | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await Promise.all(procs.map(stopProcess));
      if (listener) idleListenerCertificates.push(listener);
      liveDirs.delete(dir);
      if (!options.keepFiles) rmSync(dir, { recursive: true, force: true });
    })());

  try {
    const taken = await takeListenerCertificate(dir);
    listener = taken.listener;
    const { caFile, certFile, keyFile } = taken;
    const ca = await readFile(caFile);
    const ports = await freePorts(5);
    const [listenPort, managementPort, httpPort, tlsPort, challMgmtPort] = ports.tcp as [number, number, number, number, number];
    const dnsServer = options.dnsServer ?? (withChallTestSrv ? `${HOST}:${ports.dns}` : '');
    const challTestSrvUrl = withChallTestSrv ? `http://${HOST}:${challMgmtPort}` : '';

    if (withChallTestSrv) {
      const args = ['-management', `${HOST}:${challMgmtPort}`, '-dns01', dnsServer, '-http01', '', '-https01', '', '-tlsalpn01', '',
        '-defaultIPv4', HOST, '-defaultIPv6', ''];
      procs.push(startProcess('pebble-challtestsrv', 'pebble-challtestsrv', args, dir, process.env));
    }

    const eab = options.eabKeys !== undefined && Object.keys(options.eabKeys).length > 0;
    const config = {
      pebble: {
        listenAddress: `${HOST}:${listenPort}`,
        managementListenAddress: `${HOST}:${managementPort}`,
        certificate: certFile,
        privateKey: keyFile,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: eab,
        ...(eab ? { externalAccountMACKeys: options.eabKeys } : {}),
        ...options.config,
      },
    };
    const configFile = path.join(dir, 'pebble-config.json');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const pebbleArgs = ['-config', configFile, ...(dnsServer ? ['-dnsserver', dnsServer] : [])];
    const pebbleEnv = { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', ...options.env };
    const pebble = startProcess('pebble', 'pebble', pebbleArgs, dir, pebbleEnv);
    procs.push(pebble);

    const directoryUrl = `https://${HOST}:${listenPort}/dir`;
    const managementUrl = `https://${HOST}:${managementPort}`;

    const waits = [
      waitUntil(
        async () => {
          const dirRes = await request(directoryUrl, { ca, timeoutMs: 2_000 });
          if (dirRes.status !== 200 || !('newAccount' in JSON.parse(dirRes.body))) return false;
          return (await request(`${managementUrl}/roots/0`, { ca, timeoutMs: 2_000 })).status === 200;
        },
        [pebble],
        deadline,
        'pebble',
      ),
    ];
    if (withChallTestSrv) {
      const challtestsrv = procs[0] as Proc;
      const resolver = new Resolver({ timeout: 500, tries: 1 });
      resolver.setServers([dnsServer]);
      waits.push(
        waitUntil(
          async () => {
            // Any HTTP answer means the management server is up (there is no health endpoint).
            await request(`${challTestSrvUrl}/`, { timeoutMs: 2_000 });
            return (await resolver.resolve4('ready.pebble.test')).includes(HOST);
          },
          [challtestsrv],
          deadline,
          'pebble-challtestsrv',
        ),
      );
    }
    const results = await Promise.allSettled(waits);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;

    return {
      directoryUrl,
      caFile,
      managementUrl,
      challTestSrvUrl,
      dnsServer,
      httpPort,
      tlsPort,
      dir,
      logPath: pebble.stdoutPath,
      readLog: () => readFile(pebble.stdoutPath, 'utf8'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Helpers for tests.

function fqdn(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}

async function challTestSrv(instance: PebbleInstance, endpoint: string, body: Record<string, string>): Promise<void> {
  if (!instance.challTestSrvUrl) throw new Error('this Pebble was started without pebble-challtestsrv');
  const res = await request(`${instance.challTestSrvUrl}/${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`pebble-challtestsrv /${endpoint}: HTTP ${res.status} ${res.body.trim()}`);
}

/** Adds a TXT value for `host` (e.g. `_acme-challenge.example.com`) on the fake DNS. */
export function setTxtRecord(instance: PebbleInstance, host: string, value: string): Promise<void> {
  return challTestSrv(instance, 'set-txt', { host: fqdn(host), value });
}

/** Removes every TXT value for `host`. */
export function clearTxtRecord(instance: PebbleInstance, host: string): Promise<void> {
  return challTestSrv(instance, 'clear-txt', { host: fqdn(host) });
}

async function management(instance: PebbleInstance, pathname: string): Promise<HttpResult> {
  return request(`${instance.managementUrl}${pathname}`, { ca: await readFile(instance.caFile) });
}

/** What Pebble knows of a certificate it issued, or null if it knows no such serial. */
export async function getCertStatusBySerial(instance: PebbleInstance, serialHex: string): Promise<CertStatus | null> {
  const serial = serialHex.replace(/[:\s]/g, '').toLowerCase();
  const res = await management(instance, `/cert-status-by-serial/${serial}`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`pebble /cert-status-by-serial/${serial}: HTTP ${res.status} ${res.body.trim()}`);
  return JSON.parse(res.body) as CertStatus;
}

/** PEM of Pebble's issuance root `index` (0 is the default chain; more with PEBBLE_ALTERNATE_ROOTS). */
export async function getRootCertificate(instance: PebbleInstance, index = 0): Promise<string> {
  const res = await management(instance, `/roots/${index}`);
  if (res.status !== 200) throw new Error(`pebble /roots/${index}: HTTP ${res.status} ${res.body.trim()}`);
  return res.body;
}

/** PEM of Pebble's intermediate `index`. */
export async function getIntermediateCertificate(instance: PebbleInstance, index = 0): Promise<string> {
  const res = await management(instance, `/intermediates/${index}`);
  if (res.status !== 200) throw new Error(`pebble /intermediates/${index}: HTTP ${res.status} ${res.body.trim()}`);
  return res.body;
}
