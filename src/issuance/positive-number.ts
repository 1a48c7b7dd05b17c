import { UsageError } from '../errors.js';

/** A positive number option (`--days 7`, `--dns-timeout 0.5`, `--expiring 14`). @throws UsageError naming the option. */
export function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, not ${JSON.stringify(text)}`);
  return n;
}
