import type { Command, Option } from 'commander';

/**
 * An option that needs a value takes the next argument, whatever it looks like,
 * as getopt does: `-d -a.example.com` is the domain "-a.example.com" (refused
 * later as an invalid name, in one line), never the global `-a` with the value
 * ".example.com". Commander lets the root command read its own short options
 * anywhere in the line, so such a value is rewritten as `--domain=-a.example.com`,
 * which nothing can split. Walks the line the way commander will: options are
 * looked up in the command reached so far and its ancestors.
 */
export function bindDashValues(program: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  let chain: Command[] = [program];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const option = findOption(chain, arg);
      const next = argv[i + 1];
      if (option?.required && next !== undefined && next.startsWith('-') && next.length > 1) {
        out.push(`${option.long ?? arg}=${next}`);
        i++;
        continue;
      }
      // The value of a value-taking option is never a subcommand name.
      if (option?.required && next !== undefined) {
        out.push(arg, next);
        i++;
        continue;
      }
      out.push(arg);
      continue;
    }
    const sub = chain[chain.length - 1]!.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub) chain = [...chain, sub];
    out.push(arg);
  }
  return out;
}

function findOption(chain: readonly Command[], flag: string): Option | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const option = chain[i]!.options.find((o) => o.short === flag || o.long === flag);
    if (option) return option;
  }
  return undefined;
}
