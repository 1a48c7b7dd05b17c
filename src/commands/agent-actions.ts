// The work behind `acmecli agent …`, loaded only when it runs: YAML, metrics and the sync engine.
import { parseGoDuration } from '../agent/config/durations.js';
import { clientConfigReader, loadClientConfig, realPath } from '../agent/config/load.js';
import { checkCertificateDir } from '../agent/config/paths.js';
import { ClientConfigError, type ClientConfig } from '../agent/config/schema.js';
import { assertOwnFolders } from '../state/safe-folder.js';
import { Agent } from '../agent/daemon.js';
import { createLogger, type LogFormat, type LogLevel } from '../agent/logger.js';
import { agentStatePath, readAgentState } from '../agent/state.js';
import { agentStatus } from '../agent/status.js';
import { AgentExitError, UsageError } from '../errors.js';
import { withoutSecrets } from '../process/run-command.js';
import type { CliContext } from '../cli/context.js';
import { VERSION } from '../cli/version.js';
import { resolveManagerConnection, type ManagerConnectionOptions } from './manager-connection.js';

export interface AgentRunOptions extends ManagerConnectionOptions {
  config: string;
  pullOnly?: boolean;
  interval: string;
  once?: boolean;
  checkConfig?: boolean;
  cleanup?: boolean;
  cleanupInterval: string;
  metricsListen?: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  allowMassDelete?: boolean;
}

export async function runAgentAction(ctx: CliContext, options: AgentRunOptions): Promise<void> {
  const intervalMs = parseGoDuration(options.interval);
  const cleanupIntervalMs = parseGoDuration(options.cleanupInterval);
  if (intervalMs <= 0 || cleanupIntervalMs <= 0) throw new UsageError('--interval and --cleanup-interval must be longer than zero');
  if (options.once && options.metricsListen) ctx.output.warn('--metrics-listen is ignored with --once (nothing stays up to be scraped)');
  // The agent's first cycle reads the file through this same reader: unchanged, it is not parsed a second time
  // (for 5,000 certificates the parse is most of an in-sync `--once`).
  const readConfig = clientConfigReader(options.config);
  const config = await readConfig();
  if (options.checkConfig) {
    if (config.common.certificateDeploy || options.pullOnly || options.cleanup) {
      checkCertificateDir(config, options.config, realPath);
      await checkCertificateDirOwner(config);
    }
    for (const warning of config.warnings) ctx.output.warn(warning);
    ctx.output.result({ config: options.config, valid: true, certificates: config.certificates.length, warnings: config.warnings }, () => 'config file is valid');
    return;
  }
  const connection = await resolveManagerConnection(ctx, options);
  const log = createLogger({ format: options.logFormat, level: options.logLevel, write: (line) => ctx.io.writeStdout(line), journalPriorities: ctx.io.stdoutIsJournal === true });
  const agent = new Agent({
    configPath: options.config,
    readConfig,
    pullOnly: Boolean(options.pullOnly),
    intervalMs,
    once: Boolean(options.once),
    cleanup: Boolean(options.cleanup),
    cleanupIntervalMs,
    metricsListen: options.metricsListen,
    managerUrl: connection.url,
    token: connection.token,
    insecureSkipVerify: Boolean(options.insecureSkipVerify),
    allowMassDelete: Boolean(options.allowMassDelete),
    stateHome: ctx.stateHome,
    env: withoutSecrets(ctx.io.env),
    version: VERSION,
    log,
    makeSend: connection.makeSend,
  });
  if (options.once) {
    const code = await agent.runOnce();
    if (code !== 0) throw new AgentExitError(code === 3 ? 'the manager could not be reached; nothing was changed' : 'the sync had errors (see the log above)', { exitCode: code });
    return;
  }
  const stop = () => void agent.stop();
  const wake = () => agent.trigger();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', wake);
  process.on('SIGUSR1', wake);
  try {
    await agent.runForever();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', wake);
    process.off('SIGUSR1', wake);
  }
}

/** `--check-config` says what the first sync would refuse: a certificate_dir another user controls (assertOwnFolders). */
async function checkCertificateDirOwner(config: ClientConfig): Promise<void> {
  try {
    await assertOwnFolders(config.common.certificateDir || '.', 'certificate_dir');
  } catch (err) {
    throw new ClientConfigError({ file: config.file, line: config.lines.get('common.certificate_dir'), keyPath: 'common.certificate_dir' }, (err as Error).message);
  }
}

export async function agentStatusAction(ctx: CliContext, options: { config: string }): Promise<void> {
  const config = await loadClientConfig(options.config);
  const state = await readAgentState(agentStatePath(ctx.stateHome, options.config), options.config);
  const status = await agentStatus(config, state, new Date());
  ctx.output.result(status, (s) => [
    `Owner:              ${s.owner ?? '(never reached the manager)'}`,
    `Last sync:          ${s.lastSyncAt ?? 'never'}`,
    `Last good sync:     ${s.lastSuccessfulSyncAt ?? 'never'}${s.secondsSinceLastSuccess !== null ? ` (${Math.round(s.secondsSinceLastSuccess / 60)} min ago)` : ''}`,
    ...(s.lastError ? [`Last error:         ${s.lastError.message} (${s.lastError.at})`] : []),
    '',
    ['CERTIFICATE', 'EXPIRES', 'DAYS', 'SERIAL', 'MATCHES MANAGER', 'PROBLEM'].join('\t'),
    ...s.certificates.map((c) => [c.id, c.notAfter ?? '(not deployed)', c.daysLeft ?? '-', c.serial ?? '-', c.matchesManager === null ? '-' : c.matchesManager ? 'yes' : 'NO', c.lastError ?? (c.keyPresent || !c.deployed ? '' : 'key missing')].join('\t')),
  ]);
}
