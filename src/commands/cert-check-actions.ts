// `acmecli cert check`: what the servers actually serve, loaded only when the command runs.
import { CheckStatusError, UsageError } from '../errors.js';
import { checkServedCertificates, type EndpointCheck } from '../monitoring/check-lineages.js';
import { formatPluginOutput, PLUGIN_STATUS } from '../monitoring/nagios.js';
import { LineageStore, checkLineageName } from '../state/lineage-store.js';
import type { CliContext } from '../cli/context.js';
import { alignColumns } from '../cli/columns.js';

export interface CheckOptions {
  warnDays?: string;
  connectTimeout: string;
  nagios?: boolean;
}

export async function checkAction(ctx: CliContext, names: string[], options: CheckOptions): Promise<void> {
  if (options.nagios && ctx.output.json) throw new UsageError('--nagios and --json are two output formats: choose one');
  try {
    const warnDays = options.warnDays === undefined ? undefined : nonNegative(options.warnDays, '--warn-days');
    const timeoutMs = nonNegative(options.connectTimeout, '--connect-timeout') * 1000;
    if (timeoutMs <= 0) throw new UsageError('--connect-timeout must be more than 0');
    const store = new LineageStore(ctx.stateHome);
    const { checks, unchecked } = await checkServedCertificates(store, names.map(checkLineageName), { now: () => new Date(), timeoutMs, ...(warnDays !== undefined ? { warnDays } : {}) });
    if (names.length > 0 && unchecked.length > 0) throw new UsageError(`${unchecked.join(', ')} has no --serve-check endpoint: add one with acmecli cert issue -d NAME --serve-check HOST:PORT`);
    if (options.nagios) return finishPlugin(ctx, checks);
    report(ctx, checks);
  } catch (err) {
    if (!options.nagios || err instanceof CheckStatusError) throw err;
    // A plugin that cannot check says UNKNOWN on stdout, never a stack or a stderr line.
    ctx.output.raw(`ACMECLI UNKNOWN - ${(err as Error).message.replace(/[\r\n|]+/g, ' ')}\n`);
    throw new CheckStatusError('unknown', { exitCode: PLUGIN_STATUS.UNKNOWN, quiet: true });
  }
}

function finishPlugin(ctx: CliContext, checks: EndpointCheck[]): void {
  const { line, status } = formatPluginOutput(checks);
  ctx.output.raw(`${line}\n`);
  if (status !== PLUGIN_STATUS.OK) throw new CheckStatusError(line, { exitCode: status, quiet: true });
}

function report(ctx: CliContext, checks: EndpointCheck[]): void {
  const bad = checks.filter((c) => c.state !== 'ok');
  ctx.output.result({ ok: bad.length === 0, checks }, (r) => {
    if (r.checks.length === 0) return 'No lineage has a serve check: add one with acmecli cert issue -d NAME --serve-check HOST:PORT';
    return alignColumns([['LINEAGE', 'ENDPOINT', 'STATE', 'DAYS LEFT', 'DETAIL'], ...r.checks.map((c) => [c.lineage, c.endpoint, c.state, c.daysLeft === null ? '-' : String(c.daysLeft), c.detail])]);
  });
  if (bad.length > 0) {
    throw new CheckStatusError(`${bad.length} of ${checks.length} endpoint${checks.length === 1 ? '' : 's'} not ok: ${bad.map((c) => `${c.lineage} at ${c.endpoint} ${c.state}`).join(', ')}`, { exitCode: 1 });
  }
}

function nonNegative(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 36_500) throw new UsageError(`${flag} must be a number of days or seconds from 0, not ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}
