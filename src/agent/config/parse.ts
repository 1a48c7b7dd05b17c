// Reads client-config.yml text into a ClientConfig. Pure: the text comes in, the
// file name is only for messages.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UsageError } from '../../errors.js';
import { parseDeleteDelay } from './durations.js';
import {
  CERTIFICATE_FIELDS,
  COMMON_DEFAULTS,
  COMMON_FIELDS,
  CONFIG_KEY_TYPES,
  ClientConfigError,
  DEFAULT_CONFIG_KEY_TYPE,
  MISTAKEN_KEYS,
  STORAGE_FIELDS,
  TOP_LEVEL_FIELDS,
  VAULT_DEFAULTS,
  VAULT_FIELDS,
  type CertificateConfig,
  type ClientConfig,
  type CommonConfig,
  type ConfigKeyType,
  type FieldKind,
  type VaultConfig,
} from './schema.js';
import { plainCertificateList, type PlainCertificateList } from './plain-list.js';
import { checkLabels, domainProblem, editDistance, extensionProblem, parseRenewalWindow, pathComponentProblem, sanProblem } from './values.js';

type KindValue<K> = K extends 'bool' ? boolean : K extends 'string' | 'secret' ? string : K extends 'statusList' ? number[] : K extends 'map' | 'list' ? Node : number;
type SectionValues<F extends Record<string, string>> = { [P in keyof F]?: { value: KindValue<F[P]>; line: number } };

interface Context {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  warnings: Array<{ line: number; text: string }>;
  lines: Map<string, number>;
}

/**
 * Parses the text of an ACME Manager `client-config.yml` as the Go client does
 * (yaml.v3: YAML 1.1 octal `0600`, `yes`/`no` for booleans, unknown keys
 * ignored), applies its defaults and checks every value at load.
 *
 * Unlike the Go client: unknown keys are reported in `warnings`; a
 * `certificate_dir` without a trailing `/` is refused; `delay_before_delete: 1d`
 * is one day, not zero; a quoted mode (`"0600"`) is read as octal; names,
 * domains, SANs and `renewal_days` are checked here rather than by the manager.
 *
 * @throws ClientConfigError (code `USAGE`): `file:line: key.path: reason`.
 */
export function parseClientConfig(text: string, file: string): ClientConfig {
  // A large file is almost all certificate list; written the plain way, it is read without YAML's nodes.
  const plain = plainCertificateList(text);
  if (plain !== undefined) {
    try {
      const config = parseDocumentOf(plain.rest, file, plain);
      if (config !== undefined) return config;
    } catch {
      // Whatever the rest of the file holds wrong, the whole file's parse says it, with its own words.
    }
  }
  return parseDocumentOf(text, file, undefined)!;
}

/** The configuration from `text` (with `plain`, the list read already: undefined when that reading does not hold). */
function parseDocumentOf(text: string, file: string, plain: PlainCertificateList | undefined): ClientConfig | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter, uniqueKeys: false, prettyErrors: false, merge: true });
  const ctx: Context = { file, doc, lineCounter, warnings: [], lines: new Map() };
  const syntaxError = doc.errors[0];
  if (syntaxError !== undefined) {
    // The message alone: yaml's pretty form quotes the source line, which may hold a secret.
    throw new ClientConfigError({ file, line: lineCounter.linePos(syntaxError.pos[0]).line, keyPath: '' }, `not valid YAML: ${firstLine(syntaxError.message)}`);
  }
  for (const warning of doc.warnings) warn(ctx, lineCounter.linePos(warning.pos[0]).line, '', firstLine(warning.message));

  const root = resolve(ctx, doc.contents);
  if (root !== null && !isMap(root)) {
    fail(ctx, '', root, `the file must be a mapping with the keys common, certificate and storage, not ${describe(root)}`);
  }
  const top = readSection(ctx, root, '', TOP_LEVEL_FIELDS);
  const listNode = top.certificate?.value ?? null;
  if (plain !== undefined && !(isSeq(listNode) && listNode.items.length === 0 && listNode.range?.[0] === plain.placeholderOffset)) return undefined;
  const storage = readSection(ctx, top.storage?.value ?? null, 'storage', STORAGE_FIELDS);
  const common = buildCommon(ctx, readSection(ctx, top.common?.value ?? null, 'common', COMMON_FIELDS));
  const vault = buildVault(ctx, readSection(ctx, storage.vault?.value ?? null, 'storage.vault', VAULT_FIELDS));
  const entries = plain !== undefined ? plain.certificates.map((c) => ({ raw: c.fields as SectionValues<typeof CERTIFICATE_FIELDS>, line: c.line })) : certificateEntries(ctx, listNode);
  const certificates = buildCertificates(ctx, entries, common);
  if (common.certificateBackup) {
    const missing = Object.entries({ url: vault.url, role_id: vault.roleId, secret_id: vault.secretId }).filter(([, value]) => value === '').map(([key]) => key);
    if (missing.length > 0) {
      failAt(ctx, 'common.certificate_backup', ctx.lines.get('common.certificate_backup'), `backups go to Vault: set ${missing.map((key) => `storage.vault.${key}`).join(', ')}`);
    }
  }
  // In file order; the sort is stable, so one line's warnings keep theirs.
  const warnings = ctx.warnings.sort((a, b) => a.line - b.line).map((w) => w.text);
  return { file, common, certificates, vault, warnings, lines: ctx.lines };
}

/** The Go client's rule for numbers: absent or 0 means the default (so `http_client_retry_max: 0` is 4, not "no retry"). */
function positive(value: number | undefined, fallback: number): number {
  return value === undefined || value === 0 ? fallback : value;
}

function buildCommon(ctx: Context, raw: SectionValues<typeof COMMON_FIELDS>): CommonConfig {
  const d = COMMON_DEFAULTS;
  const common: CommonConfig = {
    certificateDeploy: raw.certificate_deploy?.value ?? d.certificateDeploy,
    certificateBackup: raw.certificate_backup?.value ?? d.certificateBackup,
    certificateDir: raw.certificate_dir?.value ?? d.certificateDir,
    certificateDirMode: positive(raw.certificate_dir_perm?.value, d.certificateDirMode),
    certificateFileMode: positive(raw.certificate_file_perm?.value, d.certificateFileMode),
    certificateKeyFileMode: positive(raw.certificate_keyfile_perm?.value, d.certificateKeyFileMode),
    certificateFileExt: raw.certificate_file_ext?.value || d.certificateFileExt,
    certificateKeyFileExt: raw.certificate_keyfile_ext?.value || d.certificateKeyFileExt,
    certificateCaFileExt: raw.certificate_ca_file_ext?.value || d.certificateCaFileExt,
    certificateKeyFileNoGenerate: raw.certificate_keyfile_no_generate?.value ?? d.certificateKeyFileNoGenerate,
    certificateTimeoutMs: positive(seconds(raw.certificate_timeout?.value), d.certificateTimeoutMs),
    certDays: raw.cert_days?.value ?? d.certDays,
    certDaysRenewal: raw.cert_days_renewal?.value || d.certDaysRenewal,
    cmdEnabled: raw.cmd_enabled?.value ?? d.cmdEnabled,
    preCmdRun: raw.pre_cmd_run?.value ?? d.preCmdRun,
    preCmdTimeoutMs: positive(seconds(raw.pre_cmd_timeout?.value), d.preCmdTimeoutMs),
    postCmdRun: raw.post_cmd_run?.value ?? d.postCmdRun,
    postCmdTimeoutMs: positive(seconds(raw.post_cmd_timeout?.value), d.postCmdTimeoutMs),
    revokeOnUpdate: raw.revoke_on_update?.value ?? d.revokeOnUpdate,
    revokeOnDelete: raw.revoke_on_delete?.value ?? d.revokeOnDelete,
    delayBeforeDelete: raw.delay_before_delete?.value ?? d.delayBeforeDelete,
    delayBeforeDeleteMs: 0,
    httpClientRetryMax: positive(raw.http_client_retry_max?.value, d.httpClientRetryMax),
    httpClientRetryWaitMinMs: positive(seconds(raw.http_client_retry_wait_min?.value), d.httpClientRetryWaitMinMs),
    httpClientRetryWaitMaxMs: positive(seconds(raw.http_client_retry_wait_max?.value), d.httpClientRetryWaitMaxMs),
    httpClientRetryStatusCodes: raw.http_client_retry_status_code?.value ?? [...d.httpClientRetryStatusCodes],
    httpClientDebug: raw.http_client_debug?.value ?? d.httpClientDebug,
  };

  const dir = raw.certificate_dir;
  // A NUL cannot be in a file name (node refuses such a path on every cycle); other control characters make names no one can type.
  if (dir !== undefined && /[\x00-\x1f\x7f]/.test(dir.value)) {
    failAt(ctx, 'common.certificate_dir', dir.line, 'must not contain control characters (such as NUL or a newline): it is a folder path');
  }
  if (dir !== undefined && dir.value !== '' && !dir.value.endsWith('/')) {
    failAt(ctx, 'common.certificate_dir', dir.line,
      `"${dir.value}" must end with "/": file paths are made by appending the file name to it as text, so without the slash the files would land beside the folder ("${dir.value}letsencrypt/…")`);
  }
  const extensions = [
    ['certificate_file_ext', common.certificateFileExt],
    ['certificate_keyfile_ext', common.certificateKeyFileExt],
    ['certificate_ca_file_ext', common.certificateCaFileExt],
  ] as const;
  for (const [key, ext] of extensions) {
    const problem = extensionProblem(ext);
    if (problem !== undefined) failAt(ctx, `common.${key}`, raw[key]?.line, problem);
  }
  for (const [index, [key, ext]] of extensions.entries()) {
    const same = extensions.slice(0, index).find(([, other]) => other === ext);
    if (same !== undefined) failAt(ctx, `common.${key}`, raw[key]?.line ?? raw[same[0]]?.line, `"${ext}" is also ${same[0]}: one file would overwrite the other`);
  }
  const renewal = raw.cert_days_renewal;
  if (renewal !== undefined && renewal.value !== '') {
    const window = parseRenewalWindow(renewal.value);
    if (typeof window === 'string') failAt(ctx, 'common.cert_days_renewal', renewal.line, window);
  }
  const delay = raw.delay_before_delete;
  if (delay !== undefined) {
    try {
      common.delayBeforeDeleteMs = parseDeleteDelay(delay.value);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      failAt(ctx, 'common.delay_before_delete', delay.line, err.message);
    }
  }
  if (common.httpClientRetryWaitMinMs > common.httpClientRetryWaitMaxMs) {
    const line = raw.http_client_retry_wait_min?.line ?? raw.http_client_retry_wait_max?.line;
    failAt(ctx, 'common.http_client_retry_wait_min', line,
      `${common.httpClientRetryWaitMinMs / 1000} s is more than http_client_retry_wait_max (${common.httpClientRetryWaitMaxMs / 1000} s)`);
  }
  return common;
}

function buildVault(ctx: Context, raw: SectionValues<typeof VAULT_FIELDS>): VaultConfig {
  const d = VAULT_DEFAULTS;
  const vault: VaultConfig = {
    url: raw.url?.value ?? d.url,
    roleId: raw.role_id?.value ?? d.roleId,
    secretId: raw.secret_id?.value ?? d.secretId,
    mountPath: raw.mount_path?.value ?? d.mountPath,
    secretEngine: raw.secret_engine?.value ?? d.secretEngine,
    certificatePrefix: raw.certificate_prefix?.value ?? d.certificatePrefix,
    tokenPrefix: raw.token_prefix?.value ?? d.tokenPrefix,
    retryMax: positive(raw.retry_max?.value, d.retryMax),
    retryWaitMinMs: positive(seconds(raw.retry_wait_min?.value), d.retryWaitMinMs),
    retryWaitMaxMs: positive(seconds(raw.retry_wait_max?.value), d.retryWaitMaxMs),
  };
  if (vault.url !== '') {
    // The URL is not quoted back: it may carry user:password.
    let protocol = '';
    try {
      protocol = new URL(vault.url).protocol;
    } catch {
      failAt(ctx, 'storage.vault.url', raw.url?.line, 'not a URL (expected https://vault.example.com)');
    }
    if (protocol !== 'https:' && protocol !== 'http:') failAt(ctx, 'storage.vault.url', raw.url?.line, 'must start with https:// or http://');
  }
  return vault;
}

/** One entry of the certificate list: its keys read against CERTIFICATE_FIELDS, and the line it starts on. */
interface CertificateEntry {
  raw: SectionValues<typeof CERTIFICATE_FIELDS>;
  line: number;
}

/** The entries of the list as YAML parsed it (plain-list.ts reads the plain ones without YAML). */
function certificateEntries(ctx: Context, node: Node | null): CertificateEntry[] {
  if (node === null) return [];
  if (!isSeq(node)) return fail(ctx, 'certificate', node, `expected a list of certificates, not ${describe(node)}`);
  // An entry's keys are not kept in `lines` (each entry carries its line): 10,000 paths for 5,000 certificates, held by the daemon.
  const entryCtx: Context = { ...ctx, lines: new Map() };
  return node.items.map((item, index) => {
    const path = `certificate[${index}]`;
    const entry = resolve(ctx, item as Node | null);
    if (entry === null || !isMap(entry)) {
      return fail(ctx, path, entry ?? (item as Node | null) ?? node, `expected a certificate (a mapping with domain and issuer), not ${describe(entry)}`);
    }
    return { raw: readSection(entryCtx, entry, path, CERTIFICATE_FIELDS), line: lineOf(ctx, entry) ?? lineOf(ctx, node) ?? 1 };
  });
}

function buildCertificates(ctx: Context, entries: readonly CertificateEntry[], common: CommonConfig): CertificateConfig[] {
  const certificates: CertificateConfig[] = [];
  const seenNames = new Map<string, CertificateConfig & { path: string }>();
  const seenUnnamed = new Map<string, CertificateConfig & { path: string }>();
  entries.forEach(({ raw, line }, index) => {
    const path = `certificate[${index}]`;
    const at = (key: keyof typeof CERTIFICATE_FIELDS, reason: string): never => failAt(ctx, `${path}.${key}`, raw[key]?.line ?? line, reason);

    const domain = raw.domain?.value ?? '';
    if (domain === '') at('domain', 'missing: every certificate needs a domain');
    const domainIssue = domainProblem(domain);
    if (domainIssue !== undefined) at('domain', domainIssue);
    const issuer = raw.issuer?.value ?? '';
    if (issuer === '') at('issuer', 'missing: every certificate needs an issuer (a key of the manager\'s issuer: map)');
    const issuerIssue = pathComponentProblem(issuer);
    if (issuerIssue !== undefined) at('issuer', issuerIssue);
    const name = raw.name?.value ?? '';
    const nameIssue = name === '' ? undefined : pathComponentProblem(name);
    if (nameIssue !== undefined) at('name', nameIssue);
    const san = raw.san?.value ?? '';
    const sanIssue = san === '' ? undefined : sanProblem(san);
    if (sanIssue !== undefined) at('san', sanIssue);

    const days = raw.days?.value || common.certDays;
    const renewalDays = raw.renewal_days?.value ?? '';
    if (renewalDays !== '') {
      const window = parseRenewalWindow(renewalDays);
      if (typeof window === 'string') at('renewal_days', window);
      else if (days !== 0 && window.maxDays >= days) {
        at('renewal_days', `"${renewalDays}" must stay below the certificate's ${days} days (the manager refuses it)`);
      }
    }
    const dnsChallenge = raw.dns_challenge?.value ?? '';
    const httpChallenge = raw.http_challenge?.value ?? '';
    if (dnsChallenge !== '' && httpChallenge !== '') at('http_challenge', 'dns_challenge and http_challenge are mutually exclusive: set one');

    const keyTypeText = raw.key_type?.value ?? '';
    const keyType = (keyTypeText === '' ? DEFAULT_CONFIG_KEY_TYPE : keyTypeText.toLowerCase()) as ConfigKeyType;
    if (!CONFIG_KEY_TYPES.includes(keyType)) at('key_type', `unknown key type "${keyTypeText}" (${CONFIG_KEY_TYPES.join(', ')})`);
    // The Go client accepts rsa8192; acmecli does not make 8192-bit keys (minutes to generate, refused by most CAs): say so at load, not every cycle.
    if (keyType === 'rsa8192') at('key_type', 'rsa8192 is not supported by acmecli; use rsa4096');

    const labels = raw.labels?.value ?? '';
    if (labels !== '') {
      const { problem, ignored } = checkLabels(labels);
      if (problem !== undefined) at('labels', problem);
      for (const item of ignored) {
        warn(ctx, raw.labels?.line ?? line, `${path}.labels`, `"${item}" is not key=value: the manager ignores it`);
      }
    }

    const certificate: CertificateConfig = {
      domain, issuer, name, bundle: raw.bundle?.value ?? false, san, sanNames: san === '' ? [] : san.split(','), days, renewalDays,
      dnsChallenge, httpChallenge, keyType, labels, profile: raw.profile?.value ?? '', line,
    };
    const [seen, identity, what] = name === ''
      ? [seenUnnamed, `${issuer}/${domain}`, `issuer "${issuer}" and domain "${domain}"`]
      : [seenNames, name, `name "${name}"`];
    const first = seen.get(identity);
    if (first !== undefined) {
      failAt(ctx, path, line, `a second certificate with ${what} (the first is ${first.path}, line ${first.line}): each certificate needs its own ${name === '' ? 'issuer/domain or a name' : 'name'}`);
    }
    seen.set(identity, { ...certificate, path });
    certificates.push(certificate);
  });
  return certificates;
}

/**
 * Reads one mapping against its table: each known key converted to its kind,
 * each unknown key a warning. `<<` merge keys and aliases are followed, as
 * yaml.v3 does; keys written in the mapping itself win over merged ones.
 */
function readSection<F extends Record<string, FieldKind | 'map' | 'list'>>(ctx: Context, node: Node | null, path: string, fields: F): SectionValues<F> {
  const out: Record<string, { value: unknown; line: number }> = {};
  if (node === null) return out as SectionValues<F>;
  if (!isMap(node)) return fail(ctx, path, node, `expected a mapping of keys, not ${describe(node)}`);
  const join = (key: string) => (path === '' ? key : `${path}.${key}`);
  for (const { key, keyLine, value } of entriesOf(ctx, node, path)) {
    const kind = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (kind === undefined) {
      warn(ctx, keyLine, join(key), `unknown key, ignored${unknownKeyHint(path, key, Object.keys(fields))}`);
      continue;
    }
    ctx.lines.set(join(key), keyLine);
    const converted = convert(ctx, join(key), keyLine, kind, value);
    if (converted !== undefined) out[key] = { value: converted, line: keyLine };
  }
  return out as SectionValues<F>;
}

function unknownKeyHint(path: string, key: string, known: string[]): string {
  const mistaken = MISTAKEN_KEYS[path]?.[key];
  if (mistaken !== undefined) return `: ${mistaken}`;
  const distances = known.map((candidate) => ({ candidate, distance: editDistance(candidate, key) }));
  const nearest = Math.min(...distances.map((d) => d.distance));
  const closest = distances.filter((d) => d.distance === nearest);
  return nearest <= 2 && closest.length === 1 ? ` (did you mean ${closest[0]?.candidate}?)` : '';
}

function entriesOf(ctx: Context, map: Node, path: string, merging: ReadonlySet<Node> = new Set()): Array<{ key: string; keyLine: number; value: Node | null }> {
  if (!isMap(map)) return [];
  const entries: Array<{ key: string; keyLine: number; value: Node | null }> = [];
  const seen = new Map<string, number>();
  const merged: Array<{ key: string; keyLine: number; value: Node | null }> = [];
  for (const pair of map.items) {
    const keyNode = pair.key as Node | null;
    const keyLine = lineOf(ctx, keyNode) ?? lineOf(ctx, map) ?? 1;
    if (!isScalar(keyNode)) {
      return failAt(ctx, path, keyLine, `keys must be plain words, not ${describe(keyNode)}`);
    }
    // The source text, not the value: YAML 1.1 would turn a key `n` or `on` into a boolean.
    const key = keyNode.source ?? String(keyNode.value);
    const value = pair.value as Node | null;
    if (key === '<<' && keyNode.type === 'PLAIN') {
      const sources = resolve(ctx, value);
      const maps = isSeq(sources) ? sources.items.map((item) => resolve(ctx, item as Node | null)) : [sources];
      for (const source of maps) {
        if (source === null || !isMap(source)) return failAt(ctx, path, keyLine, `<< must merge a mapping (an alias such as *defaults), not ${describe(source)}`);
        if (source === map || merging.has(source)) return failAt(ctx, path, keyLine, '<< merges a mapping into itself');
        merged.push(...entriesOf(ctx, source, path, new Set([...merging, map])));
      }
      continue;
    }
    const firstLine = seen.get(key);
    if (firstLine !== undefined) failAt(ctx, path === '' ? key : `${path}.${key}`, keyLine, `duplicate key (first at line ${firstLine})`);
    seen.set(key, keyLine);
    entries.push({ key, keyLine, value });
  }
  for (const entry of merged) {
    if (seen.has(entry.key)) continue;
    seen.set(entry.key, entry.keyLine);
    entries.push(entry);
  }
  return entries;
}

function convert(ctx: Context, keyPath: string, keyLine: number, kind: FieldKind | 'map' | 'list', raw: Node | null): unknown {
  const node = resolve(ctx, raw);
  // yaml.v3 leaves the zero value for `key:` and `key: ~`; so the default applies.
  if (node === null || (isScalar(node) && node.value === null)) return undefined;
  const line = lineOf(ctx, node) ?? keyLine;
  const wrong = (expected: string): never => failAt(ctx, keyPath, line, `expected ${expected}, not ${describe(node)}`);
  switch (kind) {
    case 'map':
      return isMap(node) ? node : wrong('a mapping of keys');
    case 'list':
      return isSeq(node) ? node : wrong('a list');
    case 'bool':
      return isScalar(node) && typeof node.value === 'boolean' ? node.value : wrong('true or false');
    case 'string':
    case 'secret':
      if (!isScalar(node)) return wrong('text');
      if (typeof node.value === 'string') return node.value;
      // yaml.v3 puts any scalar in a string field as written: `renewal_days: 30` is "30".
      return node.source ?? String(node.value);
    case 'int': {
      const value = integerOf(node);
      if (value === undefined) return wrong('a whole number');
      if (value < 0) return failAt(ctx, keyPath, line, `${value} must be 0 or more`);
      return value;
    }
    case 'mode':
      return modeOf(ctx, keyPath, line, node);
    case 'statusList': {
      if (!isSeq(node)) return wrong('a list of HTTP status codes ([500, 502])');
      return node.items.map((item, index) => {
        const entry = resolve(ctx, item as Node | null);
        const code = entry === null ? undefined : integerOf(entry);
        const entryLine = lineOf(ctx, entry) ?? line;
        if (code === undefined) return failAt(ctx, `${keyPath}[${index}]`, entryLine, `expected an HTTP status code, not ${describe(entry)}`);
        if (code < 100 || code > 599) return failAt(ctx, `${keyPath}[${index}]`, entryLine, `${code} is not an HTTP status code (100–599)`);
        return code;
      });
    }
  }
}

/**
 * A whole number as yaml.v3 reads one: decimal, `0x1f`, `0b101`, `0o17`, and
 * `017` as octal. Not YAML 1.1's sexagesimal `1:30`, which yaml.v3 does not know.
 */
function integerOf(node: Node): number | undefined {
  if (!isScalar(node)) return undefined;
  if (typeof node.value === 'number') {
    if (node.format === 'TIME' || !Number.isSafeInteger(node.value)) return undefined;
    return node.value;
  }
  if (typeof node.value === 'string' && node.type === 'PLAIN' && /^0o[0-7]+$/.test(node.value)) return Number.parseInt(node.value.slice(2), 8);
  return undefined;
}

/**
 * A file mode. yaml.v3 reads `0600` as octal (YAML 1.1); so does this parser,
 * and `0o600` too. Beyond the Go client, a quoted "0600" or "600" is read as
 * octal, since modes are always written so. A plain number without the leading
 * 0 is decimal in YAML: 384 is 0600 and is accepted, but a number written only
 * with the digits 0–7 (`600`, `644`, `400`) is refused: it almost surely means
 * octal, and as decimal it would give a different mode (600 = 01130).
 */
function modeOf(ctx: Context, keyPath: string, line: number, node: Node): number {
  const bad = (reason: string): never => failAt(ctx, keyPath, line, reason);
  if (!isScalar(node)) return bad(`expected a file mode such as 0600, not ${describe(node)}`);
  const source = node.source ?? String(node.value);
  let mode: number;
  if (typeof node.value === 'string') {
    const octal = /^(?:0o)?([0-7]{1,4})$/.exec(node.value);
    if (octal?.[1] === undefined) return bad(`"${node.value}" is not an octal file mode such as 0600`);
    mode = Number.parseInt(octal[1], 8);
  } else if (typeof node.value === 'number' && node.format !== 'TIME' && Number.isSafeInteger(node.value)) {
    if (/^[-+]?0\d/.test(source) && /[89]/.test(source)) return bad(`${source} is not an octal number (digits 0–7 only)`);
    if (node.format === undefined && /^\d+$/.test(source) && /^[0-7]+$/.test(source) && node.value !== 0) {
      return bad(`write 0${source} for an octal mode: without the leading 0, YAML reads ${source} as a decimal number`);
    }
    mode = node.value;
  } else {
    return bad(`expected a file mode such as 0600, not ${describe(node)}`);
  }
  if (mode < 0 || mode > 0o777) return bad(`${source} is outside the permission bits (0000–0777)`);
  return mode;
}

/**
 * Follows an alias to its anchor's node. An alias whose anchor is not defined
 * before it is an error: read as "nothing" it would quietly drop the value (a
 * `post_cmd_run: *reload` with no `&reload` would run no command at all).
 */
function resolve(ctx: Context, node: Node | null | undefined): Node | null {
  if (node === null || node === undefined) return null;
  if (!isAlias(node)) return node;
  const target = node.resolve(ctx.doc) as Node | undefined;
  if (target === undefined) {
    return failAt(ctx, '', lineOf(ctx, node), `*${node.source} refers to no anchor: define &${node.source} before the alias that uses it`);
  }
  return target;
}

function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    // Never the value itself: it may be a secret in the wrong place.
    if (node.value === null) return 'nothing';
    if (typeof node.value === 'boolean') return 'true/false';
    if (typeof node.value === 'number') return 'a number';
    return 'text';
  }
  return 'an alias';
}

function lineOf(ctx: Context, node: Node | null | undefined): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : ctx.lineCounter.linePos(start).line;
}

function warn(ctx: Context, line: number, keyPath: string, message: string): void {
  ctx.warnings.push({ line, text: `${ctx.file}:${line}: ${keyPath === '' ? '' : `${keyPath}: `}${message}` });
}

function fail(ctx: Context, keyPath: string, node: Node | null, reason: string): never {
  return failAt(ctx, keyPath, lineOf(ctx, node), reason);
}

function failAt(ctx: Context, keyPath: string, line: number | undefined, reason: string): never {
  throw new ClientConfigError({ file: ctx.file, line, keyPath }, reason);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

function seconds(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 1000;
}
