import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import { badToken, isChallengeToken } from './challenge-token.js';
import { boundPort, listenWhenAsked, parseListenAddress, type ListenAddress } from '../net/listen-address.js';

export { parseListenAddress, type ListenAddress } from '../net/listen-address.js';

export interface HttpStandaloneOptions {
  /** `:80`, `80`, `127.0.0.1:5002`, `[::1]:80`; port 0 picks a free port. */
  address: string;
}

export interface HttpStandaloneSolver extends ChallengeSolver {
  prepare(): Promise<void>;
  close(): Promise<void>;
  answerFetched(task: ChallengeTask): Promise<void>;
  /** The port listened on, once prepared (the real one when the address said port 0). */
  port(): number | undefined;
}

const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/**
 * http-01 (RFC 8555 §8.3) from a built-in web server: answers
 * `GET /.well-known/acme-challenge/<token>` with the key authorization for every
 * token currently between begin and end, and 404 for anything else.
 *
 * Throws UsageError at creation for a bad address, and from prepare() (or the first
 * begin) when the address cannot be listened on.
 */
export function createHttpStandaloneSolver(options: HttpStandaloneOptions): HttpStandaloneSolver {
  const address: ListenAddress = parseListenAddress(options.address);
  // token → key authorization, how many tasks hold it (two orders may share an authorization), and
  // whether the CA has fetched it (answerFetched).
  const answers = new Map<string, Answer & { holders: number }>();
  const server = createServer((req, res) => respond(req, res, answers));
  server.keepAliveTimeout = 5_000;

  const listening = listenWhenAsked(server, address, 'http-01');
  const prepare = listening.prepare;

  return {
    name: 'http-standalone',
    canAnswer: (type, identifier) => type === 'http-01' && (identifier.type === 'dns' || identifier.type === 'ip'),
    prepare,
    async begin(task: ChallengeTask) {
      if (!isChallengeToken(task.token)) throw badToken();
      await prepare();
      const held = answers.get(task.token);
      if (held) held.holders++;
      else {
        let markFetched = () => {};
        const fetched = new Promise<void>((resolve) => (markFetched = resolve));
        answers.set(task.token, { keyAuthorization: task.keyAuthorization, holders: 1, fetched, markFetched });
      }
      return 'accepted';
    },
    answerFetched: (task: ChallengeTask) => answers.get(task.token)?.fetched ?? new Promise<void>(() => {}),
    async end(task: ChallengeTask) {
      const held = answers.get(task.token);
      if (held && --held.holders <= 0) answers.delete(task.token);
    },
    async close() {
      answers.clear();
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      listening.closed();
    },
    port: () => boundPort(server),
  };
}

interface Answer {
  keyAuthorization: string;
  /** Settles once a response with the key authorization has been sent in full. */
  fetched: Promise<void>;
  markFetched: () => void;
}

function respond(req: IncomingMessage, res: ServerResponse, answers: Map<string, Answer>): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  const path = (req.url ?? '').split('?', 1)[0] ?? '';
  const token = path.startsWith(CHALLENGE_PREFIX) ? path.slice(CHALLENGE_PREFIX.length) : undefined;
  const answer = token === undefined ? undefined : answers.get(token);
  if (answer === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  // RFC 8555 §8.3: the body is the key authorization, nothing else (no newline).
  // CAs do not look at the media type; text/plain is what lego and acmez send.
  const body = Buffer.from(answer.keyAuthorization, 'utf8');
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'cache-control': 'no-store' });
  if (req.method === 'GET') res.once('finish', answer.markFetched);
  res.end(req.method === 'HEAD' ? undefined : body);
}
