import { Agent, request } from 'node:http';
import { afterEach, expect, test } from 'vitest';

import type { ChallengeTask } from '../../../src/acme/solver.js';
import { BadResponseError } from '../../../src/errors.js';
import { createHttpStandaloneSolver, type HttpStandaloneSolver } from '../../../src/solvers/http-standalone.js';

const THUMBPRINT = '9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';

function task(token: string, identifier: ChallengeTask['identifier'] = { type: 'dns', value: 'example.org' }): ChallengeTask {
  return { type: 'http-01', identifier, token, keyAuthorization: `${token}.${THUMBPRINT}`, wildcard: false };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, options: { method?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

let solver: HttpStandaloneSolver | undefined;
afterEach(async () => {
  await solver?.close();
  solver = undefined;
});

async function started(): Promise<{ solver: HttpStandaloneSolver; port: number }> {
  solver = createHttpStandaloneSolver({ address: '127.0.0.1:0' });
  await solver.prepare();
  const port = solver.port();
  if (port === undefined || port === 0) throw new Error('not listening');
  return { solver, port };
}

const signal = new AbortController().signal;

test('RFC 8555 §8.3: answers each registered token with its key authorization, nothing more', async () => {
  const { solver, port } = await started();
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  const b = task('evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA', { type: 'ip', value: '127.0.0.1' });
  expect(await solver.begin(a, signal)).toBe('accepted');
  expect(await solver.begin(b, signal)).toBe('accepted');

  const replyA = await get(port, `/.well-known/acme-challenge/${a.token}`);
  expect(replyA.status).toBe(200);
  expect(replyA.body).toBe(a.keyAuthorization);
  expect(replyA.headers['content-type']).toBe('text/plain');
  expect(replyA.headers['content-length']).toBe(String(a.keyAuthorization.length));
  expect((await get(port, `/.well-known/acme-challenge/${b.token}?x=1`)).body).toBe(b.keyAuthorization);

  const head = await get(port, `/.well-known/acme-challenge/${a.token}`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(head.body).toBe('');
});

test('unknown tokens, other paths and other methods get no key authorization', async () => {
  const { solver, port } = await started();
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  await solver.begin(a, signal);
  expect((await get(port, '/.well-known/acme-challenge/unknownToken')).status).toBe(404);
  expect((await get(port, `/${a.token}`)).status).toBe(404);
  expect((await get(port, `/.well-known/acme-challenge/${a.token}/`)).status).toBe(404);
  const post = await get(port, `/.well-known/acme-challenge/${a.token}`, { method: 'POST' });
  expect(post.status).toBe(405);
  expect(post.body).not.toContain(THUMBPRINT);
});

test('end unregisters: the token answers 404 afterwards, the others still answer', async () => {
  const { solver, port } = await started();
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  const b = task('evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA');
  await Promise.all([solver.begin(a, signal), solver.begin(b, signal)]);
  await solver.end(a, 'done');
  expect((await get(port, `/.well-known/acme-challenge/${a.token}`)).status).toBe(404);
  expect((await get(port, `/.well-known/acme-challenge/${b.token}`)).status).toBe(200);
});

test('begin binds on its own when prepare was not called', async () => {
  solver = createHttpStandaloneSolver({ address: '127.0.0.1:0' });
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  expect(solver.port()).toBeUndefined();
  await solver.begin(a, signal);
  expect((await get(solver.port() as number, `/.well-known/acme-challenge/${a.token}`)).body).toBe(a.keyAuthorization);
});

test('a token that is not base64url is refused', async () => {
  const { solver } = await started();
  await expect(solver.begin(task('../etc/passwd'), signal)).rejects.toBeInstanceOf(BadResponseError);
});

test('close() ends keep-alive connections too, and frees the port', async () => {
  const { solver, port } = await started();
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  await solver.begin(a, signal);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const reply = await get(port, `/.well-known/acme-challenge/${a.token}`, { agent });
    expect(reply.headers.connection).toBe('keep-alive');
    const [socket] = Object.values(agent.freeSockets).flat();
    expect(socket).toBeDefined();
    const socketClosed = new Promise<void>((resolve) => socket?.once('close', () => resolve()));
    await solver.close();
    await socketClosed;
    await expect(get(port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  } finally {
    agent.destroy();
  }
});

test('answers http-01 for dns and ip identifiers only', () => {
  solver = createHttpStandaloneSolver({ address: '127.0.0.1:0' });
  expect(solver.canAnswer('http-01', { type: 'dns', value: 'example.org' })).toBe(true);
  expect(solver.canAnswer('http-01', { type: 'ip', value: '192.0.2.1' })).toBe(true);
  expect(solver.canAnswer('dns-01', task('a').identifier)).toBe(false);
  expect(solver.canAnswer('tls-alpn-01', task('a').identifier)).toBe(false);
});

test('answerFetched settles once the CA has fetched that token\'s answer, not on a miss, a HEAD or another token', async () => {
  const { solver, port } = await started();
  const a = task('LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0');
  const b = task('evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA');
  await solver.begin(a, signal);
  await solver.begin(b, signal);
  const seen: string[] = [];
  void solver.answerFetched(a).then(() => seen.push('a'));
  void solver.answerFetched(b).then(() => seen.push('b'));
  await get(port, '/.well-known/acme-challenge/not-a-registered-token');
  await get(port, `/.well-known/acme-challenge/${a.token}`, { method: 'HEAD' });
  await get(port, `/.well-known/acme-challenge/${b.token}`);
  await solver.answerFetched(b);
  expect(seen).toEqual(['b']);
  await get(port, `/.well-known/acme-challenge/${a.token}`);
  await solver.answerFetched(a);
  expect(seen).toEqual(['b', 'a']);
});
