/**
 * The one error family of acmecli. Every failure a user can cause or meet is an
 * AcmecliError with a stable `code`; callers narrow on `code` or `instanceof`,
 * never on message text. The message is one line a person can act on; it never
 * contains key material, EAB secrets or tokens.
 */
export type ErrorCode =
  | 'USAGE' // bad arguments or options: exit 2
  | 'ACME_PROBLEM' // the CA answered with an RFC 8555 §6.7 problem document
  | 'HTTP' // an HTTP error without a problem document
  | 'TIMEOUT'
  | 'TLS'
  | 'NETWORK' // connection refused, DNS failure, reset
  | 'BAD_RESPONSE' // the server answered, but not what the protocol says it must
  | 'KEY' // a key that cannot be read, parsed or used
  | 'IO' // local files
  | 'HOOK' // a user's hook or deploy command failed
  | 'NOT_SERVED' // deployed, but a --serve-check endpoint does not serve the new certificate
  | 'DNS' // a DNS provider or DNS server refused, failed, or a record did not show in time: exit 1, not 3 (the CA is fine)
  | 'STATE' // the state directory (cache, lineages, locks)
  | 'LINEAGE' // one or more lineages failed; each is named in the summary
  | 'AGENT' // agent --once: the exit status is the agent's own (1 errors, 3 manager unreachable)
  | 'STATUS' // a check that printed its verdict and ends with a status of its own (cert check, --nagios)
  | 'ABORTED';

export abstract class AcmecliError extends Error {
  abstract readonly code: ErrorCode;
  /** Set when there was an HTTP response. */
  httpStatus?: number;
  /** From Retry-After, when the response carried one. */
  retryAfterMs?: number;
}

function defineError(code: ErrorCode, name: string) {
  const Class = class extends AcmecliError {
    readonly code = code;
    constructor(message: string, options?: { cause?: unknown; httpStatus?: number; retryAfterMs?: number }) {
      super(message, options?.cause === undefined ? undefined : { cause: options.cause });
      this.name = name;
      if (options?.httpStatus !== undefined) this.httpStatus = options.httpStatus;
      if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    }
  };
  Object.defineProperty(Class, 'name', { value: name });
  return Class;
}

export const UsageError = defineError('USAGE', 'UsageError');
export const HttpError = defineError('HTTP', 'HttpError');
export const TimeoutError = defineError('TIMEOUT', 'TimeoutError');
export const TlsError = defineError('TLS', 'TlsError');
export const NetworkError = defineError('NETWORK', 'NetworkError');
export const BadResponseError = defineError('BAD_RESPONSE', 'BadResponseError');
export const KeyError = defineError('KEY', 'KeyError');
export const IoError = defineError('IO', 'IoError');
export const HookError = defineError('HOOK', 'HookError');
export const ServeCheckError = defineError('NOT_SERVED', 'ServeCheckError');
export const DnsError = defineError('DNS', 'DnsError');
export const StateError = defineError('STATE', 'StateError');
export const AbortedError = defineError('ABORTED', 'AbortedError');

/** The codes of a peer that could not be reached (network, TLS, timeout): exit 3, worth retrying later. */
export const UNREACHABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NETWORK', 'TIMEOUT', 'TLS']);

export function isAcmecliError(err: unknown): err is AcmecliError {
  return err instanceof AcmecliError;
}

/**
 * A command that ends with an exit status of its own, having already said why
 * (the log, the table, the plugin line). `quiet`: print nothing more on stderr.
 * One class so main() decides the status in one place.
 */
export abstract class OwnExitStatusError extends AcmecliError {
  readonly exitCode: number;
  readonly quiet: boolean;
  constructor(message: string, options: { exitCode: number; quiet?: boolean }) {
    super(message);
    this.exitCode = options.exitCode;
    this.quiet = options.quiet ?? false;
  }
}

/** agent --once ended with a status of its own (1 errors, 3 manager unreachable); the log already said why. */
export class AgentExitError extends OwnExitStatusError {
  readonly code = 'AGENT';
  override name = 'AgentExitError';
}

/**
 * A check command printed its verdict and ends with this status: `cert check`
 * (1 when an endpoint is not ok) and its `--nagios` form (the plugin statuses,
 * with nothing on stderr: the status line on stdout is the whole answer).
 */
export class CheckStatusError extends OwnExitStatusError {
  readonly code = 'STATUS';
  override name = 'CheckStatusError';
}

/**
 * `cert issue` / `cert renew`: one or more lineages failed, each named in the summary already
 * printed. Exit 3 when every one failed because its CA could not be reached (cron may retry), else 1.
 */
export class LineageFailedError extends OwnExitStatusError {
  readonly code = 'LINEAGE';
  override name = 'LineageFailedError';
}

/** A cert issue/renew run stopped by SIGINT, SIGTERM or SIGHUP: exit 128+N, as a shell reports it. */
export class StoppedBySignalError extends OwnExitStatusError {
  readonly code = 'ABORTED';
  override name = 'StoppedBySignalError';
}
