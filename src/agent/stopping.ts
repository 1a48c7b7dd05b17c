import { AbortedError } from '../errors.js';
import type { HttpSend } from '../net/transport.js';
import { sleep } from '../net/retry.js';

/**
 * What SIGTERM stops at once, and what it lets finish. A read (GET, HEAD) or a DELETE in flight
 * and every retry wait end at once: repeating them later costs nothing, while waiting out a
 * 30 s backoff or an unanswered GET would hold `systemctl stop` until systemd kills the agent
 * mid-write. A POST or PUT in flight finishes: it may be an order the manager is placing, and
 * its answer holds the certificate for the key we saved. Nothing new starts once stopping.
 */
export class Stopping {
  readonly #controller = new AbortController();

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  stop(): void {
    this.#controller.abort(new AbortedError('the agent is stopping'));
  }

  send(send: HttpSend): HttpSend {
    const stopping = this.#controller.signal;
    return (req, signal) => {
      if (stopping.aborted) return Promise.reject(new AbortedError(`${req.method} not sent: the agent is stopping`));
      if (req.method === 'POST' || req.method === 'PUT') return send(req, signal);
      return send(req, signal ? AbortSignal.any([signal, stopping]) : stopping);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const stopping = this.#controller.signal;
    return sleep(ms, signal ? AbortSignal.any([signal, stopping]) : stopping);
  }
}
