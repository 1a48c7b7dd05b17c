/**
 * A stand-in for joohoi/acme-dns (which is not packaged for Debian), written from
 * its README's API section: POST /register answers 201 with a new account whose
 * fulldomain is in the lab's TARGET_ZONE; POST /update with X-Api-User and
 * X-Api-Key sets the subdomain's TXT, keeping the two latest values (a wildcard
 * and its base name), and 401 {"error":"forbidden"} / 400 {"error":"bad_txt"}
 * otherwise. Where the real acme-dns serves DNS itself, this one writes the TXT
 * into the test's BIND (nsupdate), so Pebble resolves it through the recursive BIND.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';

import { TARGET_ZONE, type DnsLab } from './bind.js';

export interface AcmeDnsStandIn {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Requests seen, for assertions: method, path, the X-Api-User header. */
  requests: Array<{ method: string; path: string; user?: string }>;
  /**
   * A hostile acme-dns: while set, /register answers 201 with a body of this many
   * bytes (a JSON string that never closes), written as fast as the client reads it.
   */
  hugeAnswerBytes: number | undefined;
  /** How many bytes of the huge answers were written before the client stopped reading (closed). */
  hugeBytesWritten: number;
  stop(): Promise<void>;
}

interface Account {
  username: string;
  password: string;
  subdomain: string;
  fulldomain: string;
  values: string[];
}

export async function startAcmeDnsStandIn(lab: DnsLab): Promise<AcmeDnsStandIn> {
  const accounts = new Map<string, Account>();
  const requests: AcmeDnsStandIn['requests'] = [];
  const [host, port] = lab.primary.split(':') as [string, string];
  const publish = (a: Account): void => {
    const adds = a.values.map((v) => `update add ${a.fulldomain}. 1 TXT "${v}"`).join('\n');
    execFileSync('nsupdate', ['-k', lab.keyFile], { input: `server ${host} ${port}\nupdate delete ${a.fulldomain}. TXT\n${adds}\nsend\n` });
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const user = req.headers['x-api-user'];
      requests.push({ method: req.method ?? '', path: req.url ?? '', ...(typeof user === 'string' ? { user } : {}) });
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST') return reply(405, { error: 'method_not_allowed' });
      if (req.url === '/register' && standIn.hugeAnswerBytes !== undefined) return sendHuge(res, standIn.hugeAnswerBytes);
      if (req.url === '/register') {
        const subdomain = randomUUID();
        const account: Account = { username: randomUUID(), password: randomBytes(30).toString('base64url').slice(0, 40), subdomain, fulldomain: `${subdomain}.${TARGET_ZONE}`, values: [] };
        accounts.set(account.username, account);
        return reply(201, { allowfrom: [], fulldomain: account.fulldomain, password: account.password, subdomain, username: account.username });
      }
      if (req.url === '/update') {
        const account = typeof user === 'string' ? accounts.get(user) : undefined;
        if (!account || req.headers['x-api-key'] !== account.password) return reply(401, { error: 'forbidden' });
        let body: { subdomain?: unknown; txt?: unknown };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
        } catch {
          return reply(400, { error: 'malformed_json_payload' });
        }
        if (body.subdomain !== account.subdomain) return reply(401, { error: 'forbidden' });
        if (typeof body.txt !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(body.txt)) return reply(400, { error: 'bad_txt' });
        account.values = [...account.values, body.txt].slice(-2);
        try {
          publish(account);
        } catch (err) {
          return reply(500, { error: String(err) });
        }
        return reply(200, { txt: body.txt });
      }
      return reply(404, { error: 'not_found' });
    });
  });
  const sendHuge = (res: http.ServerResponse, bytes: number): void => {
    res.writeHead(201, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let left = bytes;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, chunk.length);
        left -= n;
        standIn.hugeBytesWritten += n;
        if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => { left = 0; });
    pump();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const standIn: AcmeDnsStandIn = {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    hugeAnswerBytes: undefined,
    hugeBytesWritten: 0,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  return standIn;
}
