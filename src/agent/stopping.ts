import { AbortedError } from '../errors.js';
import type { HttpSend } from '../net/transport.js';
import { sleep } from '../net/retry.js';

/**
 * What SIGTERM stops at once, and what it lets finish. A read (GET, HEAD) in flight and every retry
 * wait end at once: repeating them later costs nothing, while waiting out a 30 s backoff or an
 * unanswered GET would hold `systemctl stop` until systemd kills the agent mid-write. A write in
 * flight (POST, PUT, DELETE) finishes: a POST may be an order the manager is placing, whose answer
 * holds the certificate for the key we saved, and a DELETE the manager may already have done (and
 * revoked): cut off, the next cycle would no longer see it listed and the local files would stay.
 * To the manager nothing new is sent once stopping; to Vault, writes still go: they back up the
 * key of an order that was already in flight.
 */
export class Stopping {
  readonly #controller = new AbortController();

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  stop(): void {
    this.#controller.abort(new AbortedError('the agent is stopping'));
  }

  /** `writesAfterStop`: new POST/PUT/DELETE are still sent once stopping (Vault's backup of a finished order). */
  send(send: HttpSend, options: { writesAfterStop?: boolean } = {}): HttpSend {
    const stopping = this.#controller.signal;
    return (req, signal) => {
      const isRead = req.method === 'GET' || req.method === 'HEAD';
      if (stopping.aborted && (isRead || !options.writesAfterStop)) return Promise.reject(new AbortedError(`${req.method} not sent: the agent is stopping`));
      if (!isRead) return send(req, signal);
      return send(req, signal ? AbortSignal.any([signal, stopping]) : stopping);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const stopping = this.#controller.signal;
    return sleep(ms, signal ? AbortSignal.any([signal, stopping]) : stopping);
  }
}
