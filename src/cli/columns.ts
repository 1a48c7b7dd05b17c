import { printableLine } from '../printable.js';

/**
 * Columns padded to their widest cell, for people; programs use --json. The last column is not padded,
 * and no line ends in blanks.
 * Cells are escaped first (a CA's message may hold a newline), so the widths are those printed.
 */
export function alignColumns(table: string[][]): string[] {
  const rows = table.map((row) => row.map(printableLine));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}
