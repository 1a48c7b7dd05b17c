// acmecli(1) and client-config.yml(5), from the command tree and the config parser's tables.
import { COMMON_DIRECTORY_NOTE, ENVIRONMENT, EXIT_STATUSES, FILES } from './facts.js';
import { CERTIFICATE_FIELD_DOCS, COMMON_FIELD_DOCS, VAULT_FIELD_DOCS, type FieldDoc } from './client-config-fields.js';
import { flattenCommands, type CommandDoc, type OptionDoc } from './model.js';
import { roffFlags, roffText } from './roff.js';

function header(name: string, section: number, version: string, title: string): string[] {
  // No date: the page is the same bytes for the same version (reproducible packages).
  return [`.\\" Generated from the acmecli command definitions (npm run docs). Do not edit.`, `.TH ${name} ${section} "" "acmecli ${roffText(version)}" "${title}"`];
}

/** " (one of: a, b)" unless the description already names every choice. */
function choicesNote(description: string, values: readonly string[] | undefined): string {
  return values?.length && !values.every((v) => description.includes(v)) ? ` (one of: ${values.join(', ')})` : '';
}

function optionEntries(options: readonly OptionDoc[]): string[] {
  return options.flatMap((o) => [
    '.TP',
    roffFlags(o.flags),
    roffText(o.description + choicesNote(o.description, o.value?.kind === 'choices' ? o.value.values : undefined) + (o.defaultValue !== undefined ? ` (default: ${o.defaultValue})` : '')),
  ]);
}

function commandEntry(command: CommandDoc): string[] {
  const lines = ['.SS ' + `"${roffText(command.usage)}"`, roffText(command.description)];
  if (command.arguments.length) {
    lines.push('.RS', '.PP', 'Arguments:');
    for (const a of command.arguments) lines.push('.TP', `\\fI${roffText(a.term)}\\fR`, roffText(a.description + choicesNote(a.description, a.value.kind === 'choices' ? a.value.values : undefined)));
    lines.push('.RE');
  }
  const own = command.options.filter((o) => o.long !== '--help');
  if (own.length) lines.push('.RS', '.PP', 'Options:', ...optionEntries(own), '.RE');
  return lines;
}

export function renderAcmecliManPage(program: CommandDoc, version: string): string {
  const commands = flattenCommands(program).slice(1).filter((c) => c.subcommands.length === 0);
  return [
    ...header('ACMECLI', 1, version, 'User Commands'),
    '.SH NAME',
    'acmecli \\- ACME (RFC 8555) client: accounts, keys, DNS records, certificates, and a deploy agent',
    '.SH SYNOPSIS',
    '.B acmecli',
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIsubcommand\\fR] [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    roffText(program.description),
    '.PP',
    roffText('Every command takes --help. Global options may come before or after the command name.'),
    '.SH GLOBAL OPTIONS',
    ...optionEntries(program.options),
    '.SH COMMANDS',
    ...commands.flatMap(commandEntry),
    '.SH ENVIRONMENT',
    ...ENVIRONMENT.flatMap(([name, text]) => ['.TP', `.B ${name}`, roffText(text)]),
    '.SH EXIT STATUS',
    ...EXIT_STATUSES.flatMap(([code, text]) => ['.TP', `.B ${code}`, roffText(text)]),
    '.SH FILES',
    ...FILES.flatMap(([path, text]) => ['.TP', `.I ${roffText(path)}`, roffText(text)]),
    '.PP',
    roffText(COMMON_DIRECTORY_NOTE),
    '.SH EXAMPLES',
    '.nf',
    roffText('acmecli key generate ec256 -o account.pem'),
    roffText('acmecli -a letsencrypt-staging -k account.pem account create mailto:admin@example.com --agree-tos'),
    roffText('acmecli -k account.pem cert issue -d example.com --webroot /var/www/html --agree-tos'),
    roffText('acmecli cert renew --all --quiet'),
    '.fi',
    '.SH SEE ALSO',
    '.BR client-config.yml (5),',
    '.BR systemd.timer (5),',
    '.BR uacme (1),',
    '.BR certbot (1)',
    '',
  ].join('\n');
}

function fieldTable(title: string, docs: Readonly<Record<string, FieldDoc>>): string[] {
  return [`.SS ${title}`, ...Object.entries(docs).flatMap(([key, d]) => ['.TP', `.B ${key}`, roffText(`${d.text} (default: ${d.default})`)])];
}

export function renderClientConfigManPage(version: string): string {
  return [
    ...header('CLIENT-CONFIG.YML', 5, version, 'File Formats'),
    '.SH NAME',
    'client-config.yml \\- certificates that acmecli agent keeps deployed from an ACME Manager',
    '.SH SYNOPSIS',
    '.I /etc/acmecli/client-config.yml',
    '.SH DESCRIPTION',
    roffText('The configuration file of the ACME Manager Go client, read by acmecli agent the way that client reads it: YAML 1.1 (0600 is octal, yes/no are booleans; aliases and << merge keys are followed), checked when loaded, before anything is sent. For numbers, times and modes, 0 means the default. Unknown keys are warned about, never fatal.'),
    '.PP',
    roffText('acmecli agent --check-config --config FILE checks a file and exits.'),
    '.SH KEYS',
    ...fieldTable('common', COMMON_FIELD_DOCS),
    ...fieldTable('certificate (a list)', CERTIFICATE_FIELD_DOCS),
    ...fieldTable('storage.vault', VAULT_FIELD_DOCS),
    '.SH EXAMPLE',
    '.nf',
    ...[
      'common:',
      '  certificate_deploy: true',
      '  certificate_dir: /etc/ssl/acme/',
      '  certificate_keyfile_perm: 0640',
      '  cmd_enabled: true',
      '  post_cmd_run: systemctl reload nginx',
      'certificate:',
      '  - domain: www.example.com',
      '    issuer: letsencrypt',
      '    san: example.com',
      '  - name: api',
      '    domain: api.example.net',
      '    issuer: zerossl',
      '    key_type: rsa2048',
      '    bundle: true',
    ].map(roffText),
    '.fi',
    '.SH SEE ALSO',
    '.BR acmecli (1)',
    '',
  ].join('\n');
}
