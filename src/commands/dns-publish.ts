import { resolve } from 'node:path';

import { UsageError } from '../errors.js';
import { caaRecordValues } from '../dns/caa.js';
import { dnsPersistRecordValue } from '../dns/dns-persist.js';
import { normalizeZoneName } from '../dns/zone-name.js';
import { findZone } from '../dns-providers/lookup.js';
import { applyPlan, nsupdateScript, planPublish, type DesiredRecords, type PublishPlan } from '../dns-providers/publish.js';
import { Rfc2136, readRfc2136Settings } from '../dns-providers/rfc2136.js';
import type { CliContext } from '../cli/context.js';
import type { PublishOptions, RecordSettings } from './dns.js';

const DEFAULT_PUBLISH_TTL = 3600;

/** `dns publish`: the records `dns records` prints, planned against what the primary holds, then sent (or printed). */
export async function publishAction(ctx: CliContext, zones: string[], options: PublishOptions, s: RecordSettings): Promise<void> {
  if (options.dns !== 'rfc2136') {
    throw new UsageError(`dns publish writes CAA and TXT records, which only --dns rfc2136 can; ${JSON.stringify(options.dns)} ${['exec', 'acme-dns'].includes(options.dns) ? 'writes only challenge records' : 'is not a DNS provider'}`);
  }
  if (s.identities.length === 0 && !s.issuerDomain) throw new UsageError('nothing to publish: the CA names no caaIdentities or issuer domain; pass --caa-identity');
  const rfc2136 = new Rfc2136(await readRfc2136Settings({
    env: ctx.io.env,
    tsigKeyFile: options.tsigKeyFile === undefined ? undefined : resolve(ctx.io.cwd, options.tsigKeyFile),
    cwd: ctx.io.cwd,
    onWarning: (m) => ctx.output.warn(m),
  }));
  const server = rfc2136.settings.server;
  const ttl = s.ttl ?? DEFAULT_PUBLISH_TTL;
  const plans: Array<{ plan: PublishPlan; script: string }> = [];
  for (const zoneArg of zones) {
    const name = normalizeZoneName(zoneArg).bare;
    const desired: DesiredRecords = {
      name,
      caa: s.identities.length
        ? caaRecordValues({ zone: name, caaIdentities: s.identities, accountUri: s.inputs.accountUrl, ...(s.validationMethods ? { validationMethods: s.validationMethods } : {}), ...(options.wildcard ? { issueWild: true } : {}) })
        : [],
      caaIdentities: s.identities,
      persist: s.issuerDomain
        ? dnsPersistRecordValue({
            zone: name, issuerDomain: s.issuerDomain, accountUri: s.inputs.accountUrl, draft: s.draft,
            ...(s.draft === '02' ? { accountHashPrefix: s.accountHashPrefix, thumbprint: s.inputs.thumbprint } : {}),
            ...(options.wildcard ? { wildcard: true } : {}),
            ...(s.persistUntil ? { persistUntil: s.persistUntil } : {}),
          })
        : undefined,
      ttl,
    };
    const zone = options.dnsZone !== undefined ? normalizeZoneName(options.dnsZone).bare : await findZone(name, [server], { recursive: false });
    const plan = await planPublish(desired, zone, server);
    if (!options.dryRun) await applyPlan(plan, rfc2136);
    plans.push({ plan, script: nsupdateScript(plan, server) });
  }
  const result = {
    dryRun: Boolean(options.dryRun),
    accountUrl: s.inputs.accountUrl,
    zones: plans.map(({ plan }) => ({
      name: plan.name,
      zone: plan.zone,
      server: plan.server,
      changes: plan.changes.map((c) => ({ action: c.action, record: c.record })),
      unchanged: plan.unchanged,
      kept: plan.kept,
    })),
  };
  ctx.output.result(result, (r) => {
    if (r.dryRun) return ['; dns publish --dry-run: nothing was sent. The update, as nsupdate input:', ...plans.map((p) => p.script)].join('\n');
    return r.zones.map((z) => {
      const adds = z.changes.filter((c) => c.action === 'add').length;
      const deletes = z.changes.length - adds;
      const head = `${z.name} (zone ${z.zone} at ${z.server}): ${z.changes.length === 0 ? 'already right' : `${adds} added, ${deletes} removed`}, ${z.unchanged.length} unchanged, ${z.kept.length} of others kept`;
      return [head, ...z.changes.map((c) => `  ${c.action === 'add' ? '+' : '-'} ${c.record}`)].join('\n');
    }).join('\n');
  });
}
