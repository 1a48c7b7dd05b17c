import { expect, test } from 'vitest';
import { buildProgram } from '../../../src/entry/main.js';
import { CliContext } from '../../../src/cli/context.js';
import { groupRunAlone, programAsset, programAssets } from '../../../src/entry/command-groups.js';
import type { CliIO } from '../../../src/cli/io.js';

// A command line that plainly names a group loads only that group's module (start-up of offline
// commands, issue 14); anything else gets the whole program, so commander still decides every case.
const io: CliIO = { writeStdout() {}, writeStderr() {}, env: {}, isStdinTty: false, isStdoutTty: false, isStderrTty: false, ask: async () => '', cwd: '/' };
const ALL = ['account', 'key', 'dns', 'cert', 'manager', 'agent', 'version', 'completion'];

test.each([
  ['a group and its command', ['key', 'thumbprint'], ['key']],
  ['after global options with their values', ['-k', 'k.pem', '--timeout', '5', '-q', 'dns', 'records', 'example.org'], ['dns']],
  ['a value written into its option', ['--key=k.pem', '--json', 'cert', 'list'], ['cert']],
  ['an option value that is a group name is a value', ['-k', 'cert', 'key', 'thumbprint'], ['key']],
  ['a value starting with a dash is still the value', ['-k', '-weird.pem', 'account', 'show'], ['account']],
  ['the version command', ['version', '--json'], ['version']],
  ['completion describes everything', ['completion', 'bash'], ALL],
  ['no command: --help lists every group', ['--help'], ALL],
  ['nothing at all', [], ALL],
  ['a mistyped group, for the suggestion', ['kye', 'thumbprint'], ALL],
  ['combined short flags are left to commander', ['-qv', 'key', 'thumbprint'], ALL],
  ['an unknown option is left to commander', ['--bogus', 'key', 'thumbprint'], ALL],
  ['a flag given a value is left to commander', ['--json=yes', 'key', 'thumbprint'], ALL],
] as const)('%s', async (_what, argv, groups) => {
  const program = await buildProgram(new CliContext(io), argv);
  expect(program.commands.map((c) => c.name())).toEqual(groups);
});

test('without a command line (the generated references), every group', async () => {
  expect((await buildProgram(new CliContext(io))).commands.map((c) => c.name())).toEqual(ALL);
});

test('the single executable evaluates the program of the group a command line runs alone, else the whole program', () => {
  const assetFor = (argv: string[]) => programAsset(groupRunAlone(argv));
  expect(assetFor(['-k', 'k.pem', 'key', 'thumbprint'])).toBe('acmecli-key.js');
  expect(assetFor(['--key=k.pem', '--json', 'cert', 'list'])).toBe('acmecli-cert.js');
  expect(assetFor(['completion', 'bash'])).toBe('acmecli.js');
  expect(assetFor(['--help'])).toBe('acmecli.js');
  expect(assetFor(['-qv', 'key', 'thumbprint'])).toBe('acmecli.js');
  // Every program a command line can pick is carried.
  const carried = programAssets().map((p) => p.asset);
  for (const group of [...ALL, undefined] as const) expect(carried).toContain(programAsset(groupRunAlone(group ? [group] : [])));
});
