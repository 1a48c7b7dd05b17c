import { expect, test } from 'vitest';
import { buildProgram } from '../../../src/entry/main.js';
import { CliContext } from '../../../src/cli/context.js';
import type { CliIO } from '../../../src/cli/io.js';
import { bindDashValues } from '../../../src/cli/dash-values.js';
import { runMain } from '../../support/in-process.js';

const io: CliIO = { writeStdout() {}, writeStderr() {}, env: {}, isStdinTty: false, isStdoutTty: false, isStderrTty: false, ask: async () => '', cwd: '/' };
const program = () => buildProgram(new CliContext(io));

test('-d -a.example.com is the domain "-a.example.com", refused as an invalid name in one line (not the global -a)', async () => {
  const r = await runMain(['cert', 'issue', '-d', '-a.example.com', '--http-standalone', '127.0.0.1:0', '--out', '/tmp']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('acmecli: invalid name "-a.example.com": the label "-a" may hold only letters, digits and hyphens, and cannot start or end with a hyphen (see --help)\n');
});

test('a 130 KB -d value is not echoed whole: the line quotes its start and says how long it was', async () => {
  const huge = `${'a'.repeat(130_000)}.example.com`;
  const r = await runMain(['cert', 'issue', '-d', huge, '--http-standalone', '127.0.0.1:0']);
  expect(r.code).toBe(2);
  expect(r.stderr.length).toBeLessThan(600);
  expect(r.stderr).toMatch(/^acmecli: invalid name "a{200}… \(130012 characters\)": .*\n$/);
});

test.each([
  // [what, argv, expected]
  ['a value-taking option takes a dash value, bound so nothing can split it', ['cert', 'issue', '-d', '-a.example.com', '--out', 'o'], ['cert', 'issue', '--domain=-a.example.com', '--out', 'o']],
  ['a global option too', ['-k', '-weird.pem', 'key', 'thumbprint'], ['--key=-weird.pem', 'key', 'thumbprint']],
  ['-d is a flag in account show: left alone', ['account', 'show', '-d', '--json'], ['account', 'show', '-d', '--json']],
  ['ordinary values are left as they are', ['cert', 'issue', '-d', 'a.example.com', '-d', 'b.example.com'], ['cert', 'issue', '-d', 'a.example.com', '-d', 'b.example.com']],
  ['the value of an option is never taken for a subcommand', ['-k', 'cert', 'cert', 'list'], ['-k', 'cert', 'cert', 'list']],
  ['after --, nothing is touched', ['cert', 'issue', '--', '-d', '-x'], ['cert', 'issue', '--', '-d', '-x']],
  ['a lone - is a value like any other', ['key', 'convert', 'pem', '-o', '-'], ['key', 'convert', 'pem', '-o', '-']],
] as const)('bindDashValues: %s', async (_what, argv, expected) => {
  expect(bindDashValues(await program(), argv)).toEqual(expected);
});
