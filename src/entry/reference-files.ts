// Every generated documentation file, from one walk of the real program (the one `acmecli` runs):
// docs/reference/cli.md (committed), the man pages and the completion scripts (built into packages).
import type { Command } from 'commander';
import { CliContext } from '../cli/context.js';
import type { CliIO } from '../cli/io.js';
import { buildProgram } from './main.js';
import { COMPLETION_INSTALL_PATHS, COMPLETION_SHELLS, renderCompletion } from '../cli/reference/completion.js';
import { renderAcmecliManPage, renderClientConfigManPage } from '../cli/reference/man.js';
import { CLI_REFERENCE_PATH, renderCliReference } from '../cli/reference/markdown.js';
import { describeCommand } from '../cli/reference/model.js';

/** Help is wrapped at 80 columns, as `--help` prints it when stdout is not a terminal. */
export const REFERENCE_HELP_WIDTH = 80;

/** An IO that nothing reads from and whose output goes nowhere: the program is only walked. */
function silentIO(): CliIO {
  return {
    writeStdout: () => undefined,
    writeStderr: () => undefined,
    env: {},
    isStdinTty: false,
    isStdoutTty: false,
    isStderrTty: false,
    ask: async () => '',
    cwd: '/',
  };
}

/** The program acmecli runs, built without running anything. */
export function referenceProgram(): Promise<Command> {
  return buildProgram(new CliContext(silentIO()));
}

/** What `acmecli PATH --help` prints on a pipe, without running a command. */
export function helpText(program: Command, path: readonly string[]): string {
  let command = program;
  for (const name of path) {
    const next = command.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command ${path.join(' ')}`);
    command = next;
  }
  let text = '';
  const capture = { writeOut: (t: string) => void (text += t), getOutHelpWidth: () => REFERENCE_HELP_WIDTH, getOutHasColors: () => false };
  for (let c: Command | null = command; c; c = c.parent) c.configureOutput(capture);
  command.outputHelp();
  return text;
}

export interface GeneratedFiles {
  /** Committed in the repository, checked by a test. */
  repository: Record<string, string>;
  /** Built into the tarball and the .deb, by path under the install root (`usr/share/man/man1/acmecli.1`). */
  install: Record<string, string>;
}

export async function generateReferenceFiles(version: string): Promise<GeneratedFiles> {
  const program = await referenceProgram();
  const doc = describeCommand(program);
  const install: Record<string, string> = {
    'usr/share/man/man1/acmecli.1': renderAcmecliManPage(doc, version),
    'usr/share/man/man5/client-config.yml.5': renderClientConfigManPage(version),
  };
  for (const shell of COMPLETION_SHELLS) install[COMPLETION_INSTALL_PATHS[shell]] = renderCompletion(shell, doc);
  return {
    repository: { [CLI_REFERENCE_PATH]: renderCliReference(doc, (path) => helpText(program, path)) },
    install,
  };
}
