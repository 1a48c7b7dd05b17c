import { Option, type Command } from 'commander';
import { LOG_LEVELS } from '../agent/logger.js';
import type { CliContext } from '../cli/context.js';
import type { AgentRunOptions } from './agent-actions.js';
import { addManagerConnectionOptions } from './manager-connection.js';

// Only the command line is defined here; the actions load ./agent-actions.js (YAML, metrics, the sync engine) when they run.
export function addAgentCommands(program: Command, ctx: CliContext): void {
  const group = program.command('agent').description('Keep this host\'s certificates deployed from an ACME Manager (a drop-in for acme-manager-client)');

  const run = group.command('run', { isDefault: true })
    .description('Run the deploy agent (the default): sync now, then every --interval, on SIGHUP/SIGUSR1 and when the config changes')
    .option('--config <file>', 'the client-config.yml', 'client-config.yml')
    .option('--pull-only', "deploy every certificate of the token's owner; never change the manager")
    .option('--interval <duration>', 'sync period, Go-style (30s, 5m, 1h)', '5m')
    .option('--once', 'one sync, then exit: 0 fine, 1 errors, 3 manager unreachable (for cron and CI)')
    .option('--check-config', 'validate the configuration and exit')
    .option('--cleanup', 'remove certificate files under certificate_dir that no certificate owns')
    .option('--cleanup-interval <duration>', 'cleanup period', '30m')
    .option('--metrics-listen <addr>', 'serve Prometheus /metrics on ADDR (e.g. 127.0.0.1:9101); off unless given')
    .addOption(new Option('--log-format <format>', 'log format').choices(['logfmt', 'json']).default('logfmt'))
    .addOption(new Option('--log-level <level>', 'least important level logged').choices([...LOG_LEVELS]).default('info'))
    .option('--allow-mass-delete', 'let one cycle delete more than half of the owner\'s certificates on the manager')
    .addHelpText('after', `
Examples:
  ACME_MANAGER_TOKEN=... acmecli agent --config /etc/acme-manager/client-config.yml --manager-url https://manager.example:8989/api/v1
  acmecli agent --config client-config.yml --token-file /etc/acmecli/token --once
  acmecli agent --config client-config.yml --check-config`);
  addManagerConnectionOptions(run);
  run.action(async (options: AgentRunOptions) => (await import('./agent-actions.js')).runAgentAction(ctx, options));

  group.command('status')
    .description('Show the deployed certificates, their expiry and the last sync, from local files and state (offline)')
    .option('--config <file>', 'the client-config.yml', 'client-config.yml')
    .addHelpText('after', '\nExample:\n  acmecli agent status --config /etc/acme-manager/client-config.yml')
    .action(async (options: { config: string }) => (await import('./agent-actions.js')).agentStatusAction(ctx, options));
}
