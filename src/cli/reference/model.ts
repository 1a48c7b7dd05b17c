// The command tree as data, read from the commander definitions (the one source of truth), so the
// CLI reference, the man page and the shell completions are generated and can never drift from --help.
import { Help, type Argument, type Command, type Option } from 'commander';
import { KNOWN_DIRECTORIES } from '../../acme/known-directories.js';

/** What a shell may offer for a value. */
export type ValueKind =
  | { kind: 'choices'; values: readonly string[] }
  | { kind: 'file' }
  | { kind: 'dir' }
  | { kind: 'lineage' }
  | { kind: 'free' };

export interface OptionDoc {
  flags: string;
  short?: string;
  long?: string;
  description: string;
  /** null for a flag, or an option whose value may be left out. */
  value: ValueKind | null;
  defaultValue?: string;
}

export interface ArgumentDoc {
  name: string;
  /** `<name>`, `[name...]`: as in the usage line. */
  term: string;
  description: string;
  required: boolean;
  variadic: boolean;
  value: ValueKind;
}

export interface CommandDoc {
  /** Words after `acmecli`: [] for the program, ['cert', 'issue'] for a command. */
  path: string[];
  description: string;
  usage: string;
  arguments: ArgumentDoc[];
  /** This command's own options (the program's are the global options). */
  options: OptionDoc[];
  subcommands: CommandDoc[];
}

/** `--acme-url` takes a URL or one of these keywords; it has no commander choices because a URL is free text. */
const DIRECTORY_KEYWORD_OPTIONS = new Set(['--acme-url']);
/** Placeholders that name a path, as written in the definitions (`--ca-file <file>`, `<newkey>`). */
const FILE_PLACEHOLDERS = new Set(['file', 'file|name', 'newkey', 'cmd']);
const DIR_PLACEHOLDERS = new Set(['dir']);
/** Positional arguments that are lineage names (`cert renew [name...]`). */
const LINEAGE_ARGUMENTS = new Set(['name', 'lineage']);

function placeholderOf(flags: string): string | undefined {
  return /[<[]([^>\]]+?)(\.\.\.)?[>\]]/.exec(flags)?.[1];
}

function valueKindFor(placeholder: string | undefined, choices: readonly string[] | undefined, long?: string): ValueKind {
  if (choices?.length) return { kind: 'choices', values: choices };
  if (long && DIRECTORY_KEYWORD_OPTIONS.has(long)) return { kind: 'choices', values: Object.keys(KNOWN_DIRECTORIES) };
  if (placeholder && FILE_PLACEHOLDERS.has(placeholder)) return { kind: 'file' };
  if (placeholder && DIR_PLACEHOLDERS.has(placeholder)) return { kind: 'dir' };
  return { kind: 'free' };
}

function describeOption(option: Option): OptionDoc {
  // An optional value (`--http-standalone [addr]`) is usually left out: a shell should go on completing as after a flag.
  const takesValue = option.required;
  const doc: OptionDoc = {
    flags: option.flags,
    description: option.description,
    value: takesValue ? valueKindFor(placeholderOf(option.flags), option.argChoices, option.long) : null,
  };
  if (option.short) doc.short = option.short;
  if (option.long) doc.long = option.long;
  if (option.defaultValue !== undefined && typeof option.defaultValue !== 'boolean') doc.defaultValue = String(option.defaultValue);
  return doc;
}

function describeArgument(argument: Argument, path: readonly string[]): ArgumentDoc {
  const name = argument.name();
  const term = `${argument.required ? '<' : '['}${name}${argument.variadic ? '...' : ''}${argument.required ? '>' : ']'}`;
  const isLineage = path[0] === 'cert' && LINEAGE_ARGUMENTS.has(name);
  return {
    name,
    term,
    description: argument.description,
    required: argument.required,
    variadic: argument.variadic,
    value: isLineage ? { kind: 'lineage' } : valueKindFor(name, argument.argChoices),
  };
}

/** The visible command tree under `command`, with each command's own options (never the implicit `help` command). */
export function describeCommand(command: Command, path: string[] = []): CommandDoc {
  const help = new Help();
  return {
    path,
    description: command.description(),
    usage: [`acmecli`, ...path, command.usage()].filter(Boolean).join(' '),
    arguments: command.registeredArguments.map((a) => describeArgument(a, path)),
    options: help.visibleOptions(command).map(describeOption),
    subcommands: help.visibleCommands(command)
      .filter((sub) => sub.name() !== 'help')
      .map((sub) => describeCommand(sub, [...path, sub.name()])),
  };
}

/** Every command, parents before children, the program first. */
export function flattenCommands(root: CommandDoc): CommandDoc[] {
  return [root, ...root.subcommands.flatMap(flattenCommands)];
}
