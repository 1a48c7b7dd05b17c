/**
 * Real DNS for the dns-01 tests: BIND 9 (`named`, Debian bind9) started as a
 * foreground process on free 127.0.0.1 ports, each with its own temporary config.
 *
 * - the primary: authoritative for NAMES_ZONE (the names certificates are for) and
 *   TARGET_ZONE (where a CNAME delegation points), dynamic updates allowed for the
 *   TSIG key `acme-key` (TXT records only), and a second key `other-key` that the
 *   update policy does not allow;
 * - a recursive BIND forwarding both zones to the primary, with no negative and no
 *   positive caching: Pebble's `-dnsserver`, since Pebble's resolver does not follow
 *   a CNAME and an authoritative BIND does not follow one into another zone;
 * - optionally a secondary for NAMES_ZONE and TARGET_ZONE that only transfers the zones when
 *   the test says so (`catchUp()`), to show the propagation check waiting for it.
 *
 * Run as root (CI), named drops to the `bind` user the package creates. Only
 * processes started here are ever stopped.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo, tmpdir } from 'node:os';
import path from 'node:path';

import { PortClash, freePorts, removeAtExit, startProcess, stopProcess, waitUntil, type Proc } from './pebble.js';

export const NAMES_ZONE = 'example.test';
export const TARGET_ZONE = 'auth.test';
/** `_acme-challenge.delegated.example.test` is a CNAME to this name in TARGET_ZONE. */
export const DELEGATED_NAME = 'delegated.example.test';
export const DELEGATION_TARGET = `_acme-challenge.delegated.${TARGET_ZONE}`;

export interface TsigKeyInfo {
  name: string;
  algorithm: string;
  /** base64, as RFC2136_TSIG_SECRET takes it. */
  secret: string;
}

export interface DnsLab {
  /** 127.0.0.1:PORT of the primary (RFC2136_NAMESERVER, and an authoritative --dns-resolver). */
  primary: string;
  /** 127.0.0.1:PORT of the recursive BIND: Pebble's -dnsserver. */
  recursive: string;
  /** 127.0.0.1:PORT of the lagging secondary ('' without one). */
  secondary: string;
  /** The key the update policy allows. */
  key: TsigKeyInfo;
  /** A key the primary knows but lets change nothing. */
  otherKey: TsigKeyInfo;
  /** A BIND key file holding `key`, as `nsupdate -k` reads it. */
  keyFile: string;
  dir: string;
  /** The TXT records `server` itself holds at `name` (no recursion). */
  txt(server: string, name: string): Promise<string[]>;
  /** Has the secondary transfer the zones from the primary now. */
  catchUp(): Promise<void>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

function zoneFile(_zone: string, extra: string[]): string {
  // Refresh an hour: the secondary only transfers when catchUp() asks it to.
  return [`$TTL 60`, `@ IN SOA ns1.${NAMES_ZONE}. hostmaster.${NAMES_ZONE}. 1 3600 600 86400 1`, `@ IN NS ns1.${NAMES_ZONE}.`, ...extra, ''].join('\n');
}

function keyClause(k: TsigKeyInfo): string {
  return `key "${k.name}" {\n\talgorithm ${k.algorithm};\n\tsecret "${k.secret}";\n};\n`;
}

function commonOptions(dir: string, port: number, extra: string): string {
  return `options {
  directory "${dir}";
  listen-on port ${port} { ${HOST}; };
  listen-on-v6 { none; };
  pid-file none;
  session-keyfile none;
  dnssec-validation no;
  notify no;
  ${extra}
};
`;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${String(stderr).trim() || error.message}`));
      else resolve(String(stdout));
    });
  });
}

/** named and rndc are in /usr/sbin, which a normal user's PATH may lack. */
function sbin(command: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin']) {
    if (dir && existsSync(path.join(dir, command))) return path.join(dir, command);
  }
  throw new Error(`${command} is not installed: run \`node scripts/ensure-pebble.mjs\` as root, or apt-get install bind9 bind9-dnsutils`);
}

/** named's arguments: in the foreground, logging to stderr; as `bind` when we are root. */
function namedArgs(config: string): string[] {
  return ['-g', '-c', config, ...(userInfo().uid === 0 ? ['-u', 'bind'] : [])];
}

function giveToNamed(dir: string, files: string[]): void {
  if (userInfo().uid !== 0) return;
  // named drops to `bind` after reading its config; it must still write journals and the secondary's zone files.
  const target = bindUid();
  for (const file of [dir, ...files]) chownSync(file, target, target);
}

let cachedBindUid: number | undefined;
function bindUid(): number {
  if (cachedBindUid !== undefined) return cachedBindUid;
  let text = '';
  try {
    text = execFileSync('id', ['-u', 'bind'], { encoding: 'utf8' }).trim();
  } catch {
    // no such user
  }
  if (!/^\d+$/.test(text)) throw new Error('the user `bind` does not exist: is Debian package bind9 installed? (node scripts/ensure-pebble.mjs installs it)');
  cachedBindUid = Number(text);
  return cachedBindUid;
}

async function soaAnswers(server: string, zone: string): Promise<boolean> {
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([server]);
  const soa = await resolver.resolveSoa(zone);
  return soa.serial >= 1;
}

export interface StartDnsLabOptions {
  /** Start the lagging secondary too. */
  secondary?: boolean;
  /** More lines for NAMES_ZONE's zone file. */
  namesRecords?: string[];
  keepFiles?: boolean;
}

export async function startDnsLab(options: StartDnsLabOptions = {}): Promise<DnsLab> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof PortClash) || attempt >= 3) throw error;
    }
  }
}

async function startOnce(options: StartDnsLabOptions): Promise<DnsLab> {
  const dir = mkdtempSync(path.join(tmpdir(), 'acmecli-bind-'));
  const procs: Proc[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map(stopProcess));
    if (!options.keepFiles) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const key: TsigKeyInfo = { name: 'acme-key', algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
    const otherKey: TsigKeyInfo = { name: 'other-key', algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
    const rndcKey: TsigKeyInfo = { name: 'rndc-key', algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
    const keyFile = path.join(dir, 'acme-key.conf');
    await writeFile(keyFile, keyClause(key), { mode: 0o600 });
    const keys = path.join(dir, 'keys.conf');
    await writeFile(keys, keyClause(key) + keyClause(otherKey) + keyClause(rndcKey), { mode: 0o600 });

    const primaryPort = (await freePorts(0)).dns;
    const recursivePort = (await freePorts(0)).dns;
    const secondaryPort = options.secondary ? (await freePorts(0)).dns : 0;
    const [controlPort] = options.secondary ? (await freePorts(1)).tcp : [0];

    const namesFile = path.join(dir, 'names.zone');
    const targetFile = path.join(dir, 'target.zone');
    await writeFile(namesFile, zoneFile(NAMES_ZONE, [
      `ns1 IN A ${HOST}`,
      `_acme-challenge.delegated IN CNAME ${DELEGATION_TARGET}.`,
      ...(options.namesRecords ?? []),
    ]));
    await writeFile(targetFile, zoneFile(TARGET_ZONE, []));
    const policy = `update-policy { grant ${key.name} zonesub TXT; grant ${key.name} zonesub CAA; grant ${key.name} zonesub CNAME; };`;
    const primaryConf = path.join(dir, 'primary.conf');
    await writeFile(primaryConf, `include "${keys}";\n${commonOptions(dir, primaryPort, `recursion no; allow-transfer { ${HOST}; };`)}
zone "${NAMES_ZONE}" { type primary; file "${namesFile}"; ${policy} };
zone "${TARGET_ZONE}" { type primary; file "${targetFile}"; ${policy} };
`);
    const recursiveDir = path.join(dir, 'recursive');
    await run('mkdir', ['-p', recursiveDir]);
    const recursiveConf = path.join(dir, 'recursive.conf');
    const forward = (zone: string): string => `zone "${zone}" { type forward; forward only; forwarders { ${HOST} port ${primaryPort}; }; };`;
    await writeFile(recursiveConf, `${commonOptions(recursiveDir, recursivePort, `recursion yes; allow-recursion { ${HOST}; }; max-ncache-ttl 0; max-cache-ttl 0; qname-minimization off;`)}
${forward(NAMES_ZONE)}
${forward(TARGET_ZONE)}
`);
    const files = [namesFile, targetFile, recursiveDir];
    let secondaryConf = '';
    let rndcConf = '';
    if (options.secondary) {
      const secondaryDir = path.join(dir, 'secondary');
      await run('mkdir', ['-p', secondaryDir]);
      files.push(secondaryDir);
      secondaryConf = path.join(dir, 'secondary.conf');
      const secondary = (zone: string): string => `zone "${zone}" { type secondary; primaries { ${HOST} port ${primaryPort}; }; file "${path.join(secondaryDir, `${zone}.zone`)}"; };`;
      await writeFile(secondaryConf, `include "${keys}";\n${commonOptions(secondaryDir, secondaryPort, 'recursion no;')}
controls { inet ${HOST} port ${controlPort} allow { ${HOST}; } keys { "${rndcKey.name}"; }; };
${secondary(NAMES_ZONE)}
${secondary(TARGET_ZONE)}
`);
      rndcConf = path.join(dir, 'rndc.conf');
      await writeFile(rndcConf, `${keyClause(rndcKey)}options { default-key "${rndcKey.name}"; default-server ${HOST}; default-port ${controlPort}; };\n`, { mode: 0o600 });
    }
    giveToNamed(dir, [...files, keys]);

    const deadline = Date.now() + 30_000;
    const primary = startProcess('named-primary', sbin('named'), namedArgs(primaryConf), dir, process.env);
    procs.push(primary);
    await waitUntil(() => soaAnswers(`${HOST}:${primaryPort}`, NAMES_ZONE), [primary], deadline, 'named (primary)');
    const recursive = startProcess('named-recursive', sbin('named'), namedArgs(recursiveConf), dir, process.env);
    procs.push(recursive);
    const waits = [waitUntil(() => soaAnswers(`${HOST}:${recursivePort}`, TARGET_ZONE), [recursive], deadline, 'named (recursive)')];
    if (options.secondary) {
      const secondary = startProcess('named-secondary', sbin('named'), namedArgs(secondaryConf), dir, process.env);
      procs.push(secondary);
      waits.push(waitUntil(async () => (await soaAnswers(`${HOST}:${secondaryPort}`, NAMES_ZONE)) && soaAnswers(`${HOST}:${secondaryPort}`, TARGET_ZONE), [secondary], deadline, 'named (secondary)'));
    }
    await Promise.all(waits);

    return {
      primary: `${HOST}:${primaryPort}`,
      recursive: `${HOST}:${recursivePort}`,
      secondary: options.secondary ? `${HOST}:${secondaryPort}` : '',
      key,
      otherKey,
      keyFile,
      dir,
      async txt(server, name) {
        const resolver = new Resolver({ timeout: 1_000, tries: 2 });
        resolver.setServers([server]);
        try {
          return (await resolver.resolveTxt(name)).map((parts) => parts.join(''));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENODATA' || (err as NodeJS.ErrnoException).code === 'ENOTFOUND') return [];
          throw err;
        }
      },
      async catchUp() {
        if (!rndcConf) throw new Error('this lab has no secondary');
        // retransfer: a full transfer now, whatever the serials say.
        await run(sbin('rndc'), ['-c', rndcConf, 'retransfer', NAMES_ZONE]);
        await run(sbin('rndc'), ['-c', rndcConf, 'retransfer', TARGET_ZONE]);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

let sharedLab: Promise<DnsLab> | undefined;

/**
 * The DNS lab of this process (with its lagging secondary), started by the first file that asks and killed when the
 * worker exits, as sharedPebble does for Pebble: the dns-01 files of a worker share one lab (three named processes and
 * their start) instead of starting one each. They use names of their own in the zones and check that their records
 * are gone, so they only rely on what they wrote; its stop() does nothing.
 */
export function sharedDnsLab(): Promise<DnsLab> {
  if (sharedLab === undefined) {
    const started = startDnsLab({ secondary: true }).then((lab) => {
      removeAtExit(lab.dir);
      return { ...lab, stop: async () => {} };
    });
    // A failed start is not kept: the next file tries again.
    started.catch(() => {
      if (sharedLab === started) sharedLab = undefined;
    });
    sharedLab = started;
  }
  return sharedLab;
}

/** The named log of one of the lab's servers, for a failing test's message. */
export async function namedLog(lab: DnsLab, which: 'primary' | 'recursive' | 'secondary'): Promise<string> {
  return readFile(path.join(lab.dir, `named-${which}.stderr.log`), 'utf8').catch(() => '');
}
