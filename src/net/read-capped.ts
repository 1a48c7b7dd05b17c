/**
 * Reads a response body chunk by chunk and stops at `maxBytes`: a peer's answer
 * is never read whole before its size is known, so a huge or endless body costs
 * at most the cap in memory. The one body reader of every network client (the
 * transport of the CA and the manager, acme-dns's fetch).
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => unknown },
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Leaving the loop early (the throw) returns the iterator, which cancels a web stream;
  // a Node stream (the transport's response) is destroyed as well, so the connection is dropped, not drained.
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      body.destroy?.();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
