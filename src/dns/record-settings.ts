import { UsageError } from '../errors.js';
import { choosePersistDraft, parsePersistDraft, persistIssuerDomainNames, type PersistDraft } from './dns-persist.js';

/** The options of `dns records` and `dns publish` that shape the records, as commander hands them over. */
export interface RecordOptions {
  accountUri?: string;
  caaIdentity?: string[];
  issuerDomain?: string;
  validationMethods?: string;
  persistDraft?: string;
  accountHashPrefix?: string;
  persistUntil?: string;
  ttl?: string;
}

/** The options checked before anything is read or asked. @throws UsageError naming the option. */
export function parseRecordOptions(options: RecordOptions) {
  const ttl = options.ttl === undefined ? undefined : parseTtl(options.ttl);
  const persistUntil = options.persistUntil === undefined ? undefined : parsePersistUntil(options.persistUntil);
  const validationMethods = options.validationMethods?.split(',').map((m) => m.trim()).filter(Boolean);
  const draftOverride: PersistDraft | undefined = options.persistDraft === undefined ? undefined : parsePersistDraft(options.persistDraft);
  return { ttl, persistUntil, validationMethods, draftOverride };
}

/**
 * Whether the CA's directory is needed: --account-uri with --caa-identity is everything the records need
 * (the dns-persist-01 form is then --persist-draft, else the cached directory's, else 01), as the option's
 * help says; otherwise the CAA identities or the draft-02 account hash prefix come from it.
 */
export function directoryNeeded(options: RecordOptions, draftOverride: PersistDraft | undefined): boolean {
  if (options.accountUri && options.caaIdentity) return false;
  return !options.caaIdentity || (draftOverride === undefined && !options.accountHashPrefix);
}

/**
 * What the records are made from: the options first, then the CA's directory (its `caaIdentities` and `meta`).
 * A CA that names no CAA identity is a warning, not an error: the dns-account-01 records need none.
 *
 * @throws UsageError when the draft-02 dns-persist-01 form lacks its account hash prefix or the key's thumbprint.
 */
export function recordSettingsFrom(
  options: RecordOptions,
  parsed: ReturnType<typeof parseRecordOptions>,
  ca: { caaIdentities?: readonly string[] | undefined; meta?: Readonly<Record<string, unknown>> | undefined },
  thumbprint: string | undefined,
) {
  const warnings: string[] = [];
  const identities = options.caaIdentity ?? [...(ca.caaIdentities ?? [])];
  if (identities.length === 0) warnings.push(`the CA's directory lists no caaIdentities; pass --caa-identity to get CAA and dns-persist-01 records`);
  const issuerDomain = options.issuerDomain ?? persistIssuerDomainNames(ca.meta)?.[0] ?? identities[0];
  const draft: PersistDraft = choosePersistDraft(ca.meta, parsed.draftOverride);
  const accountHashPrefix = options.accountHashPrefix ?? (typeof ca.meta?.['accountHashPrefix'] === 'string' ? ca.meta['accountHashPrefix'] : undefined);
  if (draft === '02' && !accountHashPrefix) throw new UsageError('dns-persist-01 draft 02 needs the directory\'s accountHashPrefix: pass --account-hash-prefix, or drop --offline');
  if (draft === '02' && !thumbprint) throw new UsageError('dns-persist-01 draft 02 hashes the key thumbprint into the record: pass -k');
  const { validationMethods, persistUntil, ttl } = parsed;
  return { identities, issuerDomain, draft, accountHashPrefix, validationMethods, persistUntil, ttl, warnings };
}

function parseTtl(text: string): number {
  const ttl = Number(text);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2_147_483_647) throw new UsageError(`--ttl must be a whole number of seconds, not ${JSON.stringify(text)}`);
  return ttl;
}

function parsePersistUntil(text: string): Date {
  const date = /^\d+$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--persist-until must be an ISO 8601 date or UNIX seconds, not ${JSON.stringify(text)}`);
  return date;
}
