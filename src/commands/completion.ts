import { Argument, type Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { COMPLETION_SHELLS, renderCompletion, type CompletionShell } from '../cli/reference/completion.js';
import { describeCommand } from '../cli/reference/model.js';
import { UsageError } from '../errors.js';
import { LineageStore } from '../state/lineage-store.js';

export function addCompletionCommand(program: Command, ctx: CliContext): void {
  program.command('completion')
    .description('Print the shell completion script (commands, options, key types, directory keywords, lineage names)')
    .addArgument(new Argument('[shell]', 'the shell').choices(COMPLETION_SHELLS))
    .option('--lineages', 'print the lineage names, one per line (what the scripts call to complete them)')
    .addHelpText('after', `
Examples:
  acmecli completion bash > ~/.local/share/bash-completion/completions/acmecli
  acmecli completion zsh > "\${fpath[1]}/_acmecli"
  acmecli completion fish > ~/.config/fish/completions/acmecli.fish`)
    .action(async (shell: CompletionShell | undefined, options: { lineages?: boolean }) => {
      if (options.lineages) {
        const names = await new LineageStore(ctx.stateHome).list();
        ctx.output.raw(names.map((n) => `${n}\n`).join(''));
        return;
      }
      if (!shell) throw new UsageError(`name a shell: ${COMPLETION_SHELLS.join(', ')}`);
      ctx.output.raw(renderCompletion(shell, describeCommand(program)));
    });
}
