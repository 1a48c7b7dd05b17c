import { Option, type Command } from 'commander';
import { REVOCATION_REASONS } from '../acme/certificate.js';
import { EAB_ALGORITHMS } from '../acme/jws.js';
import { CHALLENGE_TYPES } from '../acme/solver.js';
import { CERT_KEY_TYPE_NAMES } from '../certs/cert-key-types.js';
import { DNS_PROVIDER_NAMES } from '../dns-providers/provider.js';
import type { SolverSpec } from '../state/lineage-store.js';
import type { CliContext } from '../cli/context.js';
import type { FallbackSpec, IssueOptions } from '../issuance/plan.js';
import { UsageError } from '../errors.js';

// Only the command line is defined here; each action loads ./cert-actions.js when it runs,
// so `acmecli key thumbprint` does not pay for X.509 parsing and the issuance flow.
export function addCertCommands(program: Command, ctx: CliContext): void {
  const group = program.command('cert').description('Obtain, renew, revoke and inspect certificates');
  // Solver options keep the order they were given in: that is the order they are tried.
  const solverOrder: SolverSpec[] = [];
  const collect = (kind: SolverSpec['kind']) => (value: string | undefined) => {
    solverOrder.push(typeof value === 'string' ? { kind, arg: value } : { kind });
    return value ?? true;
  };
  const collectList = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
  // Each --fallback-eab-* belongs to the --fallback-acme-url given before it.
  const fallbackOrder: FallbackSpec[] = [];
  const lastFallback = (flag: string) => {
    const last = fallbackOrder.at(-1);
    if (!last) throw new UsageError(`${flag} belongs to a --fallback-acme-url: give that first`);
    return last;
  };

  group.command('issue')
    .description('Obtain a certificate and record it as a lineage that `cert renew` repeats; on an existing lineage, change its settings (options left out keep their stored value)')
    .option('-d, --domain <name>', 'a DNS name, *.wildcard or IP address (repeat for more)', collectList)
    .addOption(new Option('--key-type <type>', 'certificate key type (default ec256)').choices(CERT_KEY_TYPE_NAMES))
    .option('--reuse-key', 'keep the same certificate key on renewal')
    .option('--no-reuse-key', 'a new certificate key at each renewal (the default)')
    .option('--csr <file>', 'your own CSR (PEM or DER): no private key is made or written')
    .addOption(new Option('--http-standalone [addr]', 'answer http-01 with a built-in web server (default :80)').preset(':80').argParser(collect('http-standalone')))
    .addOption(new Option('--webroot <dir>', 'answer http-01 by writing DIR/.well-known/acme-challenge/TOKEN').argParser(collect('webroot')))
    .addOption(new Option('--http-stateless', 'answer http-01 with nothing: the web server already answers <token>.<thumbprint>').argParser(collect('http-stateless')))
    .addOption(new Option('--tls-alpn-standalone [addr]', 'answer tls-alpn-01 (RFC 8737) with a built-in responder (default :443)').preset(':443').argParser(collect('tls-alpn-standalone')))
    .addOption(new Option('--hook <cmd>', 'uacme-style hook for any type: CMD begin|done|failed TYPE IDENT TOKEN AUTH').argParser(collect('hook')))
    .addOption(new Option('--dns-persist', 'answer dns-persist-01 with the record already published (acmecli dns records)').argParser(collect('dns-persist')))
    .addOption(new Option('--dns <provider>', `answer dns-01 by writing the TXT record through a DNS provider: ${DNS_PROVIDER_NAMES.join(', ')} (docs/dns-providers.md)`).argParser(collect('dns')))
    .option('--dns-zone <zone>', 'with --dns: the zone the records go in (default: found by walking SOA records up)')
    .option('--tsig-key-file <file>', 'with --dns rfc2136: a BIND key file, as nsupdate -k reads it (instead of RFC2136_TSIG_*)')
    .option('--challenge <type>', `allow only these types, in this order (repeat): ${CHALLENGE_TYPES.join(', ')}`, collectList)
    .option('--dns-resolver <host:port>', "ask this server (repeat: each of them) instead of the zone's name servers whether the TXT record is served; '' removes them", collectList)
    .option('--dns-timeout <seconds>', 'how long to wait for every server to serve the TXT record (default 120)')
    .option('--no-dns-check', "tell the CA to look as soon as the hook or DNS provider wrote the TXT record, without checking the zone's name servers (DNS not reachable from this host)")
    .option('--dns-check', "check dns-01/dns-account-01 records on every authoritative server before the CA looks (the default; undoes --no-dns-check)")
    .option('--profile <name>', "an ACME profile from the CA's directory (meta.profiles)")
    .option('--days <n>', 'ask for a certificate valid N days (notAfter; not every CA accepts it)')
    .option('--preferred-chain <issuer-cn>', 'prefer the alternate chain whose top certificate is issued by this CN')
    .option('--out <dir>', 'where NAME.crt, NAME.key and NAME.ca.crt go (default: the current folder)')
    .option('--name <name>', 'file and lineage name (default: the first domain)')
    .option('--bundle', 'write the full chain into NAME.crt and no NAME.ca.crt')
    .option('--no-bundle', 'NAME.crt holds the leaf alone, with NAME.ca.crt beside it (the default)')
    .option('--pre-hook <cmd>', "run once per run before the first lineage actually issued, e.g. to stop a web server on :80 (certbot's meaning); '' removes it")
    .option('--post-hook <cmd>', "run once per run after the last lineage issued, even if it failed; '' removes it")
    .option('--deploy-hook <cmd>', "run after new files are written (ACMECLI_CERT_PATH, ACMECLI_KEY_PATH, ACMECLI_CA_PATH, ACMECLI_DOMAINS); '' removes it")
    .option('--renew-days <days>', 'renew this many days before expiry, a number or a range (used by cert renew without ARI; default 20-30)')
    .option('--email <address>', 'contact for a new account (repeatable)', collectList)
    .option('--agree-tos', "agree to the CA's terms of service when an account is created")
    .option('--eab-kid <id>', 'External Account Binding key id, for a new account')
    .option('--eab-hmac-key <key>', 'External Account Binding HMAC key (or env ACMECLI_EAB_HMAC_KEY)')
    .addOption(new Option('--eab-alg <alg>', 'EAB MAC algorithm').choices(EAB_ALGORITHMS).default('HS256'))
    .option('--serve-check <host:port[/sni]>', 'where the certificate is served, checked by `cert check` and after the deploy hook (repeat for more; SNI defaults to the first name)', collectList)
    .option('--serve-check-timeout <seconds>', 'after the deploy hook, wait this long for every serve check to show the new certificate (default 30)')
    .addOption(new Option('--fallback-acme-url <url|keyword>', 'a second CA, tried in the same run with the same key when the first fails for a reason of its own (repeat for more, in order)').argParser((value) => {
      fallbackOrder.push({ url: value });
      return value;
    }))
    .addOption(new Option('--fallback-eab-kid <id>', 'EAB key id for the --fallback-acme-url just before it').argParser((value) => {
      lastFallback('--fallback-eab-kid').eabKid = value;
      return value;
    }))
    .addOption(new Option('--fallback-eab-hmac-key <key>', 'EAB HMAC key for the --fallback-acme-url just before it (or env ACMECLI_FALLBACK_EAB_HMAC_KEY, kept out of ps)').argParser((value) => {
      lastFallback('--fallback-eab-hmac-key').eabHmacKey = value;
      return value;
    }))
    .option('--failure-hook <cmd>', 'run when a renewal fails or a fallback CA had to issue (ACMECLI_LINEAGE, ACMECLI_ERROR_TYPE, ACMECLI_ERROR_DETAIL, ACMECLI_ATTEMPTS, ACMECLI_DAYS_LEFT…)')
    .option('--force', 'issue even when the lineage exists and is not due')
    .addHelpText('after', `
Examples:
  acmecli -k account.pem cert issue -d example.com -d www.example.com --http-standalone --out /etc/ssl/acme --agree-tos --email admin@example.com
  acmecli -k account.pem cert issue -d '*.example.com' --hook /usr/share/uacme/nsupdate.sh --challenge dns-01 --dns-resolver 192.0.2.53 --out /etc/ssl/acme
  RFC2136_NAMESERVER=192.0.2.53 acmecli -k account.pem cert issue -d example.com -d '*.example.com' --dns rfc2136 --tsig-key-file /etc/bind/acme.key
  acmecli -k account.pem cert issue -d example.com --webroot /var/www/html --deploy-hook 'systemctl reload nginx'
  acmecli cert issue --name example.com --deploy-hook 'systemctl reload apache2'   # change one setting, keep the rest
  acmecli -k account.pem cert issue -d example.com --http-standalone --pre-hook 'systemctl stop nginx' --post-hook 'systemctl start nginx'`)
    .action(async (options: IssueOptions) => {
      // The directory request (and its TLS handshake) starts before the issuance code loads.
      void ctx.client().then((c) => c.directory()).catch(() => undefined);
      await (await import('./cert-actions.js')).issueAction(ctx, options, [...solverOrder], [...fallbackOrder]);
    });

  group.command('renew')
    .description('Renew the lineages that are due (ARI first, then the renewal window): the cron entry')
    .argument('[name...]', 'lineages to consider (default: all with --all)')
    .option('--all', 'every lineage')
    .option('--force', 'renew even when not due')
    .option('--dry-run', "run the whole order for real, due or not, with the lineage's solvers, at the CA's staging directory (letsencrypt, goog) or else the same CA; keep nothing, run no deploy hook")
    .option('--concurrency <n>', 'lineages renewed in parallel', '4')
    .option('--metrics-file <file>', "write every lineage's expiry, last success, last result and failures in the Prometheus text format (node_exporter's textfile collector)")
    .addHelpText('after', `
Examples:
  acmecli cert renew --all                      # in cron: quiet and quick when nothing is due
  acmecli cert renew example.com --force --json
  acmecli cert renew --all --dry-run            # test the solvers and hooks now: a staging certificate, nothing kept`)
    .action(async (names: string[], options: { all?: boolean; force?: boolean; dryRun?: boolean; concurrency: string; metricsFile?: string }) => (await import('./cert-actions.js')).renewAction(ctx, names, options));

  group.command('revoke')
    .description('Revoke a certificate with the account key, or with the certificate\'s own key (RFC 8555 §7.6); a lineage\'s certificate at its own CA with its own account')
    .argument('<file|name>', 'the certificate (PEM; the first certificate of a chain), or a lineage name (its current certificate)')
    .addOption(new Option('--reason <code>', `RFC 5280 reason: ${Object.entries(REVOCATION_REASONS).map(([n, c]) => `${c}=${n}`).join(', ')}`))
    .option('--cert-key <file>', "sign with the certificate's private key instead of the account key")
    .addHelpText('after', '\nExamples:\n  acmecli cert revoke example.com --reason keyCompromise     # the lineage: its CA, its account; cert renew replaces it\n  acmecli -k account.pem cert revoke /etc/ssl/acme/example.com.crt --reason 4\n  acmecli cert revoke example.com.crt --cert-key example.com.key --reason keyCompromise')
    .action(async (file: string, options: { reason?: string; certKey?: string }) => (await import('./cert-actions.js')).revokeAction(ctx, file, options));

  group.command('delete')
    .description('Delete a lineage: cert renew never touches it again; its deployed files stay unless --remove-files')
    .argument('<name>', 'the lineage (see acmecli cert list)')
    .option('--remove-files', 'also remove NAME.crt, NAME.key and the other files it wrote in its --out folder')
    .addHelpText('after', '\nExamples:\n  acmecli cert delete old.example.com\n  acmecli cert delete old.example.com --remove-files --json')
    .action(async (name: string, options: { removeFiles?: boolean }) => (await import('./cert-actions.js')).deleteAction(ctx, name, options));

  group.command('show')
    .description("Show a certificate (names, issuer, validity, serial, fingerprint, ARI CertID) or a lineage's stored settings (offline)")
    .argument('<file|name>', 'a PEM certificate or chain, or a lineage name')
    .addHelpText('after', '\nExamples:\n  acmecli cert show /etc/ssl/acme/example.com.crt\n  acmecli cert show example.com --json      # the lineage: CA, account, solvers, output, hooks, key type, profile, window')
    .action(async (file: string) => (await import('./cert-actions.js')).showAction(ctx, file));

  group.command('ari')
    .description("Ask the CA for its renewal window for a certificate now (RFC 9773 renewalInfo)")
    .argument('<file>', 'a PEM certificate')
    .addHelpText('after', '\nExample:\n  acmecli -a letsencrypt cert ari /etc/ssl/acme/example.com.crt')
    .action(async (file: string) => (await import('./cert-actions.js')).ariAction(ctx, file));

  group.command('check')
    .description('Check that each serve-check endpoint serves the lineage\'s current certificate: ok, stale, foreign, expiring, expired, unreachable')
    .argument('[name...]', 'lineages to check (default: every lineage with a serve check)')
    .option('--warn-days <days>', 'call a certificate expiring this many days before its end (default: a third of its lifetime)')
    .option('--connect-timeout <seconds>', 'how long to wait for each TLS handshake', '10')
    .option('--nagios', 'monitoring-plugin output: one status line with perfdata; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
    .addHelpText('after', `
Exit status: 0 when every endpoint is ok, 1 otherwise (with --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).

Examples:
  acmecli cert check                              # every lineage with --serve-check endpoints
  acmecli cert check example.com --json
  acmecli cert check --nagios --warn-days 14      # as a Nagios/Icinga/Checkmk plugin`)
    .action(async (names: string[], options: { warnDays?: string; connectTimeout: string; nagios?: boolean }) => (await import('./cert-check-actions.js')).checkAction(ctx, names, options));

  group.command('list')
    .description('List lineages: names, status, expiry, next renewal, last result; --json adds each one\'s settings (offline)')
    .option('--expiring <days>', 'exit 1 when any lineage expires within DAYS (a cron or monitoring check)')
    .addHelpText('after', '\nExamples:\n  acmecli cert list\n  acmecli cert list --expiring 14 >/dev/null || echo "a certificate expires within 14 days"')
    .action(async (options: { expiring?: string }) => (await import('./cert-list-action.js')).listAction(ctx, options));
}
