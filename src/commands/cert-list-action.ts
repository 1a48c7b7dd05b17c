import { CheckStatusError } from '../errors.js';
import { positiveNumber } from '../issuance/positive-number.js';
import { expiringWithin, lineageSummary } from '../issuance/lineage-summary.js';
import { LineageStore } from '../state/lineage-store.js';
import { describeStateHomeRule } from '../state/home.js';
import type { CliContext } from '../cli/context.js';
import { alignColumns } from '../cli/columns.js';

// `cert list` alone, apart from ./cert-actions.js: it reads the state folder and nothing else, so it
// does not load what issuing and renewing need (HTTP, TLS, DNS, the solvers): issue 14's start-up.
export async function listAction(ctx: CliContext, options: { expiring?: string } = {}): Promise<void> {
  const expiringDays = options.expiring === undefined ? undefined : positiveNumber(options.expiring, '--expiring');
  const home = ctx.stateHomeLocation;
  const store = new LineageStore(home.path);
  const now = new Date();
  const rows = (await store.readIssued()).map((record) => lineageSummary(record, now));
  ctx.output.result({ lineages: rows }, (r) => r.lineages.length === 0
    // A wrong state folder (a cron job or unit without the issuing user's HOME) must never look like "nothing to do".
    ? `No lineages in ${store.root} (${describeStateHomeRule(home)}): acmecli cert issue records one.`
    : alignColumns([
        ['NAME', 'STATUS', 'EXPIRES', 'NEXT RENEWAL', 'LAST RESULT'],
        ...r.lineages.map((l) => [l.name, l.status, l.notAfter ?? '-', l.nextRenewal ? `${l.nextRenewal} (${l.renewalBasis})` : '-', l.lastResult?.message ?? '-']),
      ]));
  if (expiringDays !== undefined) {
    const expiring = expiringWithin(rows, expiringDays, now);
    if (expiring.length > 0) throw new CheckStatusError(`${expiring.length} lineage${expiring.length === 1 ? '' : 's'} expire${expiring.length === 1 ? 's' : ''} within ${expiringDays} days: ${expiring.map((l) => `${l.name} (${l.notAfter})`).join(', ')}`, { exitCode: 1 });
  }
}
