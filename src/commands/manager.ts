import { Option, type Command } from 'commander';
import { CERT_KEY_TYPE_NAMES, DEFAULT_CERT_KEY_TYPE } from '../certs/cert-key-types.js';
import type { CliContext } from '../cli/context.js';
import { addManagerConnectionOptions, type ManagerConnectionOptions } from './manager-connection.js';

// Only the command line is defined here; the actions load ./manager-actions.js when they run.
export function addManagerCommands(program: Command, ctx: CliContext): void {
  const group = program.command('manager').description('Talk to an ACME Manager: who am I, list, show, request and delete certificates');


  addManagerConnectionOptions(group.command('whoami')
    .description('Show the token\'s owner, scopes and expiry (GET /token/self)')
    .addHelpText('after', '\nExample:\n  ACME_MANAGER_TOKEN=... acmecli manager whoami --manager-url https://manager.example:8989/api/v1'))
    .action(async (options: ManagerConnectionOptions) => (await import('./manager-actions.js')).whoamiAction(ctx, options));

  addManagerConnectionOptions(group.command('list')
    .description("List the owner's certificates: name, issuer, domain, SANs, expiry, renewal date")
    .addHelpText('after', '\nExample:\n  acmecli manager list --json | jq -r \'.certificates[].domain\''))
    .action(async (options: ManagerConnectionOptions) => (await import('./manager-actions.js')).listAction(ctx, options));

  addManagerConnectionOptions(group.command('show')
    .description('Show one certificate (metadata and PEM) by NAME or ISSUER/DOMAIN')
    .argument('<ref>', 'a name, or issuer/domain')
    .addHelpText('after', '\nExamples:\n  acmecli manager show web\n  acmecli manager show letsencrypt/www.example.com'))
    .action(async (ref: string, options: ManagerConnectionOptions) => (await import('./manager-actions.js')).showAction(ctx, ref, options));

  addManagerConnectionOptions(group.command('request')
    .description('Make a key and CSR here (the key never leaves this host), have the manager issue, and write the files')
    .option('-d, --domain <name>', 'the domain first, then SANs (repeat)', (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .requiredOption('--issuer <issuer>', "one of the manager's issuers")
    .option('--name <name>', 'a logical name (then the identity, and the file name)')
    .addOption(new Option('--key-type <type>', 'key type').choices(CERT_KEY_TYPE_NAMES).default(DEFAULT_CERT_KEY_TYPE))
    .option('--bundle', 'full chain in the .crt, no .ca.crt')
    .option('--renewal-days <days>', 'when the manager renews: N or MIN-MAX days before expiry')
    .option('--days <n>', 'requested lifetime (notAfter; not every CA accepts it)')
    .option('--labels <k=v,...>', 'labels for the manager')
    .option('--profile <name>', 'ACME profile')
    .requiredOption('--out <dir>', 'where NAME.crt, NAME.key (0600) and NAME.ca.crt go')
    .addHelpText('after', '\nExample:\n  acmecli manager request -d www.example.com -d example.com --issuer letsencrypt --out /etc/ssl/acme'))
    .action(async (options: ManagerConnectionOptions & { domain?: string[]; issuer: string; name?: string; keyType: string; bundle?: boolean; renewalDays?: string; days?: string; labels?: string; profile?: string; out: string }) => (await import('./manager-actions.js')).requestAction(ctx, options));

  addManagerConnectionOptions(group.command('delete')
    .description('Delete a certificate on the manager (and revoke it with --revoke)')
    .argument('<ref>', 'a name, or issuer/domain')
    .option('--revoke', 'revoke it at the CA first')
    .addHelpText('after', '\nExample:\n  acmecli manager delete letsencrypt/old.example.com --revoke'))
    .action(async (ref: string, options: ManagerConnectionOptions & { revoke?: boolean }) => (await import('./manager-actions.js')).deleteAction(ctx, ref, options));
}
