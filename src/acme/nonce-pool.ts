/**
 * Replay-Nonce values collected from every response. RFC 8555 §7.2: the client
 * may use any nonce the server gave it, so a newNonce request is needed only when
 * the pool is empty. Nonces are single-use: take() removes one.
 */
export class NoncePool {
  readonly #nonces: string[] = [];
  readonly #maxSize: number;
  readonly #fetchFresh: () => Promise<string>;

  constructor(fetchFresh: () => Promise<string>, maxSize = 16) {
    this.#fetchFresh = fetchFresh;
    this.#maxSize = maxSize;
  }

  /** A nonce from the pool (newest first: the server may expire old ones), else a fresh one. */
  async take(): Promise<string> {
    return this.#nonces.pop() ?? (await this.#fetchFresh());
  }

  put(nonce: string | undefined): void {
    if (!isWellFormedNonce(nonce)) return;
    this.#nonces.push(nonce);
    if (this.#nonces.length > this.#maxSize) this.#nonces.shift();
  }

  get size(): number {
    return this.#nonces.length;
  }
}

/** RFC 8555 §6.5.1: a nonce is base64url; anything else is not worth keeping, nor sending back. */
export function isWellFormedNonce(nonce: string | undefined): nonce is string {
  return nonce !== undefined && /^[A-Za-z0-9_-]+$/.test(nonce);
}
