// The work behind `acmecli cert …`, loaded only when a cert command runs: it brings X.509 parsing and the issuance flow.
import { resolve } from 'node:path';
import { signalExitStatus, stopOnSignals, type StopSignals } from '../process/stop-signals.js';
import { LineageFailedError, StoppedBySignalError, UsageError } from '../errors.js';
import { EXIT } from '../cli/exit-status.js';
import { planIssue, type FallbackSpec, type IssueOptions, type PlanEdges } from '../issuance/plan.js';
import type { LineageOutcome } from '../issuance/lineage-runner.js';
import { issueLineage, renewLineages, type RunEdges } from '../issuance/cert-runs.js';
import { runVerdict } from '../issuance/run-verdict.js';
import { KEY_COMPROMISE } from '../issuance/renewal-decision.js';
import { LineageStore, checkLineageName, type LineageRecord, type SolverSpec } from '../state/lineage-store.js';
import { assertOutputFolderWritable } from '../state/writable-folder.js';
import { webServerLines } from '../issuance/output-files.js';
import { lineageSummary } from '../issuance/lineage-summary.js';
import { deleteLineage } from '../issuance/delete-lineage.js';
import { namesLineageNotFile, parseRevocationReason, revokeTarget } from '../issuance/revoke.js';
import { issuedLineage, showCertificateFile } from '../issuance/certificate-file.js';
import { askRenewalInfo } from '../issuance/renewal-info.js';
import type { CliContext } from '../cli/context.js';
import { eabByDirectoryFromOptions } from '../cli/eab-options.js';
import { VERSION } from '../cli/version.js';

export async function issueAction(ctx: CliContext, options: IssueOptions, solverOrder: SolverSpec[], fallbackOrder: FallbackSpec[] = []): Promise<void> {
  // Folders we cannot write fail now, in one line, not after the CA has issued a certificate we cannot keep.
  await ctx.checkStateHomeWritable();
  const config = await planIssue(options, [...solverOrder], fallbackOrder, planEdges(ctx));
  await assertOutputFolderWritable(config.outDir);
  const eabByDirectory = eabByDirectoryFromOptions(options, fallbackOrder, config.directoryUrl, ctx.io.env, Boolean(ctx.globals.allowHttp));
  const creation = { email: options.email ?? [], agreeTos: Boolean(options.agreeTos), eabByDirectory };
  const stop = stopOnSignals();
  try {
    const run = await issueLineage(runEdges(ctx), config, { force: Boolean(options.force), creation, signal: stop.signal });
    throwIfStopped(stop);
    printOutcomes(ctx, run.outcomes, 'issue');
    if (run.postHookFailure) throw run.postHookFailure;
  } finally {
    stop.release();
  }
}

export async function renewAction(ctx: CliContext, names: string[], options: { all?: boolean; force?: boolean; dryRun?: boolean; concurrency: string; metricsFile?: string }): Promise<void> {
  if (!options.all && names.length === 0) throw new UsageError('name the lineages to renew, or pass --all');
  if (options.all && names.length > 0) throw new UsageError('give lineage names or --all, not both');
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency must be a whole number from 1 to 64');
  const which = options.all ? { all: true as const } : { names: names.map(checkLineageName) };
  const metricsFile = options.metricsFile ? resolve(ctx.io.cwd, options.metricsFile) : undefined;
  const stop = stopOnSignals();
  try {
    const run = await renewLineages(runEdges(ctx), which, { concurrency, force: Boolean(options.force), dryRun: Boolean(options.dryRun), metricsFile, signal: stop.signal });
    throwIfStopped(stop);
    printOutcomes(ctx, run.outcomes, 'renew');
    if (run.postHookFailure) throw run.postHookFailure;
  } finally {
    stop.release();
  }
}

/** `cert revoke FILE|NAME` (see revokeTarget). */
export async function revokeAction(ctx: CliContext, target: string, options: { reason?: string; certKey?: string }): Promise<void> {
  const result = await revokeTarget(target, { reason: parseRevocationReason(options.reason), certKey: options.certKey }, {
    store: new LineageStore(ctx.stateHome),
    now: ctx.io.now ?? (() => new Date()),
    defaultDirectoryUrl: ctx.directoryUrl,
    defaultClient: () => ctx.client(),
    defaultAccount: () => ctx.account(),
    clientFor: (directoryUrl, caFile) => ctx.clientFor(directoryUrl, caFile),
    loadKey: (path) => ctx.keyAt(path),
    accountAt: (directoryUrl, client, key) => ctx.accountAt(directoryUrl, client, key),
    step: (label, work) => ctx.output.step(label, work),
  });
  ctx.output.result(result, (r) => [
    `Revoked ${r.file} (serial ${r.serial})${r.reason !== null ? `, reason ${r.reason}` : ''} at ${r.directoryUrl}.`,
    ...(r.lineage && r.lineageStatus === 'revoked'
      ? [`Lineage ${r.lineage} is now marked revoked: the next \`acmecli cert renew\` replaces it${r.reason === KEY_COMPROMISE ? ' with a new key' : ''} (or \`acmecli cert delete ${r.lineage}\`).`]
      : r.lineage ? [`It was an older version of lineage ${r.lineage}; its current certificate is unchanged.`] : []),
  ]);
}

/** `cert delete NAME` (see deleteLineage). */
export async function deleteAction(ctx: CliContext, name: string, options: { removeFiles?: boolean }): Promise<void> {
  const result = await deleteLineage(new LineageStore(ctx.stateHome), name, { removeFiles: Boolean(options.removeFiles) });
  ctx.output.result(result, (r) => [
    `Deleted lineage ${r.name} (${r.versions} version${r.versions === 1 ? '' : 's'} and their keys); cert renew will not touch it again.`,
    ...(r.removedFiles.length ? ['Removed:', ...r.removedFiles.map((f) => `  ${f}`)] : []),
    ...(r.keptFiles.length ? ['Left in place (--remove-files removes them):', ...r.keptFiles.map((f) => `  ${f}`)] : []),
  ]);
}

export async function showAction(ctx: CliContext, file: string): Promise<void> {
  // A file wins; otherwise the argument names a lineage, shown with its stored settings.
  if (namesLineageNotFile(file)) return showLineage(ctx, (await issuedLineage(new LineageStore(ctx.stateHome), file)).record);
  const result = await showCertificateFile(file, new Date());
  ctx.output.result(result, (r) => [
    `Subject:      ${r.subject}`,
    `Names:        ${[...r.dnsNames, ...r.ipAddresses].join(', ')}`,
    `Issuer:       ${r.issuer}`,
    `Valid:        ${r.notBefore} to ${r.notAfter} (${r.daysLeft} days left)`,
    `Serial:       ${r.serial}`,
    `SHA-256:      ${r.sha256Fingerprint}`,
    `ARI CertID:   ${r.ariCertId ?? '(no Authority Key Identifier)'}`,
    `Chain:        ${r.chainLength} certificate${r.chainLength === 1 ? '' : 's'}`,
  ]);
}

function showLineage(ctx: CliContext, record: LineageRecord): void {
  const summary = lineageSummary(record, new Date());
  ctx.output.result(summary, (r) => {
    const s = r.settings;
    const line = (label: string, value: string | number | boolean | null) => `${`${label}:`.padEnd(16)}${value === null ? '-' : String(value)}`;
    return [
      line('Lineage', r.name),
      line('Status', r.status),
      line('Names', r.identifiers.join(', ')),
      line('Expires', r.notAfter),
      line('Serial', r.serial),
      line('Next renewal', r.nextRenewal ? `${r.nextRenewal} (${r.renewalBasis})` : null),
      line('Last result', r.lastResult ? `${r.lastResult.at} ${r.lastResult.message}` : null),
      line('CA', s.directoryUrl),
      ...(s.caFile ? [line('CA file', s.caFile)] : []),
      line('Account key', s.accountKey),
      line('Key type', s.csr ? `(your CSR: ${s.csr})` : `${s.keyType}${s.reuseKey ? ', reused at renewal' : ''}`),
      line('Solvers', s.solvers.join('; ') || null),
      line('Challenges', s.challengeTypes.join(', ') || '(any the solvers answer)'),
      ...(s.solvers.some((solver) => /^(hook|dns)\b/.test(solver)) || !s.dnsCheck || s.dnsResolvers.length || s.dnsTimeoutSeconds
        ? [line('DNS check', s.dnsCheck ? `${s.dnsResolvers.join(', ') || "the zone's name servers"}, ${s.dnsTimeoutSeconds ?? 120} s` : 'off (--no-dns-check)')]
        : []),
      line('Profile', s.profile),
      ...(s.days ? [line('Days', s.days)] : []),
      ...(s.preferredChain ? [line('Preferred chain', s.preferredChain)] : []),
      line('Output', `${s.outDir}${s.bundle ? ' (bundle)' : ''}`),
      line('Deploy hook', s.deployHook),
      ...(s.preHook ? [line('Pre-hook', s.preHook)] : []),
      ...(s.postHook ? [line('Post-hook', s.postHook)] : []),
      line('Renew window', `${s.renewDays} days before expiry (when the CA offers no ARI)`),
    ];
  });
}

export async function ariAction(ctx: CliContext, file: string): Promise<void> {
  const { result, windowProblem } = await askRenewalInfo(file, await ctx.client(), ctx.directoryUrl);
  if (windowProblem) ctx.output.warn(`the CA's window ${windowProblem}: cert renew ignores it and uses the local renewal window`);
  ctx.output.result(result, (r) => [
    `ARI CertID:   ${r.ariCertId}`,
    `Renew between ${r.windowStart} and ${r.windowEnd}`,
    ...(r.explanationURL ? [`Why:          ${r.explanationURL}`] : []),
    ...(r.retryAfterSeconds !== null ? [`Ask again in: ${r.retryAfterSeconds} s`] : []),
  ]);
}

function printOutcomes(ctx: CliContext, outcomes: LineageOutcome[], command: 'issue' | 'renew'): void {
  const { summary, failure } = runVerdict(outcomes, command);
  ctx.output.result(summary, (s) => {
    if (command === 'issue' && s.lineages.length === 1) {
      const o = s.lineages[0]!;
      if (o.status !== 'issued') return [o.message];
      const f = o.files;
      if (!f) return [o.message];
      return [
        o.message,
        `  full chain:  ${f.fullchain}`,
        ...(f.key ? [`  key:         ${f.key}`] : []),
        `  certificate: ${f.certificate}${f.ca ? '' : ' (with its chain: --bundle)'}`,
        ...(f.ca ? [`  CA chain:    ${f.ca}`] : []),
        ...(f.haproxy ? [`  HAProxy:     ${f.haproxy} (full chain and key, 0600)`] : []),
        ...(f.key ? ['Web server configuration (the full chain, never the certificate alone):'] : []),
        ...webServerLines({ certificate: f.certificate, fullchain: f.fullchain, ...(f.key ? { key: f.key } : {}), ...(f.haproxy ? { combined: f.haproxy } : {}) }).map((l) => `  ${l}`),
      ];
    }
    const lines = s.lineages.filter((o) => o.status !== 'not-due' || ctx.output.verbose).map((o) => `${o.status.padEnd(11)} ${o.message}`);
    // Cron mails whatever is printed: a run where nothing was due prints nothing (unless --verbose).
    if (lines.length === 0 && !ctx.output.verbose) return '';
    lines.push(`renew: ${Object.entries(s.counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'no lineages'}`);
    return lines;
  });
  // The summary above says which lineage failed and why; this line repeats the gist for cron mail.
  if (failure) throw new LineageFailedError(failure.message, { exitCode: failure.unreachable ? EXIT.unreachable : EXIT.failure });
}

/** A run a signal stopped ends with 128+N and one line, not with a summary of cancelled lineages. */
function throwIfStopped(stop: StopSignals): void {
  const sig = stop.stoppedBy();
  if (sig) throw new StoppedBySignalError(`stopped by ${sig}`, { exitCode: signalExitStatus(sig) });
}

/** What planning reads from this run: the folder, the environment, the state, the global options, the CA. */
function planEdges(ctx: CliContext): PlanEdges {
  const env = ctx.io.env;
  return {
    cwd: ctx.io.cwd,
    env,
    store: new LineageStore(ctx.stateHome),
    globals: {
      directoryUrl: ctx.directoryUrl,
      acmeUrlGiven: ctx.globals.acmeUrl !== undefined || env.ACMECLI_ACME_URL !== undefined,
      keyPath: ctx.globals.key ?? env.ACMECLI_KEY,
      caFile: ctx.globals.caFile ?? env.ACMECLI_CA_FILE,
      allowHttp: Boolean(ctx.globals.allowHttp),
    },
    directoryOf: async (directoryUrl, caFile) => (await ctx.clientFor(directoryUrl, caFile)).directory(),
    loadAccountKey: (path) => ctx.keyAt(path),
  };
}

/** What a run reads from this command's context: its caches of clients, keys and accounts, the state folder, the output. */
function runEdges(ctx: CliContext): RunEdges {
  const output = ctx.output;
  return {
    stateHome: ctx.stateHome,
    cwd: ctx.io.cwd,
    env: ctx.io.env,
    now: ctx.io.now ?? (() => new Date()),
    ...(ctx.io.pollClock ? { pollClock: ctx.io.pollClock } : {}),
    version: VERSION,
    clientFor: (directoryUrl, caFile) => ctx.clientFor(directoryUrl, caFile),
    loadAccountKey: (path) => ctx.keyAt(path),
    findAccount: (directoryUrl, client, key) => ctx.accountAt(directoryUrl, client, key),
    directoryOf: (client) => ctx.directoryOf(client),
    cachedDirectory: async (directoryUrl) => (await ctx.cache.findDirectory(directoryUrl))?.directory,
    accountCreationSteps: ctx.accountCreationSteps(),
    report: {
      info: (m) => output.info(m),
      warn: (m) => output.warn(m),
      progress: (line) => output.progress(line),
      endProgress: () => output.endProgress(),
      machineReadable: output.json,
    },
  };
}
