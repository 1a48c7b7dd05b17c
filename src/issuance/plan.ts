import { resolve } from 'node:path';
import type { EabAlgorithm } from '../acme/jws.js';
import { resolveDirectoryUrl } from '../acme/known-directories.js';
import { CHALLENGE_TYPES, type ChallengeSolver, type ChallengeType } from '../acme/solver.js';
import type { Directory, Identifier } from '../acme/types.js';
import { parseCertKeyType } from '../certs/cert-key-types.js';
import { parseCsr } from '../certs/csr.js';
import { defaultLineageName, identifiersEqual, parseIdentifiers } from '../certs/identifiers.js';
import { parseRenewDays } from '../certs/renewal-time.js';
import { formatServer, parseServer } from '../dns-providers/client.js';
import { normalizeZoneName } from '../dns/zone-name.js';
import { UsageError } from '../errors.js';
import { positiveNumber } from './positive-number.js';
import { formatServeEndpoint, parseServeEndpoint } from '../monitoring/serve-endpoint.js';
import { absoluteProgram } from '../process/command-line.js';
import { checkLineageName, type LineageConfig, type LineageStore, type SolverSpec } from '../state/lineage-store.js';
import { readNamedFile } from '../state/read-file.js';
import { typesAllowedFor } from './challenge-tasks.js';
import { mergeSettings, type GivenSettings } from './lineage-settings.js';
import { currentVersion } from './renewal-decision.js';
import { SolverRegistry } from './solver-registry.js';

/** `cert issue`'s options as commander hands them over: text, checked and resolved by planIssue. */
export interface IssueOptions {
  domain?: string[];
  keyType?: string;
  reuseKey?: boolean;
  csr?: string;
  challenge?: string[];
  dnsResolver?: string[];
  dnsTimeout?: string;
  dnsCheck?: boolean;
  dnsZone?: string;
  tsigKeyFile?: string;
  profile?: string;
  days?: string;
  preferredChain?: string;
  out?: string;
  name?: string;
  bundle?: boolean;
  deployHook?: string;
  preHook?: string;
  postHook?: string;
  renewDays?: string;
  email?: string[];
  agreeTos?: boolean;
  eabKid?: string;
  eabHmacKey?: string;
  eabAlg: EabAlgorithm;
  force?: boolean;
  serveCheck?: string[];
  failureHook?: string;
  serveCheckTimeout?: string;
}

/** One `--fallback-acme-url`, with the EAB given after it (used once, to create the account there; never stored). */
export interface FallbackSpec {
  url: string;
  eabKid?: string;
  eabHmacKey?: string;
}


/** What planning reads from outside, handed in by the command: nothing here looks at the process or the terminal. */
export interface PlanEdges {
  /** The folder relative paths (--out, --csr, hooks, --webroot) are resolved against. */
  cwd: string;
  /** The environment solvers are checked with (DNS provider credentials among it). */
  env: Readonly<Record<string, string | undefined>>;
  store: LineageStore;
  /** The global options that a lineage records. */
  globals: {
    /** The CA of --acme-url / ACMECLI_ACME_URL (or the default), resolved. */
    directoryUrl: string;
    /** Whether a CA was named: an existing lineage keeps its own otherwise. */
    acmeUrlGiven: boolean;
    keyPath: string | undefined;
    caFile: string | undefined;
    allowHttp: boolean;
  };
  /** The CA's directory (for --profile). */
  directoryOf(directoryUrl: string, caFile: string | undefined): Promise<Directory>;
  /** Reads the account key, so a missing or bad one fails before any order. */
  loadAccountKey(path: string): Promise<unknown>;
}

/**
 * What `cert issue` can refuse before the CA sees an order, decided from the lineage's settings:
 * every identifier must be provable by some allowed challenge type with some solver, or the order
 * could only fail. No solver at all is let through: a CA that pre-authorised the names needs none,
 * and the order flow says so if one was needed after all.
 *
 * @throws UsageError naming the identifier and what it needs.
 */
export function checkSolversCoverIdentifiers(config: Pick<LineageConfig, 'identifiers' | 'challengeTypes'>, solvers: readonly Pick<ChallengeSolver, 'canAnswer'>[]): void {
  for (const identifier of config.identifiers) {
    const wildcard = identifier.value.startsWith('*.');
    const base = { type: identifier.type, value: wildcard ? identifier.value.slice(2) : identifier.value };
    const byIdentifier = typesAllowedFor(base, wildcard);
    const allowed = config.challengeTypes.length ? (config.challengeTypes as ChallengeType[]).filter((t) => byIdentifier.includes(t)) : byIdentifier;
    if (allowed.length === 0) {
      const need = wildcard ? 'a wildcard needs a DNS challenge (dns-01, dns-account-01, dns-persist-01)' : 'an IP address needs http-01 or tls-alpn-01 (RFC 8738)';
      throw new UsageError(`${identifier.value}: ${need}, and --challenge allows only ${config.challengeTypes.join(', ')}`);
    }
    if (solvers.length === 0) continue;
    if (!allowed.some((type) => solvers.some((solver) => solver.canAnswer(type, base)))) {
      const need = wildcard ? 'a wildcard needs a DNS challenge: pass --dns PROVIDER, --hook (dns-01) or --dns-persist' : identifier.type === 'ip' ? 'an IP address needs http-01 or tls-alpn-01' : `none of the solvers answers ${allowed.join(', ')}`;
      throw new UsageError(`${identifier.value}: ${need}`);
    }
  }
}

/**
 * `--profile NAME` must be one the CA's directory offers (draft-ietf-acme-profiles).
 *
 * @throws UsageError naming what the CA offers.
 */
export function checkProfileOffered(directory: Directory, directoryUrl: string, profile: string): void {
  const profiles = directory.meta?.profiles;
  if (!profiles || Object.keys(profiles).length === 0) throw new UsageError(`${directoryUrl} offers no ACME profiles, so --profile ${profile} cannot be used`);
  if (!(profile in profiles)) throw new UsageError(`${directoryUrl} has no profile ${JSON.stringify(profile)}; it offers ${Object.keys(profiles).join(', ')}`);
}

/**
 * Everything `cert issue` can check before the CA sees an order. On an existing
 * lineage the options given replace the stored settings and the others keep
 * theirs (mergeSettings), so `cert issue -d example.com --deploy-hook CMD` edits
 * the hook without forgetting the solver or the output folder.
 */
export async function planIssue(options: IssueOptions, solvers: SolverSpec[], fallbackOrder: readonly FallbackSpec[], edges: PlanEdges): Promise<LineageConfig> {
  let identifiers: Identifier[] | undefined = options.domain?.length ? parseIdentifiers(options.domain) : undefined;
  let csrFile: string | undefined;
  if (options.csr) {
    csrFile = resolve(edges.cwd, options.csr);
    const csr = await parseCsr(await readNamedFile(csrFile), options.csr);
    if (!identifiers) identifiers = csr.identifiers;
    else if (!identifiersEqual(identifiers, csr.identifiers)) {
      throw new UsageError(`the CSR ${options.csr} is for ${csr.identifiers.map((i) => i.value).join(', ')}, not ${identifiers.map((i) => i.value).join(', ')}`);
    }
    if (options.reuseKey) throw new UsageError('--reuse-key has no meaning with --csr: the key is yours');
  }
  const first = identifiers?.[0];
  const nameGiven = options.name ?? (first ? defaultLineageName(first) : undefined);
  if (!nameGiven) throw new UsageError('name at least one identifier with -d (or an existing lineage with --name to change its settings)');
  const name = checkLineageName(nameGiven);
  const storedRecord = await edges.store.read(name);
  const stored = storedRecord && currentVersion(storedRecord) ? storedRecord.config : undefined;
  if (!identifiers && !stored) throw new UsageError(`name at least one identifier with -d (there is no lineage named ${name} yet)`);

  const challengeTypes = options.challenge?.map((type) => {
    if (!(CHALLENGE_TYPES as readonly string[]).includes(type)) throw new UsageError(`unknown challenge type ${JSON.stringify(type)}: use ${CHALLENGE_TYPES.join(', ')}`);
    return type as ChallengeType;
  });
  if (challengeTypes && new Set(challengeTypes).size !== challengeTypes.length) throw new UsageError('--challenge lists a type twice');
  const dnsSpecs = solvers.filter((s) => s.kind === 'dns');
  if (options.dnsZone !== undefined && dnsSpecs.length === 0) throw new UsageError('--dns-zone goes with --dns PROVIDER');
  if (options.tsigKeyFile !== undefined && !dnsSpecs.some((s) => s.arg === 'rfc2136')) throw new UsageError('--tsig-key-file goes with --dns rfc2136');
  for (const spec of dnsSpecs) {
    if (options.dnsZone !== undefined) spec.zone = normalizeZoneName(options.dnsZone).bare;
    if (options.tsigKeyFile !== undefined && spec.arg === 'rfc2136') spec.tsigKeyFile = resolve(edges.cwd, options.tsigKeyFile);
  }
  // --dns-resolver '' forgets the stored ones; several are kept in order (the DNS providers' check asks each).
  const dnsResolvers = options.dnsResolver === undefined || options.dnsResolver.join('') === '' ? undefined : options.dnsResolver.map((text) => formatServer(parseServer(text, '--dns-resolver')));
  const { keyPath, caFile } = edges.globals;
  // A hook given as a relative path is stored absolute ('' clears the hook and stays '').
  const hookCommand = (commandLine: string | undefined) => (commandLine === undefined || commandLine === '' ? commandLine : absoluteProgram(commandLine, edges.cwd));
  const given: GivenSettings & { name: string } = {
    name,
    identifiers,
    // A new lineage takes the default CA and the current folder; an existing one keeps its own.
    directoryUrl: edges.globals.acmeUrlGiven || !stored ? edges.globals.directoryUrl : undefined,
    caFile: caFile ? resolve(edges.cwd, caFile) : undefined,
    allowHttp: edges.globals.allowHttp ? true : undefined,
    accountKeyPath: keyPath ? resolve(edges.cwd, keyPath) : undefined,
    keyType: options.keyType === undefined ? undefined : parseCertKeyType(options.keyType),
    reuseKey: options.reuseKey,
    csrFile,
    solvers: solvers.length ? solvers.map((s) => {
      if (s.kind === 'webroot' && s.arg) return { ...s, arg: resolve(edges.cwd, s.arg) };
      if (s.kind === 'hook' && s.arg) return { ...s, arg: absoluteProgram(s.arg, edges.cwd) };
      return s;
    }) : undefined,
    challengeTypes,
    dnsResolver: options.dnsResolver === undefined ? undefined : dnsResolvers?.[0] ?? '',
    dnsResolvers: options.dnsResolver === undefined ? undefined : dnsResolvers ?? ('' as unknown as string[]),
    dnsTimeoutSeconds: options.dnsTimeout === undefined ? undefined : positiveNumber(options.dnsTimeout, '--dns-timeout'),
    dnsCheck: options.dnsCheck,
    profile: options.profile,
    days: options.days === undefined ? undefined : positiveNumber(options.days, '--days'),
    preferredChain: options.preferredChain,
    outDir: options.out !== undefined || !stored ? resolve(edges.cwd, options.out ?? '.') : undefined,
    bundle: options.bundle,
    deployHook: hookCommand(options.deployHook),
    preHook: hookCommand(options.preHook),
    postHook: hookCommand(options.postHook),
    renewDays: options.renewDays,
    // Given endpoints replace the stored list; `--serve-check ''` empties it.
    serveChecks: options.serveCheck?.filter((text) => text !== '').map((text) => formatServeEndpoint(parseServeEndpoint(text))),
    serveCheckTimeoutSeconds: options.serveCheckTimeout === undefined ? undefined : positiveNumber(options.serveCheckTimeout, '--serve-check-timeout'),
    failureHook: hookCommand(options.failureHook),
    // `--fallback-acme-url ''` removes the fallbacks.
    fallbacks: fallbackOrder.length === 0 ? undefined : fallbackOrder.filter((f) => f.url !== '').map((f) => ({ directoryUrl: resolveDirectoryUrl(f.url, edges.globals.allowHttp) })),
    agreeTos: options.agreeTos ? true : undefined,
    contact: options.email?.length ? options.email : undefined,
  };
  const config = mergeSettings(stored, given);
  parseRenewDays(config.renewDays);

  const registry = new SolverRegistry({ env: edges.env, credentialsEnv: edges.env, cwd: edges.cwd, onWarning: () => undefined });
  checkSolversCoverIdentifiers(config, config.solvers.map((spec) => registry.get(spec)));
  // Ports free, hooks executable, webroot writable: before any order. Stored solvers are checked when they run,
  // so changing a hook of a lineage whose web server holds port 80 is not refused.
  // With a pre-hook, the port may be free only once it has run (it stops the web server on :80).
  if (solvers.length && !config.preHook) await registry.prepared(config.solvers).finally(() => registry.closeAll());

  if (options.profile) {
    checkProfileOffered(await edges.directoryOf(config.directoryUrl, config.caFile), config.directoryUrl, options.profile);
  }

  if (!config.accountKeyPath) throw new UsageError('no account key: pass -k FILE (or set ACMECLI_KEY); make one with `acmecli key generate ec256 -o account.pem`');
  await edges.loadAccountKey(config.accountKeyPath);
  return config;
}

