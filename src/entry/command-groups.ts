// The one table of command groups and global options, for the three that must agree on which group a
// command line names: main.ts (which group modules the program loads), the single executable's
// loader (which program it evaluates: src/entry/sea-loader.ts) and scripts/build-sea.mjs (which
// programs it bundles). It imports nothing, so the loader stays small and the build can import it.

/** The command groups, in the order --help lists them. */
export const COMMAND_GROUPS = ['account', 'key', 'dns', 'cert', 'manager', 'agent', 'version', 'completion'] as const;
export type CommandGroup = (typeof COMMAND_GROUPS)[number];

/** Groups that describe the whole program (completion lists every command), so they never run alone. */
const WHOLE_PROGRAM_GROUPS: ReadonlySet<CommandGroup> = new Set(['completion']);

/** The options every command accepts, as commander reads them: flags, then description (main.ts adds them). */
export const GLOBAL_OPTIONS: readonly (readonly [flags: string, description: string])[] = [
  ['-a, --acme-url <url|keyword>', 'ACME directory URL or keyword: letsencrypt, letsencrypt-staging, goog, goog-staging, zerossl, pebble (env ACMECLI_ACME_URL; default letsencrypt)'],
  ['-k, --key <file>', 'account private key: PEM (PKCS#1, SEC1, PKCS#8), DER or JWK JSON (env ACMECLI_KEY)'],
  ['--ca-file <file>', 'extra CA certificate (PEM) to trust for the ACME server (env ACMECLI_CA_FILE)'],
  ['--timeout <seconds>', 'per-request timeout (env ACMECLI_TIMEOUT; default 30)'],
  ['--allow-http', 'allow a plain http:// directory URL (local test servers only)'],
  ['--json', 'print one JSON document on stdout'],
  ['-q, --quiet', 'print nothing unless the command fails; then everything it held back (for cron)'],
  ['-v, --verbose', 'show each request, and stack traces on errors'],
];

/** The version option's flags (commander's `.version()`): a flag without a value, like --json. */
export const VERSION_OPTION_FLAGS = '-V, --version';

interface FlagShape {
  short?: string;
  long?: string;
  /** `<value>`: the next word is its value. */
  takesValue: boolean;
  /** `[value]`: whether the next word is its value is commander's call. */
  optionalValue: boolean;
}

const FLAG_SHAPES: readonly FlagShape[] = [...GLOBAL_OPTIONS.map(([flags]) => flags), VERSION_OPTION_FLAGS].map((flags) => {
  const short = /(?:^|[\s,])(-[^-\s,])(?=[\s,]|$)/.exec(flags)?.[1];
  const long = /(?:^|[\s,])(--[^\s,=]+)/.exec(flags)?.[1];
  return { ...(short ? { short } : {}), ...(long ? { long } : {}), takesValue: flags.includes('<'), optionalValue: flags.includes('[') };
});

/**
 * The group a command line names after global options, or undefined when anything before it is not a
 * global option written in full (`-k FILE`, `--key FILE`, `--key=FILE`, `--json`): then the whole
 * program runs and commander has the last word, so a shape read wrongly here only costs time.
 */
function commandGroupNamed(argv: readonly string[]): CommandGroup | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) return (COMMAND_GROUPS as readonly string[]).includes(arg) ? (arg as CommandGroup) : undefined;
    const [flag, attached] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), true] : [arg, false];
    const shape = FLAG_SHAPES.find((s) => s.short === flag || s.long === flag);
    if (shape === undefined) return undefined;
    if (shape.optionalValue) return undefined;
    if (shape.takesValue && !attached) i++; // its value is the next word
    if (!shape.takesValue && attached) return undefined; // a flag given a value: let commander say so
  }
  return undefined;
}

/** The one group a command line runs alone, or undefined when it needs the whole program (--help, completion, a mistyped name). */
export function groupRunAlone(argv: readonly string[]): CommandGroup | undefined {
  const named = commandGroupNamed(argv);
  return named !== undefined && !WHOLE_PROGRAM_GROUPS.has(named) ? named : undefined;
}

/** The programs the single executable carries: its asset name, and the one group it holds (none: the whole program). */
export function programAssets(): { asset: string; group: CommandGroup | undefined }[] {
  return [
    { asset: programAsset(undefined), group: undefined },
    ...COMMAND_GROUPS.filter((group) => !WHOLE_PROGRAM_GROUPS.has(group)).map((group) => ({ asset: programAsset(group), group })),
  ];
}

/** The SEA asset holding the program for this group alone, or the whole program; its code cache is the same name + `.cache`. */
export function programAsset(group: CommandGroup | undefined): string {
  return group === undefined ? 'acmecli.js' : `acmecli-${group}.js`;
}
