import { randomBytes, randomUUID } from 'node:crypto';

/** A token shaped as the manager makes them: base64(uuid + ':' + 32 random bytes in unpadded base64url). */
export function makeToken(id: string = randomUUID(), secret: string = randomBytes(32).toString('base64url')): string {
  return Buffer.from(`${id}:${secret}`).toString('base64');
}
