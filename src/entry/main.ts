import { Command, CommanderError, Option } from 'commander';
import { AcmeProblemError } from '../acme/problem.js';
import { AcmecliError, OwnExitStatusError, UNREACHABLE_CODES, UsageError } from '../errors.js';
import { CliContext } from '../cli/context.js';
import { bindDashValues } from '../cli/dash-values.js';
import type { CliIO } from '../cli/io.js';
import { VERSION } from '../cli/version.js';
import { EXIT } from '../cli/exit-status.js';
import { COMMAND_GROUPS, GLOBAL_OPTIONS, VERSION_OPTION_FLAGS, groupRunAlone, type CommandGroup } from './command-groups.js';
import { printableJson, printableLine, printableText, truncatedEcho } from '../printable.js';


/** An error line is read by a person: whatever it quotes (a huge argument, a CA's essay) is cut here. */
const MAX_ERROR_LINE = 2000;


export interface MainOptions {
  /** Lets tests and stand-ins reach the context before a command runs. */
  onContext?: (ctx: CliContext) => void;
}

/** Runs one acmecli command line and returns its exit status. Never throws. */
export async function main(argv: readonly string[], io: CliIO, options: MainOptions = {}): Promise<number> {
  const ctx = new CliContext(io);
  options.onContext?.(ctx);
  const program = await buildProgram(ctx, argv);
  try {
    await program.parseAsync(bindDashValues(program, argv), { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      // Commander puts its suggestion on a second line ("…\n(Did you mean key?)"): one line, as every error.
      return reportError(ctx, new UsageError(err.message.replace(/^error:\s*/i, '').replace(/\n(?=\(Did you mean )/, ' ')), argv);
    }
    return reportError(ctx, err, argv);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

type AddCommands = (program: Command, ctx: CliContext) => void;

/**
 * The one command group this program holds, or null (or undefined outside a build) for all of them.
 * scripts/build-sea.mjs bundles the whole program and one program per group, defining this name, and
 * the single executable evaluates the smallest that runs the command line (src/entry/sea-loader.ts).
 */
declare const __ACMECLI_BUNDLED_GROUP__: string | null | undefined;

/**
 * Each command group, loaded only when a program needs it: a dynamic import of a literal specifier
 * stays in the bundle, and esbuild runs the module (and what only it imports) on the first call, so
 * `acmecli key thumbprint` never loads the agent, the manager client or the certificate code. In a
 * one-group program the other groups are undefined, and esbuild leaves their modules out: that is why
 * the condition is written out in each line on the defined name itself, where it folds to a constant
 * (a const holding it would not fold inside this lazily evaluated module).
 */
const GROUP_LOADERS: Record<CommandGroup, (() => Promise<AddCommands>) | undefined> = {
  account: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' || __ACMECLI_BUNDLED_GROUP__ === 'account' ? async () => (await import('../commands/account.js')).addAccountCommands : undefined,
  key: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' || __ACMECLI_BUNDLED_GROUP__ === 'key' ? async () => (await import('../commands/key.js')).addKeyCommands : undefined,
  dns: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' || __ACMECLI_BUNDLED_GROUP__ === 'dns' ? async () => (await import('../commands/dns.js')).addDnsCommands : undefined,
  cert: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' || __ACMECLI_BUNDLED_GROUP__ === 'cert' ? async () => (await import('../commands/cert.js')).addCertCommands : undefined,
  manager: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' || __ACMECLI_BUNDLED_GROUP__ === 'manager' ? async () => (await import('../commands/manager.js')).addManagerCommands : undefined,
  agent: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' || __ACMECLI_BUNDLED_GROUP__ === 'agent' ? async () => (await import('../commands/agent.js')).addAgentCommands : undefined,
  version: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' || __ACMECLI_BUNDLED_GROUP__ === 'version' ? async () => (await import('../commands/version.js')).addVersionCommand : undefined,
  completion: typeof __ACMECLI_BUNDLED_GROUP__ !== 'string' ? async () => (await import('../commands/completion.js')).addCompletionCommand : undefined,
};

/**
 * The program: with `argv`, only the command group it names when that is plain to see (global
 * options, each with its value, then a group name: src/entry/command-groups.ts), else every group,
 * as --help, completion, a mistyped name and the generated references need.
 */
export async function buildProgram(ctx: CliContext, argv?: readonly string[]): Promise<Command> {
  const program = rootProgram(ctx);
  const alone = argv === undefined ? undefined : groupRunAlone(argv);
  const groups = alone !== undefined ? [alone] : COMMAND_GROUPS;
  const adders = await Promise.all(groups.map((name) => {
    const load = GROUP_LOADERS[name];
    // The loader picks this program by the same rule, so only a build that broke it gets here.
    if (load === undefined) throw new Error(`this program holds the ${String(__ACMECLI_BUNDLED_GROUP__)} commands only, not ${name}`);
    return load();
  }));
  for (const add of adders) add(program, ctx);
  // Subcommands inherit the same error handling and output.
  const io = ctx.io;
  const inherit = (command: Command) => {
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({ writeOut: (t) => io.writeStdout(t), writeErr: (t) => io.writeStderr(t), outputError: () => undefined });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

function rootProgram(ctx: CliContext): Command {
  const io = ctx.io;
  const program = new Command('acmecli')
    .description('ACME (RFC 8555) toolkit: accounts, keys, DNS records, certificates, and a deploy agent for ACME Manager. Online commands talk to the CA in --acme-url.')
    .version(VERSION, VERSION_OPTION_FLAGS, 'print the version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.writeStdout(text),
      writeErr: (text) => io.writeStderr(text),
      // Usage errors are printed by reportError, as one line like every other error.
      outputError: () => undefined,
    })
    .addHelpText('after', `
Examples:
  acmecli key generate ec256 -o account.pem
  acmecli -a letsencrypt-staging -k account.pem cert issue -d example.com --webroot /var/www/html --agree-tos --email admin@example.com
  acmecli cert list
  acmecli -q cert renew --all                    # in cron: prints only when something failed
  acmecli -a letsencrypt-staging -k account.pem account create mailto:admin@example.com --agree-tos
  acmecli -k account.pem dns records example.com

Exit status: 0 success, 1 failure, 2 usage error, 3 CA unreachable (network, TLS, timeout).`);

  for (const [flags, description] of GLOBAL_OPTIONS) program.addOption(new Option(flags, description));
  // Each subcommand's --help lists the global options (-a, -k, --json…) its own examples use.
  program.configureHelp({ showGlobalOptions: true });

  program.hook('preAction', (_root, action) => ctx.configure(action.optsWithGlobals()));
  return program;
}

function reportError(ctx: CliContext, err: unknown, argv: readonly string[]): number {
  const verbose = ctx.globals.verbose ?? argv.some((a) => a === '-v' || a === '--verbose');
  const json = ctx.globals.json ?? argv.includes('--json');
  const code = exitCodeFor(err);
  const message = err instanceof Error ? err.message : String(err);
  // A plugin's verdict is its stdout line alone: nothing on stderr.
  if (err instanceof OwnExitStatusError && err.quiet) return code;
  // -q held back progress, hook output and the summary: a failure shows all of it.
  ctx.output.releaseHeld();
  // One JSON document per command: a command that already printed its result (cert renew's summary) keeps it.
  if (json && !ctx.output.hasResult) ctx.io.writeStdout(`${printableJson({ error: errorAsJson(err) }, 2)}\n`);
  ctx.io.writeStderr(`acmecli: ${printableLine(truncatedEcho(message, MAX_ERROR_LINE))}${code === EXIT.usage && !message.includes('--help') ? ' (see --help)' : ''}\n`, 'error');
  if (verbose && err instanceof Error) {
    let cause: unknown = err;
    while (cause instanceof Error) {
      ctx.io.writeStderr(`${printableText(cause.stack ?? cause.message)}\n`, 'error');
      cause = cause.cause;
      if (cause) ctx.io.writeStderr('caused by: ', 'error');
    }
  }
  return code;
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof OwnExitStatusError) return err.exitCode;
  if (err instanceof AcmecliError) {
    if (err.code === 'USAGE') return EXIT.usage;
    if (UNREACHABLE_CODES.has(err.code)) return EXIT.unreachable;
  }
  return EXIT.failure;
}

function errorAsJson(err: unknown): Record<string, unknown> {
  if (err instanceof AcmeProblemError) {
    return { code: err.code, message: err.message, problem: err.problem, request: err.request };
  }
  if (err instanceof AcmecliError) {
    return { code: err.code, message: err.message, ...(err.httpStatus ? { httpStatus: err.httpStatus } : {}) };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
