import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { deployFiles } from '../agent/deploy-files.js';
import { parseIdentifier } from '../certs/identifiers.js';
import { CERT_KEY_TYPE_NAMES, parseCertKeyType } from '../certs/cert-key-types.js';
import { createCsr } from '../certs/csr.js';
import { parseRenewDays } from '../certs/renewal-time.js';
import { UsageError } from '../errors.js';
import { accountKeyFromKeyObject } from '../keys/account-key.js';
import { exportAccountKey } from '../keys/convert.js';
import { generateAccountKey } from '../keys/generate.js';
import type { CertificateRef } from '../manager/types.js';
import type { CliContext } from '../cli/context.js';
import { addManagerConnectionOptions, managerClient, type ManagerConnectionOptions } from './manager-connection.js';

export function addManagerCommands(program: Command, ctx: CliContext): void {
  const group = program.command('manager').description('Talk to an ACME Manager: who am I, list, show, request and delete certificates');

  const withClient = async <T>(options: ManagerConnectionOptions, work: (client: Awaited<ReturnType<typeof managerClient>>['client']) => Promise<T>): Promise<T> => {
    const { client, close } = await managerClient(ctx, options);
    try {
      return await work(client);
    } finally {
      await close();
    }
  };

  addManagerConnectionOptions(group.command('whoami')
    .description('Show the token\'s owner, scopes and expiry (GET /token/self)')
    .addHelpText('after', '\nExample:\n  ACME_MANAGER_TOKEN=... acmecli manager whoami --manager-url https://manager.example:8989/api/v1'))
    .action(async (options: ManagerConnectionOptions) => {
      const self = await withClient(options, (c) => c.whoami());
      ctx.output.result({ username: self.username, scope: self.scope, expires: self.expires }, (r) => `Owner:   ${r.username}\nScopes:  ${r.scope.join(', ')}\nExpires: ${r.expires}`);
    });

  addManagerConnectionOptions(group.command('list')
    .description("List the owner's certificates: name, issuer, domain, SANs, expiry, renewal date")
    .addHelpText('after', '\nExample:\n  acmecli manager list --json | jq -r \'.certificates[].domain\''))
    .action(async (options: ManagerConnectionOptions) => {
      const list = await withClient(options, (c) => c.listMetadata());
      ctx.output.result({ certificates: list }, (r) => r.certificates.length === 0 ? 'No certificates.' : [
        ['NAME', 'ISSUER', 'DOMAIN', 'SAN', 'EXPIRES', 'RENEWAL'].join('\t'),
        ...r.certificates.map((c) => [c.name || '-', c.issuer, c.domain, c.san || '-', c.expires ?? '-', c.renewal_date ?? '-'].join('\t')),
      ].join('\n'));
    });

  addManagerConnectionOptions(group.command('show')
    .description('Show one certificate (metadata and PEM) by NAME or ISSUER/DOMAIN')
    .argument('<ref>', 'a name, or issuer/domain')
    .addHelpText('after', '\nExamples:\n  acmecli manager show web\n  acmecli manager show letsencrypt/www.example.com'))
    .action(async (ref: string, options: ManagerConnectionOptions) => {
      const cert = await withClient(options, (c) => c.getCertificate(parseRef(ref)));
      ctx.output.result(cert, (c) => [
        `Domain:      ${c.domain}`, `Issuer:      ${c.issuer}`, ...(c.name ? [`Name:        ${c.name}`] : []),
        `SAN:         ${c.san || '-'}`, `Expires:     ${c.expires ?? '-'}`, `Renewal:     ${c.renewal_date ?? '-'}`,
        `Serial:      ${c.serial ?? '-'}`, `Fingerprint: ${c.fingerprint ?? '-'}`, `Key type:    ${c.key_type ?? '-'}`, `Labels:      ${c.labels || '-'}`,
      ].join('\n'));
    });

  addManagerConnectionOptions(group.command('request')
    .description('Make a key and CSR here (the key never leaves this host), have the manager issue, and write the files')
    .option('-d, --domain <name>', 'the domain first, then SANs (repeat)', (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .requiredOption('--issuer <issuer>', "one of the manager's issuers")
    .option('--name <name>', 'a logical name (then the identity, and the file name)')
    .addOption(new Option('--key-type <type>', 'key type').choices(CERT_KEY_TYPE_NAMES).default('ec256'))
    .option('--bundle', 'full chain in the .crt, no .ca.crt')
    .option('--renewal-days <days>', 'when the manager renews: N or MIN-MAX days before expiry')
    .option('--days <n>', 'requested lifetime (notAfter; not every CA accepts it)')
    .option('--labels <k=v,...>', 'labels for the manager')
    .option('--profile <name>', 'ACME profile')
    .requiredOption('--out <dir>', 'where NAME.crt, NAME.key (0600) and NAME.ca.crt go')
    .addHelpText('after', '\nExample:\n  acmecli manager request -d www.example.com -d example.com --issuer letsencrypt --out /etc/ssl/acme'))
    .action(async (options: ManagerConnectionOptions & { domain?: string[]; issuer: string; name?: string; keyType: string; bundle?: boolean; renewalDays?: string; days?: string; labels?: string; profile?: string; out: string }) => {
      const names = options.domain ?? [];
      if (names.length === 0) throw new UsageError('name the domain with -d (then any SANs with more -d)');
      const identifiers = names.map((n) => parseIdentifier(n));
      const keyType = parseCertKeyType(options.keyType);
      if (options.renewalDays) parseRenewDays(options.renewalDays);
      const days = options.days === undefined ? undefined : Number(options.days);
      if (days !== undefined && (!Number.isInteger(days) || days <= 0)) throw new UsageError('--days must be a whole number of days');
      // The agent's file names (CONTRACT.md §6.7): the name, else the domain, wildcards literal.
      const fileName = options.name ?? identifiers[0]!.value;
      if (/[/\\]|\.\./.test(fileName)) throw new UsageError(`--name ${JSON.stringify(fileName)} must not contain '/', '\\' or '..'`);
      const key = await generateAccountKey(keyType);
      const keyPem = exportAccountKey(accountKeyFromKeyObject(key, 'new key', 'pkcs8'), 'pkcs1').toString('utf8');
      const csr = await createCsr(key, identifiers);
      const [domain, ...san] = identifiers.map((i) => i.value);
      const cert = await withClient(options, (c) => c.createCertificate({
        domain: domain!, issuer: options.issuer, csr: Buffer.from(csr.pem).toString('base64'), key_type: keyType,
        ...(options.name ? { name: options.name } : {}), ...(san.length ? { san: san.join(',') } : {}),
        ...(days ? { days } : {}), ...(options.renewalDays ? { renewal_days: options.renewalDays } : {}),
        ...(options.profile ? { profile: options.profile } : {}), bundle: Boolean(options.bundle), labels: options.labels ?? '',
      }));
      const out = resolve(ctx.io.cwd, options.out);
      const paths = { cert: `${out}/${fileName}.crt`, key: `${out}/${fileName}.key`, ca: `${out}/${fileName}.ca.crt` };
      await deployFiles(paths, { key: keyPem, cert: cert.cert, ...(!options.bundle && cert.ca_issuer ? { ca: cert.ca_issuer } : {}) }, { dirMode: 0o700, fileMode: 0o644, keyFileMode: 0o600 });
      const files = { cert: paths.cert, key: paths.key, ...(!options.bundle && cert.ca_issuer ? { ca: paths.ca } : {}) };
      ctx.output.result({ domain: cert.domain, issuer: cert.issuer, name: cert.name ?? null, expires: cert.expires ?? null, fingerprint: cert.fingerprint ?? null, files },
        (r) => `Issued ${r.domain} through ${r.issuer} (expires ${r.expires})\n  certificate: ${r.files.cert}\n  key:         ${r.files.key}`);
    });

  addManagerConnectionOptions(group.command('delete')
    .description('Delete a certificate on the manager (and revoke it with --revoke)')
    .argument('<ref>', 'a name, or issuer/domain')
    .option('--revoke', 'revoke it at the CA first')
    .addHelpText('after', '\nExample:\n  acmecli manager delete letsencrypt/old.example.com --revoke'))
    .action(async (ref: string, options: ManagerConnectionOptions & { revoke?: boolean }) => {
      const target = parseRef(ref);
      await withClient(options, (c) => c.deleteCertificate(target, { revoke: Boolean(options.revoke) }));
      ctx.output.result({ deleted: ref, revoked: Boolean(options.revoke) }, (r) => `Deleted ${r.deleted}${r.revoked ? ' (revoked)' : ''}.`);
    });
}

function parseRef(ref: string): CertificateRef {
  const slash = ref.indexOf('/');
  if (slash < 0) return { name: ref };
  const issuer = ref.slice(0, slash);
  const domain = ref.slice(slash + 1);
  if (!issuer || !domain || domain.includes('/')) throw new UsageError(`${JSON.stringify(ref)} is neither NAME nor ISSUER/DOMAIN`);
  return { issuer, domain };
}

