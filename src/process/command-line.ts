import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Splits a command line into words the way a POSIX shell would for the simple
 * cases, without running one: blanks separate words, `'…'` is literal, `"…"` is
 * literal except for `\"` `\\` `\$` and `` \` ``, a backslash outside quotes takes the
 * next character as is, and quoted parts join what touches them (`a"b c"` → `ab c`).
 * No variables, globs, pipes or redirections: `$HOME` stays `$HOME`.
 *
 * Throws UsageError for an unterminated quote, a trailing backslash, or no words.
 */
export function splitCommandLine(text: string): string[] {
  return splitWords(text).map((w) => w.word);
}

/** splitCommandLine's words, each with where it ends in `text` (just past its closing quote, if any). */
function splitWords(text: string): { word: string; end: number }[] {
  const words: { word: string; end: number }[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push({ word, end: i });
      word = '';
      inWord = false;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new UsageError(`unterminated ' in command: ${text}`);
      word += text.slice(i + 1, close);
      inWord = true;
      i = close;
    } else if (c === '"') {
      inWord = true;
      for (i++; ; i++) {
        if (i >= text.length) throw new UsageError(`unterminated " in command: ${text}`);
        const d = text[i] as string;
        if (d === '"') break;
        const next = text[i + 1];
        if (d === '\\' && next !== undefined && '"\\$`'.includes(next)) {
          word += next;
          i++;
        } else {
          word += d;
        }
      }
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw new UsageError(`command ends with a lone \\: ${text}`);
      word += next;
      inWord = true;
      i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push({ word, end: text.length });
  if (words.length === 0) throw new UsageError('empty command');
  return words;
}

/**
 * A hook given as ./hook.sh must still be found when cron runs `cert renew` from another folder: a program
 * named by a relative path is made absolute (quoted, so a folder with a blank stays one word); a bare name
 * (found on PATH) or an absolute path is left as it is, and so is the rest of the line.
 */
export function absoluteProgram(commandLine: string, cwd: string): string {
  const first = splitWords(commandLine)[0];
  if (!first || isAbsolute(first.word) || !first.word.includes('/')) return commandLine;
  // The rest starts where the program's word ends, quotes included: `'./my hooks/run' x` keeps ` x`, not `' x`.
  return `${JSON.stringify(resolve(cwd, first.word))}${commandLine.slice(first.end)}`;
}
