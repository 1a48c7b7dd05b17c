import { expect, test } from 'vitest';
import { Stopping } from '../../../src/agent/stopping.js';
import type { HttpRequest, HttpResponse, HttpSend } from '../../../src/net/transport.js';

/** A send that answers when told to, and remembers the signal each request was sent with. */
function heldSend() {
  const sent: { req: HttpRequest; signal: AbortSignal | undefined }[] = [];
  const send: HttpSend = (req, signal) => {
    sent.push({ req, signal });
    return new Promise<HttpResponse>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      setTimeout(() => resolve({ status: 200, headers: {}, body: '' } as unknown as HttpResponse), 50);
    });
  };
  return { send, sent };
}
const request = (method: string): HttpRequest => ({ method, url: 'http://127.0.0.1:1/api/v1/x', headers: {} }) as HttpRequest;

test('a read in flight is cut off at stop; a write in flight (POST, PUT, DELETE) is answered', async () => {
  const stopping = new Stopping();
  const { send } = heldSend();
  const wrapped = stopping.send(send);
  const get = wrapped(request('GET'));
  const writes = ['POST', 'PUT', 'DELETE'].map((m) => wrapped(request(m)));
  stopping.stop();
  await expect(get).rejects.toThrow('the agent is stopping');
  for (const w of writes) await expect(w).resolves.toMatchObject({ status: 200 });
});

test('once stopping, nothing new goes to the manager; to Vault (writesAfterStop) a write still goes, a read does not', async () => {
  const stopping = new Stopping();
  const { send, sent } = heldSend();
  const manager = stopping.send(send);
  const vault = stopping.send(send, { writesAfterStop: true });
  stopping.stop();
  for (const m of ['GET', 'POST', 'PUT', 'DELETE']) await expect(manager(request(m))).rejects.toThrow(`${m} not sent: the agent is stopping`);
  await expect(vault(request('GET'))).rejects.toThrow('GET not sent: the agent is stopping');
  await expect(vault(request('POST'))).resolves.toMatchObject({ status: 200 });
  expect(sent.map((s) => s.req.method)).toEqual(['POST']);
});

test('a retry wait ends at stop instead of running its course', async () => {
  const stopping = new Stopping();
  const waiting = stopping.sleep(60_000);
  stopping.stop();
  await expect(waiting).rejects.toThrow('the agent is stopping');
});
