import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { distBinary } from '../support/cli.js';

// The generated scripts, run in the real shells (bash, zsh and fish are Debian packages the test set-up
// installs), against the single executable, which also answers the lineage-name lookups.
let work: string;
let home: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'acmecli-completion-'));
  home = path.join(work, 'state');
  for (const name of ['example.com', 'www.example.org']) mkdirSync(path.join(home, 'lineages', name), { recursive: true });
  mkdirSync(path.join(work, 'certs'));
  writeFileSync(path.join(work, 'site.crt'), '');
  for (const shell of ['bash', 'zsh', 'fish']) {
    writeFileSync(path.join(work, `acmecli.${shell}`), execFileSync(distBinary, ['completion', shell], { encoding: 'utf8' }));
  }
});

const shellEnv = () => ({ PATH: `${path.dirname(distBinary)}:/usr/bin:/bin`, ACMECLI_HOME: home, HOME: work });

/** What bash offers for the words typed (the last is the one being completed). */
function bash(...words: string[]): string[] {
  const script = `source ./acmecli.bash
COMP_WORDS=(acmecli "$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_acmecli; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['--norc', '-c', script, 'bash', ...words], { cwd: work, env: shellEnv(), encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

/** What zsh passes to compadd (which filters by prefix in a real session) or _files. */
function zsh(...words: string[]): string[] {
  const script = `compdef() { :; }
source ./acmecli.zsh
compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
_files() { print -r -- "<files $*>"; }
words=(acmecli "$@"); CURRENT=\${#words}
_acmecli`;
  return execFileSync('zsh', ['-f', '-c', script, 'zsh', ...words], { cwd: work, env: shellEnv(), encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

/** fish's own completer (`complete -C`), values only. */
function fish(line: string): string[] {
  const out = execFileSync('fish', ['--no-config', '-c', 'source ./acmecli.fish; complete -C $argv[1]', line], { cwd: work, env: shellEnv(), encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
}

const helpOfGroup = new Map<string, string>();

/** The subcommands of a group as its own --help lists them, so a new command cannot leave this test behind. */
function subcommandsFromHelp(group: string): string[] {
  // Asked once per group: each run of the executable costs ~0.1 s of CPU, and the answer does not change.
  let help = helpOfGroup.get(group);
  if (help === undefined) helpOfGroup.set(group, (help = execFileSync(distBinary, [group, '--help'], { encoding: 'utf8' })));
  const section = help.slice(help.indexOf('Commands:'));
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((name) => name !== 'help').sort();
}

const KEY_TYPES = ['ec256', 'ec384', 'ec521', 'ed25519', 'rsa2048', 'rsa3072', 'rsa4096'];
const CERT_KEY_TYPES = ['ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096'];
const KEYWORDS = ['goog', 'goog-staging', 'letsencrypt', 'letsencrypt-staging', 'pebble', 'zerossl'];

test('acmecli completion --lineages lists the lineages of the state folder', () => {
  expect(execFileSync(distBinary, ['completion', '--lineages'], { env: shellEnv(), encoding: 'utf8' })).toBe('example.com\nwww.example.org\n');
});

test('bash completes commands, options, key types, directory keywords, lineage names and files', () => {
  expect(bash('ce')).toEqual(['cert']);
  expect(subcommandsFromHelp('cert')).toEqual(expect.arrayContaining(['ari', 'check', 'delete', 'issue', 'list', 'renew', 'revoke', 'show']));
  expect(bash('cert', '')).toEqual(subcommandsFromHelp('cert'));
  expect(bash('cert', 'renew', '--a')).toEqual(['--acme-url', '--all', '--allow-http']);
  expect(bash('key', 'generate', '')).toEqual(KEY_TYPES);
  expect(bash('cert', 'issue', '--key-type', '')).toEqual(CERT_KEY_TYPES);
  expect(bash('-a', 'lets')).toEqual(['letsencrypt', 'letsencrypt-staging']);
  // Options and their values before the command do not hide it.
  expect(bash('-k', 'account.pem', '--acme-url', 'pebble', 'cert', 'renew', '')).toEqual(['example.com', 'www.example.org']);
  expect(bash('cert', 'revoke', 'si')).toEqual(['site.crt']);
  expect(bash('cert', 'issue', '--out', 'c')).toEqual(['certs']);
  expect(bash('completion', '')).toEqual(['bash', 'fish', 'zsh']);
});

test('zsh completes the same from the same tables', () => {
  expect(zsh('cert', '')).toEqual(subcommandsFromHelp('cert'));
  expect(zsh('key', 'generate', '')).toEqual(KEY_TYPES);
  expect(zsh('--acme-url', '')).toEqual(KEYWORDS);
  expect(zsh('-k', 'a.pem', 'cert', 'renew', '')).toEqual(['example.com', 'www.example.org']);
  expect(zsh('cert', 'show', '')).toEqual(['<files >']);
  expect(zsh('cert', 'issue', '--out', '')).toEqual(['<files -/>']);
});

test('fish completes commands, options, key types, keywords and lineage names', () => {
  expect(fish('acmecli ce')).toEqual(['cert']);
  expect(fish('acmecli cert issue --key')).toEqual(['--key', '--key-type']);
  expect(fish('acmecli cert issue --key-type ')).toEqual(CERT_KEY_TYPES);
  expect(fish('acmecli key generate ')).toEqual(KEY_TYPES);
  expect(fish('acmecli -a ')).toEqual(KEYWORDS);
  expect(fish('acmecli -k a.pem cert renew ')).toEqual(['example.com', 'www.example.org']);
});
