import { Argument, Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { accountKeyFromKeyObject } from '../keys/account-key.js';
import { KEY_OUTPUT_FORMATS, KEY_OUTPUT_FORMAT_NAMES, exportAccountKey, type KeyOutputFormatName } from '../keys/convert.js';
import { writePrivateKeyFile } from '../keys/files.js';
import { generatePrivateKey } from '../keys/generate.js';
import { KEY_TYPE_NAMES, type KeyTypeName } from '../keys/key-types.js';
import { jwkThumbprint, jwkThumbprintInput } from '../keys/thumbprint.js';
import type { CliContext } from '../cli/context.js';

export function addKeyCommands(program: Command, ctx: CliContext): void {
  const group = program.command('key').description('Account key tools (offline: no network)');

  group.command('thumbprint')
    .description('Print the RFC 7638 thumbprint of the account key (for stateless http-01: <token>.<thumbprint>)')
    .option('-d, --details', 'also print the key type and the public JWK the thumbprint hashes')
    .addHelpText('after', '\nExample:\n  acmecli -k account.pem key thumbprint')
    .action(async (options: { details?: boolean }) => {
      const key = await ctx.accountKey();
      const thumbprint = await jwkThumbprint(key.publicJwk);
      const result = {
        thumbprint,
        keyType: key.description,
        jwsAlg: key.jwsAlg,
        ...(options.details ? { publicJwk: key.publicJwk, thumbprintInput: jwkThumbprintInput(key.publicJwk) } : {}),
      };
      ctx.output.result(result, (r) => options.details
        ? [`Thumbprint:  ${r.thumbprint}`, `Key:         ${r.keyType} (${r.jwsAlg})`, `Hashed JWK:  ${r.thumbprintInput}`].join('\n')
        : r.thumbprint);
    });

  group.command('convert')
    .description('Write the account key in another format, to stdout or -o FILE (mode 0600)')
    .addArgument(new Argument('<format>', KEY_OUTPUT_FORMAT_NAMES.map((f) => `${f}: ${KEY_OUTPUT_FORMATS[f].summary}`).join('; ')).choices(KEY_OUTPUT_FORMAT_NAMES))
    .option('-o, --output <file>', 'write to FILE (0600, via a temporary file) instead of stdout')
    .option('--force', 'replace FILE if it exists')
    .addHelpText('after', '\nExamples:\n  acmecli -k account.pem key convert json > private_key.json     # for certbot\n  acmecli -k private_key.json key convert pem -o account.pem      # from certbot')
    .action(async (format: KeyOutputFormatName, options: { output?: string; force?: boolean }) => {
      const key = await ctx.accountKey();
      const data = exportAccountKey(key, format);
      if (options.output) {
        await writePrivateKeyFile(options.output, data, { force: Boolean(options.force) });
        ctx.output.result({ file: options.output, format, keyType: key.description }, (r) => `Wrote ${r.keyType} key as ${r.format} to ${r.file}`);
        return;
      }
      if (KEY_OUTPUT_FORMATS[format].isBinary && ctx.io.isStdoutTty) {
        throw new UsageError(`${format} is binary: refusing to write it to a terminal; redirect stdout or pass -o FILE`);
      }
      if (ctx.output.json) {
        ctx.output.result({ format, keyType: key.description, isBinary: KEY_OUTPUT_FORMATS[format].isBinary, data: KEY_OUTPUT_FORMATS[format].isBinary ? data.toString('base64') : data.toString('utf8') }, () => '');
        return;
      }
      ctx.output.raw(data);
    });

  group.command('generate')
    .description('Generate a new private key into FILE (mode 0600, folder 0700; never replaces a file without --force)')
    .addArgument(new Argument('<type>', 'key type').choices(KEY_TYPE_NAMES))
    .addOption(new Option('-o, --output <file>', 'where to write the PKCS#8 PEM key').makeOptionMandatory())
    .option('--force', 'replace FILE if it exists')
    .addHelpText('after', '\nExamples:\n  acmecli key generate ec256 -o account.pem\n  acmecli key generate rsa3072 -o rsa-account.pem')
    .action(async (type: KeyTypeName, options: { output: string; force?: boolean }) => {
      const privateKey = await generatePrivateKey(type);
      const key = accountKeyFromKeyObject(privateKey, options.output, 'pkcs8');
      await writePrivateKeyFile(options.output, exportAccountKey(key, 'pem'), { force: Boolean(options.force) });
      const thumbprint = await jwkThumbprint(key.publicJwk);
      ctx.output.result({ file: options.output, keyType: key.description, type, thumbprint }, (r) => `Wrote a new ${r.keyType} key to ${r.file} (thumbprint ${r.thumbprint})`);
    });
}
