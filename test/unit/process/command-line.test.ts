import { expect, test } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { absoluteProgram, splitCommandLine } from '../../../src/process/command-line.js';

test.each([
  ['/usr/share/uacme/uacme.sh', ['/usr/share/uacme/uacme.sh']],
  ['  hook   a\tb\nc ', ['hook', 'a', 'b', 'c']],
  [`'/opt/my hooks/dns' --zone example.org`, ['/opt/my hooks/dns', '--zone', 'example.org']],
  [`"/opt/my hooks/dns" "a \\"quoted\\" word"`, ['/opt/my hooks/dns', 'a "quoted" word']],
  [`hook 'it''s' ""`, ['hook', 'its', '']],
  [`a"b c"d 'e f'g`, ['ab cd', 'e fg']],
  [`hook '$HOME' "$HOME" \\$HOME`, ['hook', '$HOME', '$HOME', '$HOME']],
  [`hook "a\\\\b" "c\\d" 'e\\f'`, ['hook', 'a\\b', 'c\\d', 'e\\f']],
  [`/path/with\\ space arg`, ['/path/with space', 'arg']],
  [`hook ; rm -rf / | cat`, ['hook', ';', 'rm', '-rf', '/', '|', 'cat']],
])('splits %j', (text, words) => {
  expect(splitCommandLine(text)).toEqual(words);
});

test.each([
  [`hook 'open`, /unterminated '/],
  [`hook "open`, /unterminated "/],
  [`hook "a\\"`, /unterminated "/],
  ['hook \\', /lone \\/],
  ['', /empty command/],
  ['   ', /empty command/],
])('refuses %j', (text, why) => {
  expect(() => splitCommandLine(text)).toThrow(UsageError);
  expect(() => splitCommandLine(text)).toThrow(why);
});

test.each([
  ['./hook.sh', '/srv/site', '"/srv/site/hook.sh"'],
  ['  ./bin/deploy --reload "a b"', '/srv/site', '"/srv/site/bin/deploy" --reload "a b"'],
  ["'./my hooks/run' x", '/srv', '"/srv/my hooks/run" x'],
  ['"./a b"/c --flag', '/srv', '"/srv/a b/c" --flag'],
  ['./with\\ blank arg', '/srv', '"/srv/with blank" arg'],
  ['/usr/local/bin/hook arg', '/srv', '/usr/local/bin/hook arg'],
  ['systemctl reload nginx', '/srv', 'systemctl reload nginx'],
])('absoluteProgram(%j) from %s: a relative program path is made absolute, the rest kept', (line, cwd, expected) => {
  expect(absoluteProgram(line, cwd)).toBe(expected);
  // What is stored is read back by the same splitter: the same words, the program now absolute.
  expect(splitCommandLine(absoluteProgram(line, cwd)).slice(1)).toEqual(splitCommandLine(line).slice(1));
});
