/**
 * Text from peers (a CA's problem document, a manager's error, a certificate name)
 * reaches the terminal and the logs. Control characters in it could clear the
 * screen (ESC[2J), set the terminal's title (OSC), ring the bell, rub out what was
 * printed (backspace, CR), or make a line read differently from what it holds
 * (bidi overrides). These functions make such characters visible escapes; the CLI
 * printer and the agent's logger apply them to everything they write, so no call
 * site can forget to.
 */

// C0 controls except tab and newline, DEL, C1 controls, and the Unicode characters
// that reorder text or break lines: bidi marks, embeddings, overrides and isolates,
// and the line and paragraph separators. (Zero-width joiners stay: emoji use them.)
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const UNSAFE_WITH_NEWLINES = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves raw but a terminal still obeys.
const UNSAFE_IN_JSON = /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\n') return '\\n';
  if (char === '\t') return '\\t';
  if (char === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text for a terminal or log with every control character shown as an escape (`\x1b`, `\u202e`); newlines and tabs kept. */
export function printableText(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** One line for a terminal or log: as printableText, and newlines and tabs escaped too. */
export function printableLine(text: string): string {
  return text.replace(UNSAFE_WITH_NEWLINES, escapeOne);
}

/**
 * One line of a table or a summary for a terminal: as printableLine, but tabs are
 * kept (they separate the columns). A newline in a CA's text cannot start a line
 * of its own that reads like ours.
 */
export function printableRow(text: string): string {
  return printableText(text).replace(/\n/g, '\\n');
}

/**
 * JSON.stringify, with the characters it leaves raw but a terminal obeys (DEL, C1,
 * bidi) written as `\uXXXX`: the same JSON value, safe to print.
 */
export function printableJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** At most `max` characters of something the user typed, for an error message that echoes it. */
export function truncatedEcho(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
