import { expect, test } from 'vitest';
import { alignColumns } from '../../../src/cli/columns.js';

test('columns are padded to their widest cell; the last is not, and no line ends in blanks', () => {
  expect(alignColumns([['NAME', 'STATUS', 'DETAIL'], ['a.example', 'ok', ''], ['b', 'failed', 'the CA said no']])).toEqual([
    'NAME       STATUS  DETAIL',
    'a.example  ok',
    'b          failed  the CA said no',
  ]);
});

test('cells are escaped before they are measured: a CA\'s newline or escape cannot break the table', () => {
  const [header, row] = alignColumns([['A', 'B'], ['x\ny', 'z\u001b[2J']]);
  expect(row).not.toMatch(/[\n\u001b]/);
  expect(row!.indexOf('z')).toBe(header!.indexOf('B'));
});
