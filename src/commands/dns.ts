import { Argument, Option, type Command } from 'commander';
import type { Directory } from '../acme/types.js';
import { UsageError } from '../errors.js';
import { ipAddressVersion } from '../net/ip-address.js';
import { CAA_VALIDATION_METHODS, caaRecords } from '../dns/caa.js';
import { dnsAccountRecordName, dnsAccountRecords } from '../dns/dns-account.js';
import { PERSIST_DRAFTS, dnsPersistRecords } from '../dns/dns-persist.js';
import { HTTP_SNIPPET_SERVERS, httpSnippet, type HttpSnippetServer } from '../dns/http-snippet.js';
import { directoryNeeded, parseRecordOptions, recordSettingsFrom, type RecordOptions } from '../dns/record-settings.js';
import type { CliContext } from '../cli/context.js';

interface RecordsOptions extends RecordOptions {
  wildcard?: boolean;
  offline?: boolean;
}

type Source = 'option' | 'cache' | 'server';

export interface PublishOptions extends RecordsOptions {
  dns: string;
  tsigKeyFile?: string;
  dnsZone?: string;
  dryRun?: boolean;
}

export type RecordSettings = Awaited<ReturnType<typeof recordSettings>>;

const PLACEHOLDER_ZONE = 'example.com';

export function addDnsCommands(program: Command, ctx: CliContext): void {
  const group = program.command('dns').description('DNS records and web-server snippets to paste (offline once the account URL is known)');

  group.command('records')
    .description('Print CAA, dns-persist-01 and dns-account-01 records for ZONEs, bound to this account')
    .argument('[zone...]', `zones or names to cover (default: ${PLACEHOLDER_ZONE} as a placeholder)`)
    .option('--account-uri <uri>', 'the account URL; with --caa-identity too, nothing is fetched from the CA (dns-persist-01 form: --persist-draft, else the cached directory\'s, else 01)')
    .option('--caa-identity <domain>', "the CA's issuer domain name for CAA, repeatable (default: the directory's caaIdentities)", (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--issuer-domain <domain>', 'issuer domain for dns-persist-01 (default: the directory\'s issuerDomainNames, else the first CAA identity)')
    .option('--validation-methods <list>', `restrict CAA to these methods, comma-separated (${Object.keys(CAA_VALIDATION_METHODS).slice(0, 5).join(', ')}, ...)`)
    .option('--wildcard', 'also allow wildcards: CAA issuewild and dns-persist-01 policy=wildcard')
    .addOption(new Option('--persist-draft <draft>', `dns-persist-01 wire form: 00/01 (account URL, ${PERSIST_DRAFTS['01'].document}) or 02 (hashed account URI); default: what the directory advertises`))
    .option('--account-hash-prefix <prefix>', "draft-02 only: the directory's meta.accountHashPrefix, for offline use")
    .option('--persist-until <date>', 'dns-persist-01 persistUntil: an ISO 8601 date or UNIX seconds')
    .option('--ttl <seconds>', 'TTL for every record (default: the zone\'s $TTL)')
    .option('--offline', 'never contact the CA: use options and the local cache only')
    .addHelpText('after', `
Examples:
  acmecli -a letsencrypt -k account.pem dns records example.com www.example.com
  acmecli dns records example.com --account-uri https://acme-v02.api.letsencrypt.org/acme/acct/123 --caa-identity letsencrypt.org --offline`)
    .action(async (zonesGiven: string[], options: RecordsOptions) => {
      refuseIpAddresses(zonesGiven);
      const zones = zonesGiven.length ? zonesGiven : [PLACEHOLDER_ZONE];
      const { inputs, identities, issuerDomain, draft, accountHashPrefix, validationMethods, persistUntil, ttl, warnings } = await recordSettings(ctx, options);

      const perZone = zones.map((zone) => ({
        zone,
        caa: identities.length
          ? caaRecords({ zone, caaIdentities: identities, accountUri: inputs.accountUrl, ...(validationMethods ? { validationMethods } : {}), ...(options.wildcard ? { issueWild: true } : {}), ...(ttl !== undefined ? { ttl } : {}) })
          : [],
        dnsPersist: issuerDomain
          ? dnsPersistRecords({
              zone, issuerDomain, accountUri: inputs.accountUrl, draft,
              ...(draft === '02' ? { accountHashPrefix, thumbprint: inputs.thumbprint } : {}),
              ...(options.wildcard ? { wildcard: true } : {}),
              ...(persistUntil ? { persistUntil } : {}),
              ...(ttl !== undefined ? { ttl } : {}),
            })
          : [],
        dnsAccount: { name: dnsAccountRecordName(zone, inputs.accountUrl), records: dnsAccountRecords({ zone, accountUri: inputs.accountUrl, ...(ttl !== undefined ? { ttl } : {}) }) },
      }));

      const result = {
        directoryUrl: ctx.directoryUrl,
        accountUrl: inputs.accountUrl,
        caaIdentities: identities,
        issuerDomain: issuerDomain ?? null,
        persistDraft: PERSIST_DRAFTS[draft].document,
        sources: inputs.sources,
        // Programs get records only; the zone-file comments that explain them are in `comments`.
        zones: perZone.map((z) => ({
          zone: z.zone,
          caa: z.caa,
          dnsPersist: z.dnsPersist.filter((line) => !isComment(line)),
          dnsAccount: { name: z.dnsAccount.name, records: z.dnsAccount.records.filter((line) => !isComment(line)) },
          comments: [...z.dnsPersist, ...z.dnsAccount.records].filter(isComment),
        })),
        warnings,
      };
      for (const w of warnings) ctx.output.warn(w);
      ctx.output.result(result, (r) => [
        `; Records for account ${r.accountUrl}`,
        ...(zonesGiven.length ? [] : [`; ${PLACEHOLDER_ZONE} is a placeholder: name your zones, e.g. acmecli dns records example.org`]),
        ...perZone.flatMap((z) => [
          '',
          ...(z.caa.length ? [`; CAA (RFC 8659, RFC 8657): only ${r.caaIdentities.join(', ')} may issue for ${z.zone}, and only to this account`, ...z.caa] : []),
          ...z.dnsPersist,
          ...z.dnsAccount.records,
        ]),
      ].join('\n'));
    });

  group.command('publish')
    .description('Write the CAA and dns-persist-01 records of `dns records` into ZONEs through a DNS provider, idempotently')
    .argument('<zone...>', 'names to publish for (the CAA goes on each, the dns-persist-01 TXT on _validation-persist.NAME)')
    .requiredOption('--dns <provider>', 'the provider that writes: rfc2136 (RFC2136_* variables, or --tsig-key-file)')
    .option('--tsig-key-file <file>', 'a BIND key file, as nsupdate -k reads it (instead of RFC2136_TSIG_*)')
    .option('--dns-zone <zone>', 'the zone the records go in (default: found by walking SOA records up on the primary)')
    .option('--dry-run', 'print the update (as nsupdate input) and send nothing')
    .option('--account-uri <uri>', 'the account URL; with --caa-identity too, nothing is fetched from the CA (dns-persist-01 form: --persist-draft, else the cached directory\'s, else 01)')
    .option('--caa-identity <domain>', "the CA's issuer domain name for CAA, repeatable (default: the directory's caaIdentities)", (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--issuer-domain <domain>', 'issuer domain for dns-persist-01 (default: the directory\'s issuerDomainNames, else the first CAA identity)')
    .option('--validation-methods <list>', 'restrict CAA to these methods, comma-separated')
    .option('--wildcard', 'also allow wildcards: CAA issuewild and dns-persist-01 policy=wildcard')
    .addOption(new Option('--persist-draft <draft>', 'dns-persist-01 wire form: 00/01 (account URL) or 02 (hashed account URI); default: what the directory advertises'))
    .option('--account-hash-prefix <prefix>', "draft-02 only: the directory's meta.accountHashPrefix, for offline use")
    .option('--persist-until <date>', 'dns-persist-01 persistUntil: an ISO 8601 date or UNIX seconds')
    .option('--ttl <seconds>', 'TTL of the records written (default 3600)')
    .option('--offline', 'never contact the CA: use options and the local cache only')
    .addHelpText('after', `
Records of this CA that are already right are left alone, this CA's that differ are replaced,
other CAs' CAA records and other TXT records are kept.

Examples:
  RFC2136_NAMESERVER=192.0.2.53 acmecli -a letsencrypt -k account.pem dns publish example.org --dns rfc2136 --tsig-key-file /etc/acme/acme-key.conf --wildcard
  acmecli -k account.pem dns publish example.org www.example.org --dns rfc2136 --dry-run`)
    .action(async (zones: string[], options: PublishOptions) => {
      refuseIpAddresses(zones);
      const settings = await recordSettings(ctx, options);
      for (const w of settings.warnings) ctx.output.warn(w);
      const { publishAction } = await import('./dns-publish.js');
      await publishAction(ctx, zones, options, settings);
    });

  group.command('http-snippet')
    .description('Print web-server configuration answering http-01 statelessly with this key\'s thumbprint')
    .addArgument(new Argument('<server>', 'web server').choices(Object.keys(HTTP_SNIPPET_SERVERS)))
    .option('--thumbprint <thumbprint>', 'use this thumbprint instead of reading -k')
    .addHelpText('after', '\nExample:\n  acmecli -k account.pem dns http-snippet nginx > /etc/nginx/snippets/acme-stateless.conf')
    .action(async (server: HttpSnippetServer, options: { thumbprint?: string }) => {
      const thumbprint = options.thumbprint ?? (await ctx.thumbprint());
      const snippet = httpSnippet(server, thumbprint);
      ctx.output.result({ server, thumbprint, snippet }, (r) => r.snippet);
    });
}

/** What `dns records` and `dns publish` both derive from the options, the cache and the CA: one reading of them. */
export async function recordSettings(ctx: CliContext, options: RecordsOptions) {
  const parsed = parseRecordOptions(options);
  const inputs = await gatherInputs(ctx, options, directoryNeeded(options, parsed.draftOverride));
  return { inputs, ...recordSettingsFrom(options, parsed, { caaIdentities: inputs.directory?.meta?.caaIdentities, meta: inputs.directory?.meta }, inputs.thumbprint) };
}

interface RecordInputs {
  accountUrl: string;
  thumbprint?: string;
  directory?: Directory;
  sources: { accountUrl: Source; directory: Source | 'none' };
}

/**
 * Options first, then what an earlier run cached, and the CA only for what is
 * still missing (never with --offline), so the command works on a machine
 * without network once it has seen the account.
 */
async function gatherInputs(ctx: CliContext, options: RecordsOptions, needsDirectory: boolean): Promise<RecordInputs> {
  const hasKey = Boolean(ctx.globals.key ?? ctx.io.env.ACMECLI_KEY);
  const thumbprint = hasKey ? await ctx.thumbprint() : undefined;
  const cachedDirectory = (await ctx.cache.findDirectory(ctx.directoryUrl))?.directory;
  let directory = cachedDirectory;
  let directorySource: Source | 'none' = cachedDirectory ? 'cache' : 'none';
  if (!directory && needsDirectory && !options.offline) {
    directory = await ctx.directory();
    directorySource = 'server';
  }

  if (options.accountUri) return { accountUrl: options.accountUri, ...(thumbprint ? { thumbprint } : {}), ...(directory ? { directory } : {}), sources: { accountUrl: 'option', directory: directorySource } };
  if (!thumbprint) throw new UsageError('pass -k with the account key, or --account-uri');
  const cached = await ctx.cache.findAccount(ctx.directoryUrl, thumbprint);
  if (cached) return { accountUrl: cached.accountUrl, thumbprint, ...(directory ? { directory } : {}), sources: { accountUrl: 'cache', directory: directorySource } };
  if (options.offline) throw new UsageError(`the account URL of this key at ${ctx.directoryUrl} is not cached yet: pass --account-uri, or run once without --offline`);
  const account = await ctx.account({ preferServer: true });
  if (!directory) {
    directory = await ctx.directory();
    directorySource = 'server';
  }
  return { accountUrl: account.url, thumbprint, directory, sources: { accountUrl: 'server', directory: directorySource } };
}

function isComment(line: string): boolean {
  return line.startsWith(';');
}

/** CAA covers DNS names only (RFC 8659 §4), and so do the TXT records here: an IP address gets one line, not records. */
function refuseIpAddresses(zones: readonly string[]): void {
  const ip = zones.find((zone) => ipAddressVersion(zone.replace(/^\[|\]$/g, '')) !== 0);
  if (ip) throw new UsageError(`${ip} is an IP address: CAA and these TXT records exist for DNS names only (RFC 8659); a certificate for an IP address needs none`);
}
