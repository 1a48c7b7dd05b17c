import { Option, type Command } from 'commander';
import { createHttpTransport } from '../net/transport.js';
import { UsageError } from '../errors.js';
import { ManagerClient } from '../manager/client.js';
import { parseBearerToken } from '../manager/token.js';
import { readNamedText } from '../state/read-file.js';
import { proxyFromEnvironment, type CliContext } from '../cli/context.js';
import { USER_AGENT } from '../cli/version.js';

export const DEFAULT_MANAGER_URL = 'http://localhost:8989/api/v1';

export interface ManagerConnectionOptions {
  managerUrl?: string;
  tokenFile?: string;
  managerCaFile?: string;
  clientCert?: string;
  clientKey?: string;
  insecureSkipVerify?: boolean;
}

/** The options every command that talks to an ACME Manager takes. The token never comes from argv. */
export function addManagerConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--manager-url <url>', `manager API URL, including /api/v1 (env ACME_MANAGER_URL; default ${DEFAULT_MANAGER_URL})`))
    .addOption(new Option('--token-file <file>', 'read the bearer token from FILE (else env ACME_MANAGER_TOKEN)'))
    .addOption(new Option('--manager-ca-file <file>', 'extra CA certificate (PEM) to trust for the manager'))
    .addOption(new Option('--client-cert <file>', 'client certificate (PEM) for mutual TLS'))
    .addOption(new Option('--client-key <file>', 'key of --client-cert (PEM)'))
    .addOption(new Option('--insecure-skip-verify', "do not check the manager's TLS certificate (warns every time)"));
}

export interface ManagerConnection {
  url: string;
  token: string;
  makeSend: (timeoutMs: number) => ReturnType<typeof createHttpTransport>;
}

/** Reads token, CA and client certificate at the edge; the manager client gets values. */
export async function resolveManagerConnection(ctx: CliContext, options: ManagerConnectionOptions): Promise<ManagerConnection> {
  const env = ctx.io.env;
  const url = (options.managerUrl ?? env.ACME_MANAGER_URL ?? DEFAULT_MANAGER_URL).replace(/\/+$/, '');
  if (!/\/api\/v1$/.test(url)) throw new UsageError(`the manager URL must end in /api/v1 (e.g. https://manager.example:8989/api/v1), not ${url}`);
  let tokenText = env.ACME_MANAGER_TOKEN;
  if (options.tokenFile) {
    // The token is as good as a password to the manager: the same warning as for an account key.
    tokenText = await readNamedText(options.tokenFile, { what: '--token-file', onReadableByOthers: (warning) => ctx.output.warn(warning) });
  }
  if (!tokenText?.trim()) throw new UsageError('no manager token: set ACME_MANAGER_TOKEN or pass --token-file FILE');
  let token: string;
  try {
    token = parseBearerToken(tokenText).token;
  } catch (err) {
    // The parser names ACME_MANAGER_TOKEN; a token read from a file is that file's fault.
    if (options.tokenFile && err instanceof UsageError) throw new UsageError(`${options.tokenFile} does not hold an ACME Manager token (base64 of id:secret)`);
    throw err;
  }
  const extraCaPem = options.managerCaFile ? await readNamedText(options.managerCaFile, { what: '--manager-ca-file' }) : undefined;
  if ((options.clientCert === undefined) !== (options.clientKey === undefined)) throw new UsageError('--client-cert and --client-key go together');
  const clientCertificate = options.clientCert && options.clientKey
    ? { certPem: await readNamedText(options.clientCert, { what: '--client-cert' }), keyPem: await readNamedText(options.clientKey, { what: '--client-key' }) }
    : undefined;
  if (options.insecureSkipVerify) ctx.output.warn('TLS certificate checks of the manager are off (--insecure-skip-verify)');
  const host = new URL(url).hostname;
  // The Go client's default is plain http on localhost; anywhere else the bearer token would cross the network in clear text.
  if (url.startsWith('http:') && !['localhost', '127.0.0.1', '[::1]', '::1'].includes(host)) {
    ctx.output.warn(`the manager URL is plain http to ${host}: the bearer token crosses the network unencrypted; use https`);
  }
  const proxy = proxyFromEnvironment(env);
  return {
    url,
    token,
    makeSend: (timeoutMs) => createHttpTransport({
      userAgent: USER_AGENT,
      allowHttp: true,
      timeoutMs,
      maxBodyBytes: MANAGER_MAX_BODY_BYTES,
      caFileOption: '--manager-ca-file',
      ...(extraCaPem ? { extraCaPem } : {}),
      ...(clientCertificate ? { clientCertificate } : {}),
      ...(options.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
      proxy,
    }),
  };
}

/**
 * The largest answer taken from the manager. Its certificate list holds ~900 bytes per
 * certificate (the CSR is most of it): a fleet of 5,000 is ~4.5 MB, over the 4 MiB an ACME
 * answer may be. 32 MiB is ~35,000 certificates, and still a bound on what a hostile manager
 * can make the agent hold.
 */
export const MANAGER_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A manager client for one-shot commands; the transport is closed with the context. */
export async function managerClient(ctx: CliContext, options: ManagerConnectionOptions): Promise<{ client: ManagerClient; close: () => Promise<void> }> {
  const connection = await resolveManagerConnection(ctx, options);
  const transport = connection.makeSend(300_000);
  return { client: new ManagerClient({ baseUrl: connection.url, token: connection.token, send: transport.send }), close: transport.close };
}


