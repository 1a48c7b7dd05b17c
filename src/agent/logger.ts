import { printableJson, printableLine } from '../printable.js';
import { SYSLOG_PRIORITY } from '../process/journal.js';

/** Log levels, in order of importance. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'logfmt' | 'json';

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Keys whose values are never written, whatever a caller passes. */
const SECRET_KEYS = /token|secret|password|hmac|private|key_pem/i;

/**
 * The Go client's log lines, so existing log pipelines keep parsing them:
 * logfmt `ts=… level=… msg="…" domain=… issuer=… name=… owner=…`, or one JSON
 * object per line with the same keys (manager-contract.md §6.13). No caller= field: it
 * names Go files that do not exist here. Control characters in messages and values
 * (often from the manager or the CA) are escaped here, so no log line can hold a
 * raw ESC or bidi override.
 */
export function createLogger(options: {
  format: LogFormat;
  level: LogLevel;
  write: (line: string) => void;
  now?: () => Date;
  /** Start each line with its syslog priority (`<3>` for error): the output is systemd's journal. */
  journalPriorities?: boolean;
}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const record: Record<string, string | number | boolean> = { ts: now().toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || value === '') continue;
      record[key] = SECRET_KEYS.test(key) ? '<redacted>' : value;
    }
    const priority = options.journalPriorities ? `<${SYSLOG_PRIORITY[level]}>` : '';
    options.write(`${priority}${options.format === 'json' ? printableJson(record) : toLogfmt(record)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

function toLogfmt(record: Record<string, string | number | boolean>): string {
  return Object.entries(record).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
}

/** A bare word when it is one, else a JSON string; control characters from peers are escaped either way. */
function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[^\s"=\\]+$/.test(text) && printableLine(text) === text ? text : printableJson(text);
}
