// The work behind `acmecli manager …`, loaded only when one of these commands runs.
import { resolve } from 'node:path';
import { identityOf } from '../agent/config/paths.js';
import { requestAndDeploy } from '../agent/issue.js';
import { checkAnswerIsFor, partitionManagerList } from '../agent/manager-entry.js';
import { pendingKeyFolder } from '../agent/state.js';
import { parseIdentifier } from '../certs/identifiers.js';
import { parseCertKeyType } from '../certs/cert-key-types.js';
import { parseRenewDays } from '../certs/renewal-time.js';
import { UsageError } from '../errors.js';
import type { CertificateRef } from '../manager/types.js';
import type { CliContext } from '../cli/context.js';
import { managerClient, type ManagerConnectionOptions } from './manager-connection.js';
import { printableLine } from '../printable.js';

export async function whoamiAction(ctx: CliContext, options: ManagerConnectionOptions): Promise<void> {
  const self = await withClient(ctx, options, (c) => c.whoami());
  ctx.output.result({ username: self.username, scope: self.scope, expires: self.expires }, (r) => [`Owner:   ${r.username}`, `Scopes:  ${r.scope.join(', ')}`, `Expires: ${r.expires}`]);
}

export async function listAction(ctx: CliContext, options: ManagerConnectionOptions): Promise<void> {
  const listed = partitionManagerList(await withClient(ctx, options, (c) => c.listMetadata()));
  // A name no agent would use is not shown as if it were one: it is named, escaped, in a warning.
  for (const message of listed.refused) ctx.output.warn(message);
  const list = listed.usable;
  ctx.output.result({ certificates: list }, (r) => r.certificates.length === 0 ? 'No certificates.' : [
    ['NAME', 'ISSUER', 'DOMAIN', 'SAN', 'EXPIRES', 'RENEWAL'].join('\t'),
    ...r.certificates.map((c) => [c.name || '-', c.issuer, c.domain, c.san || '-', c.expires ?? '-', c.renewal_date ?? '-'].map(printableLine).join('\t')),
  ]);
}

export async function showAction(ctx: CliContext, ref: string, options: ManagerConnectionOptions): Promise<void> {
  const target = parseRef(ref);
  const cert = await withClient(ctx, options, (c) => c.getCertificate(target));
  checkAnswerIsFor(target, cert, `GET certificate ${ref}`);
  ctx.output.result(cert, (c) => [
    `Domain:      ${c.domain}`, `Issuer:      ${c.issuer}`, ...(c.name ? [`Name:        ${c.name}`] : []),
    `SAN:         ${c.san || '-'}`, `Expires:     ${c.expires ?? '-'}`, `Renewal:     ${c.renewal_date ?? '-'}`,
    `Serial:      ${c.serial ?? '-'}`, `Fingerprint: ${c.fingerprint ?? '-'}`, `Key type:    ${c.key_type ?? '-'}`, `Labels:      ${c.labels || '-'}`,
  ]);
}

export async function requestAction(ctx: CliContext, options: ManagerConnectionOptions & { domain?: string[]; issuer: string; name?: string; keyType: string; bundle?: boolean; renewalDays?: string; days?: string; labels?: string; profile?: string; out: string }): Promise<void> {
  const names = options.domain ?? [];
  if (names.length === 0) throw new UsageError('name the domain with -d (then any SANs with more -d)');
  const identifiers = names.map((n) => parseIdentifier(n));
  const keyType = parseCertKeyType(options.keyType);
  if (options.renewalDays) parseRenewDays(options.renewalDays);
  const days = options.days === undefined ? undefined : Number(options.days);
  if (days !== undefined && (!Number.isInteger(days) || days <= 0)) throw new UsageError('--days must be a whole number of days');
  // Named by the name, else the domain, wildcards literal, flat in --out.
  const fileName = options.name ?? identifiers[0]!.value;
  if (/[/\\]|\.\./.test(fileName)) throw new UsageError(`--name ${JSON.stringify(fileName)} must not contain '/', '\\' or '..'`);
  const [domain, ...san] = identifiers.map((i) => i.value);
  const out = resolve(ctx.io.cwd, options.out);
  const paths = { cert: `${out}/${fileName}.crt`, key: `${out}/${fileName}.key`, ca: `${out}/${fileName}.ca.crt` };
  // The key waits in the state folder while the manager issues: a lost answer loses no key (agent/pending-keys.ts).
  await ctx.checkStateHomeWritable();
  const { response: cert } = await withClient(ctx, options, async (manager) => requestAndDeploy({ manager, pendingKeyDir: await pendingKeyFolder(ctx.stateHome, manager.baseUrl), now: () => new Date() }, {
    identity: identityOf({ name: options.name, issuer: options.issuer, domain: domain! }),
    request: {
      domain: domain!, issuer: options.issuer, name: options.name ?? '', san: san.join(','), sanNames: san, keyType, days: days ?? 0,
      renewalDays: options.renewalDays ?? '', profile: options.profile ?? '', bundle: Boolean(options.bundle), labels: options.labels ?? '', dnsChallenge: '', httpChallenge: '',
    },
    files: { folder: out, paths, modes: { dirMode: 0o700, fileMode: 0o644, keyFileMode: 0o600 } },
    deploy: true,
    askedIn: 'the request',
  }));
  const files = { cert: paths.cert, key: paths.key, ...(!options.bundle && cert.ca_issuer ? { ca: paths.ca } : {}) };
  ctx.output.result({ domain: cert.domain, issuer: cert.issuer, name: cert.name ?? null, expires: cert.expires ?? null, fingerprint: cert.fingerprint ?? null, files },
    (r) => `Issued ${r.domain} through ${r.issuer} (expires ${r.expires})\n  certificate: ${r.files.cert}\n  key:         ${r.files.key}`);
}

export async function deleteAction(ctx: CliContext, ref: string, options: ManagerConnectionOptions & { revoke?: boolean }): Promise<void> {
  const target = parseRef(ref);
  await withClient(ctx, options, (c) => c.deleteCertificate(target, { revoke: Boolean(options.revoke) }));
  ctx.output.result({ deleted: ref, revoked: Boolean(options.revoke) }, (r) => `Deleted ${r.deleted}${r.revoked ? ' (revoked)' : ''}.`);
}

async function withClient<T>(ctx: CliContext, options: ManagerConnectionOptions, work: (client: Awaited<ReturnType<typeof managerClient>>['client']) => Promise<T>): Promise<T> {
  const { client, close } = await managerClient(ctx, options);
  try {
    return await work(client);
  } finally {
    await close();
  }
}

function parseRef(ref: string): CertificateRef {
  const slash = ref.indexOf('/');
  if (slash < 0) return { name: ref };
  const issuer = ref.slice(0, slash);
  const domain = ref.slice(slash + 1);
  if (!issuer || !domain || domain.includes('/')) throw new UsageError(`${JSON.stringify(ref)} is neither NAME nor ISSUER/DOMAIN`);
  return { issuer, domain };
}

