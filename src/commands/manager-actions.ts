// The work behind `acmecli manager …`, loaded only when one of these commands runs.
import { resolve } from 'node:path';
import { deployFiles } from '../agent/deploy-files.js';
import { checkAnswerIsFor, partitionManagerList } from '../agent/manager-entry.js';
import { parseIdentifier } from '../certs/identifiers.js';
import { newCertificateKey, parseCertKeyType } from '../certs/cert-key-types.js';
import { createCsr } from '../certs/csr.js';
import { checkIssuedCertificate } from '../certs/issued-certificate-check.js';
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
  // The agent's file names (manager-contract.md §6.7): the name, else the domain, wildcards literal.
  const fileName = options.name ?? identifiers[0]!.value;
  if (/[/\\]|\.\./.test(fileName)) throw new UsageError(`--name ${JSON.stringify(fileName)} must not contain '/', '\\' or '..'`);
  const { object: key, pem: keyPem } = await newCertificateKey(keyType, 'traditional');
  const csr = await createCsr(key, identifiers);
  const [domain, ...san] = identifiers.map((i) => i.value);
  const cert = await withClient(ctx, options, (c) => c.createCertificate({
    domain: domain!, issuer: options.issuer, csr: Buffer.from(csr.pem).toString('base64'), key_type: keyType,
    ...(options.name ? { name: options.name } : {}), ...(san.length ? { san: san.join(',') } : {}),
    ...(days ? { days } : {}), ...(options.renewalDays ? { renewal_days: options.renewalDays } : {}),
    ...(options.profile ? { profile: options.profile } : {}), bundle: Boolean(options.bundle), labels: options.labels ?? '',
  }));
  checkAnswerIsFor({ issuer: options.issuer, domain: domain!, ...(options.name ? { name: options.name } : {}) }, cert, `POST certificate ${options.name ?? `${options.issuer}/${domain}`}`);
  // What the manager sent is written only if it is the certificate asked for (key, names, dates, chain).
  checkIssuedCertificate({ certificate: cert.cert, chain: options.bundle ? '' : cert.ca_issuer ?? '' }, { key, identifiers, now: new Date(), from: 'the manager', askedIn: 'the request' });
  const out = resolve(ctx.io.cwd, options.out);
  const paths = { cert: `${out}/${fileName}.crt`, key: `${out}/${fileName}.key`, ca: `${out}/${fileName}.ca.crt` };
  await deployFiles(out, paths, { key: keyPem, cert: cert.cert, ...(!options.bundle && cert.ca_issuer ? { ca: cert.ca_issuer } : {}) }, { dirMode: 0o700, fileMode: 0o644, keyFileMode: 0o600 });
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

