import { expect, test } from 'vitest';
import { printableJson, printableLine, printableText, truncatedEcho } from '../../src/printable.js';
import { createLogger } from '../../src/agent/logger.js';

// Every character a terminal obeys, as a CA or manager could send it.
const HOSTILE = 'a\x1b[2Jb\x1b]0;pwned\x07c\x08d\re\x9b31mf\u202eg\u2066h\x7fi';
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e\u2066]/;

test.each([
  ['ESC (clear screen)', '\x1b[2J', '\\x1b[2J'],
  ['OSC title with BEL', '\x1b]0;title\x07', '\\x1b]0;title\\x07'],
  ['backspace', 'ab\x08c', 'ab\\x08c'],
  ['carriage return', 'ok\rFAIL', 'ok\\rFAIL'],
  ['C1 CSI', '\x9b2J', '\\x9b2J'],
  ['DEL', 'a\x7f', 'a\\x7f'],
  ['bidi override', 'moc.elpmaxe\u202e', 'moc.elpmaxe\\u202e'],
  ['bidi isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
  ['line separator', 'a\u2028b', 'a\\u2028b'],
  ['plain text and IDN stay', 'bücher.example 日本', 'bücher.example 日本'],
  ['newline and tab stay in text', 'a\n\tb', 'a\n\tb'],
])('printableText: %s', (_what, input, expected) => {
  expect(printableText(input)).toBe(expected);
});

test('printableLine escapes newlines too, so one message stays one line', () => {
  expect(printableLine('one\ntwo\tthree')).toBe('one\\ntwo\\tthree');
  expect(printableLine(HOSTILE)).not.toMatch(RAW);
});

test('printableJson is the same JSON value with nothing a terminal obeys', () => {
  const value = { detail: HOSTILE, n: 1 };
  const text = printableJson(value, 2);
  expect(text).not.toMatch(RAW);
  expect(JSON.parse(text)).toEqual(value);
});

test('the agent logger escapes control characters in logfmt and JSON, in msg and in values', () => {
  for (const format of ['logfmt', 'json'] as const) {
    const lines: string[] = [];
    const log = createLogger({ format, level: 'debug', write: (l) => lines.push(l) });
    log.error(`manager said ${HOSTILE}`, { name: 'x\x1b[2J', domain: 'evil\u202egro.example' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.trimEnd(), format).not.toMatch(RAW);
    expect(lines[0]!.trimEnd().split('\n'), format).toHaveLength(1);
  }
});

test('truncatedEcho keeps a short value and cuts a long one, saying how long it was', () => {
  expect(truncatedEcho('example.com')).toBe('example.com');
  const long = 'a'.repeat(130_000);
  const echoed = truncatedEcho(long);
  expect(echoed.length).toBeLessThan(300);
  expect(echoed).toMatch(/… \(130000 characters\)$/);
});
