import { Option, type Command } from 'commander';
import { validateContacts } from '../acme/account.js';
import { accountDetails, contactsToSet, deactivateForGood, replaceContacts } from '../accounts/manage.js';
import { EAB_ALGORITHMS, type EabAlgorithm } from '../acme/jws.js';
import { AcmeProblemError } from '../acme/problem.js';
import { readAccountKeyFile } from '../keys/files.js';
import { LineageStore } from '../state/lineage-store.js';
import { moveLineagesToAccountKey } from '../issuance/lineage-account-key.js';
import { rolloverToKey } from '../accounts/rekey.js';
import { persistNamesToRepublish } from '../dns/dns-persist.js';
import { resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { confirmOrFail } from '../cli/prompt.js';
import { createAccountFor } from '../accounts/create-account.js';
import { eabFromOptions } from '../cli/eab-options.js';
import { LineageFailedError } from '../errors.js';
import { EXIT } from '../cli/exit-status.js';

export function addAccountCommands(program: Command, ctx: CliContext): void {
  const group = program.command('account').description('ACME account operations (online: talk to the CA)');

  group.command('show')
    .description('Show the account of the key: its URL (for CAA accounturi and dns-persist-01), status and contacts')
    .option('-d, --details', 'also print the whole account object and the public key')
    .addHelpText('after', '\nExample:\n  acmecli -a letsencrypt -k account.pem account show')
    .action(async (options: { details?: boolean }) => {
      const account = await withAccountHint(ctx, () => ctx.account({ preferServer: true }));
      const details = await accountDetails(await ctx.client(), account);
      const key = await ctx.accountKey();
      const result = {
        directoryUrl: ctx.directoryUrl,
        accountUrl: account.url,
        status: details.status,
        contact: details.contact ?? [],
        termsOfServiceAgreed: details.termsOfServiceAgreed ?? null,
        orders: details.orders ?? null,
        createdAt: typeof details.createdAt === 'string' ? details.createdAt : null,
        thumbprint: account.thumbprint,
        keyType: key.description,
        jwsAlg: key.jwsAlg,
        ...(options.details ? { account: details, publicJwk: key.publicJwk } : {}),
      };
      ctx.output.result(result, (r) => [
        `Account URI: ${r.accountUrl}`,
        `Status:      ${r.status}`,
        `Contact:     ${r.contact.length ? r.contact.join(', ') : '(none)'}`,
        `Thumbprint:  ${r.thumbprint}`,
        `Key:         ${r.keyType} (${r.jwsAlg})`,
        `CA:          ${r.directoryUrl}`,
        ...(r.createdAt ? [`Created:     ${r.createdAt}`] : []),
        ...(options.details ? ['', 'Account object:', ...JSON.stringify(details, null, 2).split('\n'), '', 'Public key (JWK):', ...JSON.stringify(key.publicJwk, null, 2).split('\n')] : []),
      ]);
    });

  group.command('create')
    .description('Create an ACME account for the key (or find the one it already has)')
    .argument('[contact...]', 'contacts as mailto: URIs')
    .option('--agree-tos', "agree to the CA's terms of service (asked on a terminal otherwise)")
    .option('--eab-kid <id>', 'External Account Binding key identifier, from the CA')
    .option('--eab-hmac-key <key>', 'External Account Binding HMAC key, base64url (or env ACMECLI_EAB_HMAC_KEY, kept out of ps)')
    .addOption(new Option('--eab-alg <alg>', 'EAB MAC algorithm').choices(EAB_ALGORITHMS).default('HS256'))
    .addHelpText('after', `
Examples:
  acmecli -a letsencrypt -k account.pem account create mailto:admin@example.com --agree-tos
  ACMECLI_EAB_HMAC_KEY=... acmecli -a zerossl -k account.pem account create mailto:admin@example.com --eab-kid KID --agree-tos`)
    .action(async (contacts: string[], options: { agreeTos?: boolean; eabKid?: string; eabHmacKey?: string; eabAlg: EabAlgorithm }) => {
      const contact = validateContacts(contacts);
      const externalAccountBinding = eabFromOptions(options, ctx.io.env.ACMECLI_EAB_HMAC_KEY);
      await ctx.checkStateHomeWritable(); // the account URL is cached there: say so before the CA makes the account
      const created = await createAccountFor({
        directoryUrl: ctx.directoryUrl,
        client: await ctx.client(),
        key: await ctx.accountKey(),
        contact,
        agreeTos: Boolean(options.agreeTos),
        eab: externalAccountBinding,
      }, ctx.accountCreationSteps());
      const thumbprint = created.thumbprint;
      const result = {
        directoryUrl: ctx.directoryUrl,
        accountUrl: created.url,
        created: created.created,
        status: created.account.status,
        contact: created.account.contact ?? [],
        thumbprint,
        // newAccount on an existing key returns that account unchanged (RFC 8555 §7.3.1): say so, or the user believes it changed.
        contactIgnored: created.created ? [] : contact.filter((c) => !(created.account.contact ?? []).includes(c)),
      };
      ctx.output.result(result, (r) => [
        r.created ? 'Account created.' : 'This key already has an account; nothing was created.',
        ...(r.contactIgnored.length ? [`The contact given (${r.contactIgnored.join(', ')}) was ignored: to change it, run acmecli account update ${r.contactIgnored.join(' ')}`] : []),
        `Account URI: ${r.accountUrl}`,
        `Status:      ${r.status}`,
        `Contact:     ${r.contact.length ? r.contact.join(', ') : '(none)'}`,
        `Thumbprint:  ${r.thumbprint}`,
      ]);
    });

  group.command('update')
    .description('Replace the account contacts; the word `clear` removes them all')
    .argument('<contact...>', 'mailto: URIs, or clear')
    .addHelpText('after', '\nExamples:\n  acmecli -k account.pem account update mailto:admin@example.com mailto:noc@example.net\n  acmecli -k account.pem account update clear')
    .action(async (contacts: string[]) => {
      const contact = contactsToSet(contacts);
      const account = await withAccountHint(ctx, () => ctx.account());
      const updated = await replaceContacts(await ctx.client(), account, contact, ctx.accountKeeping());
      const result = { accountUrl: account.url, status: updated.status, contact: updated.contact ?? [] };
      ctx.output.result(result, (r) => `Contacts of ${r.accountUrl}: ${r.contact.length ? r.contact.join(', ') : '(none)'}`);
    });

  group.command('rekey')
    .description('Roll the account over to a new key (RFC 8555 §7.3.5); the account URL stays, the thumbprint changes')
    .argument('<newkey>', 'the new private key file (any supported type; make one with `acmecli key generate`)')
    .addHelpText('after', '\nExample:\n  acmecli key generate ec256 -o new.pem && acmecli -k account.pem account rekey new.pem')
    .action(async (newKeyPath: string) => {
      const newKey = await readAccountKeyFile(newKeyPath, (w) => ctx.output.warn(w));
      const account = await withAccountHint(ctx, () => ctx.account());
      const { newThumbprint } = await rolloverToKey(ctx.directoryUrl, await ctx.client(), account, newKey, ctx.accountKeeping());
      const oldKeyFile = resolve(ctx.io.cwd, ctx.globals.key ?? ctx.io.env.ACMECLI_KEY ?? '');
      const newKeyFile = resolve(ctx.io.cwd, newKeyPath);
      const { moved: lineagesMoved, notMoved: lineagesNotMoved, configs } = await moveLineagesToAccountKey(new LineageStore(ctx.stateHome), ctx.directoryUrl, oldKeyFile, newKeyFile);
      const republish = persistNamesToRepublish(configs, (await ctx.cache.findDirectory(ctx.directoryUrl).catch(() => undefined))?.directory.meta);
      const result = { accountUrl: account.url, oldThumbprint: account.thumbprint, newThumbprint, newKeyFile: newKeyPath, lineagesMoved, lineagesNotMoved, republish };
      ctx.output.result(result, (r) => [
        `Account ${r.accountUrl} now uses the key in ${r.newKeyFile}.`,
        `Old thumbprint: ${r.oldThumbprint}`,
        `New thumbprint: ${r.newThumbprint}`,
        ...(r.lineagesMoved.length ? [`Lineages now renewing with the new key: ${r.lineagesMoved.join(', ')}`] : []),
        ...r.lineagesNotMoved.map((n) => `${n.name}: NOT moved to the new key (${n.reason}); it still renews with ${oldKeyFile}, which has no account now: once that run has ended, put the new key there (install -m 600 ${newKeyFile} ${oldKeyFile})`),
        'From now on pass -k with the new key; update stateless http-01 configurations with the new thumbprint.',
        ...(r.republish.length
          ? [`The dns-persist-01 records of ${r.republish.join(', ')} hash the old thumbprint (draft 02): republish them with`,
              `  acmecli -k ${r.newKeyFile} dns publish ${r.republish.join(' ')} --dns rfc2136   (or print them: dns records)`]
          : ['If you published draft-02 dns-persist-01 records (they hash the thumbprint), republish them: acmecli -k NEWKEY dns publish ZONE... --dns rfc2136']),
      ]);
      // The rollover is done and cannot be repeated: exit 1 so that a script sees the lineages left to fix.
      if (lineagesNotMoved.length) throw new LineageFailedError(`${lineagesNotMoved.length} lineage(s) still name the old key: ${lineagesNotMoved.map((n) => n.name).join(', ')}`, { exitCode: EXIT.failure });
    });

  group.command('deactivate')
    .description('Deactivate the account for good (RFC 8555 §7.3.6). Irreversible: the key cannot be used at this CA again')
    .option('--confirm', 'confirm without a question (required outside a terminal)')
    .addHelpText('after', '\nExample:\n  acmecli -a letsencrypt-staging -k old-account.pem account deactivate --confirm')
    .action(async (options: { confirm?: boolean }) => {
      const account = await withAccountHint(ctx, () => ctx.account());
      if (!options.confirm) await confirmOrFail(ctx.io, `Deactivate ${account.url} for good?`, '--confirm');
      const updated = await deactivateForGood(ctx.directoryUrl, await ctx.client(), account, ctx.accountKeeping());
      ctx.output.result({ accountUrl: account.url, status: updated.status }, (r) => `Account ${r.accountUrl} is ${r.status}.`);
    });
}

/** accountDoesNotExist is common and its fix is one command away: say which. */
async function withAccountHint<T>(ctx: CliContext, find: () => Promise<T>): Promise<T> {
  try {
    return await find();
  } catch (err) {
    if (err instanceof AcmeProblemError && err.is('accountDoesNotExist')) {
      err.message = `this key has no account at ${ctx.directoryUrl}; create one with \`acmecli account create\` (${err.message})`;
    }
    throw err;
  }
}
