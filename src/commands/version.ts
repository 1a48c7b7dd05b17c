import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { formatVersionInfo, versionInfo } from '../cli/version.js';

export function addVersionCommand(program: Command, ctx: CliContext): void {
  program.command('version')
    .description('Print the version, git commit, build date, Node, platform and OpenSSL (for bug reports; also --version --verbose)')
    .addHelpText('after', '\nExamples:\n  acmecli version\n  acmecli version --json')
    .action(() => ctx.output.result(versionInfo(), formatVersionInfo));
}
