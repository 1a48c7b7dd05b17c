// The one place where text from the manager or Vault (error bodies, unexpected
// answers) is cleaned of our own credentials before it becomes an error message,
// and so before it reaches stderr, the logs, the agent's state file or --json.

/** A run this long copied from a secret gives part of it away; shorter ones are too common to mean anything. */
export const MIN_SECRET_RUN = 8;

/** What replaces a secret; an answer field holding it is refused by the agent (manager-entry.ts). */
export const REDACTED = '<redacted>';

/**
 * The strings that give an ACME Manager bearer token away: the token itself
 * and the secret half of its decoded `id:secret`. The id is not secret (the
 * manager names it in its own messages, and the agent keeps it in its state to
 * notice a new token), so an echoed `id:secret` comes out as `id:<redacted>`.
 */
export function bearerTokenSecrets(token: string): string[] {
  const trimmed = token.trim();
  const decoded = Buffer.from(trimmed, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  return [trimmed, colon < 0 ? '' : decoded.slice(colon + 1)].filter((s) => s !== '');
}

/**
 * A secret as a peer may echo it back: as is, and its UTF-8 bytes in hex (either
 * case), base64 and base64url. A body that says `secret (hex): 6b3f…` gives the
 * secret away as surely as one that quotes it, so each encoding is a secret too.
 * (A run of an encoding cut at another byte boundary, or base64 of the secret
 * inside a longer text, encodes differently and is not found: only the secret's
 * own encodings are.)
 */
export function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  return [...new Set([secret, hex, hex.toUpperCase(), bytes.toString('base64'), bytes.toString('base64url')])];
}

/**
 * Replaces with `<redacted>` every run of `text` of MIN_SECRET_RUN characters or
 * more that also occurs in one of `secrets` (a secret shorter than that is
 * replaced wherever it occurs whole). So a body that echoes the token, the
 * decoded `id:secret`, or a piece of the secret cut at any point, says nothing
 * of it. Runs of the same secret that touch are replaced together. Each
 * secret's hex, base64 and base64url encodings (encodingsOf) are secrets too.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  return createRedactor(secrets)(text);
}

/**
 * redactSecrets with the secrets prepared once: for a client that cleans every
 * field of every answer (a list of a thousand certificates is some ten thousand
 * strings per cycle).
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const usable = secrets.filter((s): s is string => typeof s === 'string' && s !== '').flatMap(encodingsOf);
  const short = usable.filter((s) => s.length < MIN_SECRET_RUN);
  const windows = new Set<string>();
  for (const secret of usable) {
    if (secret.length < MIN_SECRET_RUN) continue;
    for (let i = 0; i + MIN_SECRET_RUN <= secret.length; i++) windows.add(secret.slice(i, i + MIN_SECRET_RUN));
  }
  if (usable.length === 0) return (text) => text;
  // Every window starts with one of these character pairs: most positions of a text are passed over
  // on this table alone, without cutting out a window to look up (an answer of 5,000 certificates is
  // some 50,000 strings, every cycle). A pair that shares the table's slot only costs the look-up.
  const pairs = new Uint8Array(1 << 16);
  const pairSlot = (text: string, i: number) => ((text.charCodeAt(i) & 0xff) << 8) | (text.charCodeAt(i + 1) & 0xff);
  for (const window of windows) pairs[pairSlot(window, 0)] = 1;
  return (text) => {
    if (text.length === 0) return text;
    let hidden: boolean[] | undefined;
    const hide = (from: number, to: number) => (hidden ??= new Array<boolean>(text.length).fill(false)).fill(true, from, to);
    for (const secret of short) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) hide(at, at + secret.length);
    }
    if (windows.size > 0) {
      for (let i = 0; i + MIN_SECRET_RUN <= text.length; i++) {
        if (pairs[pairSlot(text, i)] === 1 && windows.has(text.slice(i, i + MIN_SECRET_RUN))) hide(i, i + MIN_SECRET_RUN);
      }
    }
    if (hidden === undefined) return text;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (!hidden[i]) out += text[i];
      else if (i === 0 || !hidden[i - 1]) out += REDACTED;
    }
    return out;
  };
}
