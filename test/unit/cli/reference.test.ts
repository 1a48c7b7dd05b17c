import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { CERTIFICATE_FIELDS, COMMON_FIELDS, VAULT_FIELDS } from '../../../src/agent/config/schema.js';
import { generateReferenceFiles, referenceProgram } from '../../../src/entry/reference-files.js';
import { CLI_REFERENCE_PATH } from '../../../src/cli/reference/markdown.js';
import { describeCommand, flattenCommands } from '../../../src/cli/reference/model.js';
import { repoRoot } from '../../support/cli.js';
import { runMain } from '../../support/in-process.js';

const generated = await generateReferenceFiles('9.9.9');
const commands = flattenCommands(describeCommand(await referenceProgram()));
const committed = readFileSync(path.join(repoRoot, CLI_REFERENCE_PATH), 'utf8');

test('the command tree has every command group, and leaves under them', () => {
  expect(commands[0]!.subcommands.map((c) => c.path[0])).toEqual(expect.arrayContaining(['account', 'key', 'dns', 'cert', 'manager', 'agent', 'version', 'completion']));
  expect(commands.length).toBeGreaterThan(25);
});

test(`${CLI_REFERENCE_PATH} is what \`npm run docs\` generates from the command definitions (run it after changing an option)`, () => {
  expect(committed).toBe(generated.repository[CLI_REFERENCE_PATH]);
});

test('the reference holds, verbatim, what `acmecli COMMAND --help` prints for every command', async () => {
  for (const command of commands) {
    const r = await runMain([...command.path, '--help']);
    expect(r.code, command.path.join(' ')).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(50);
    expect(committed, `acmecli ${command.path.join(' ')} --help`).toContain(`\`\`\`text\n${r.stdout.trimEnd()}\n\`\`\``);
  }
});

test('acmecli(1) documents every command, argument and option', () => {
  const page = generated.install['usr/share/man/man1/acmecli.1']!;
  expect(page).toMatch(/^\.\\" Generated .*\n\.TH ACMECLI 1 "" "acmecli 9\.9\.9"/);
  for (const command of commands) {
    if (command.subcommands.length === 0) expect(page, command.usage).toContain(`.SS "${command.usage.replace(/-/g, '\\-')}"`);
    for (const option of command.options) expect(page, `${command.path.join(' ')} ${option.flags}`).toContain((option.long ?? option.short)!.replace(/-/g, '\\-'));
    for (const argument of command.arguments) expect(page).toContain(`\\fI${argument.term.replace(/-/g, '\\-')}\\fR`);
  }
});

test('client-config.yml(5) documents every key the parser reads', () => {
  const page = generated.install['usr/share/man/man5/client-config.yml.5']!;
  for (const key of [...Object.keys(COMMON_FIELDS), ...Object.keys(CERTIFICATE_FIELDS), ...Object.keys(VAULT_FIELDS)]) {
    expect(page, key).toContain(`.B ${key}\n`);
  }
});

test('man pages are valid roff: no line starts with an unescaped dot that is not a request', () => {
  for (const file of ['usr/share/man/man1/acmecli.1', 'usr/share/man/man5/client-config.yml.5']) {
    for (const line of generated.install[file]!.split('\n')) {
      if (line.startsWith('.')) expect(line, file).toMatch(/^\.(\\"|TH|SH|SS|TP|PP|RS|RE|B|BR|I|nf|fi)( |$)/);
    }
  }
});
