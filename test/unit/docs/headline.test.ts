import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs of the benchmark, without types
import { HEADLINE_BEGIN, HEADLINE_END, headlineFrom } from '../../../bench/headline.mjs';

// A figure lives in one place, bench/RESULTS.md; the README quotes its headline, and the quote must say
// what RESULTS.md says (npm run bench rewrites it: bench/headline.mjs).
test("the README's speed line is the one bench/RESULTS.md gives", () => {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(HEADLINE_BEGIN);
  const end = readme.indexOf(HEADLINE_END);
  expect(start, 'README.md has its bench-headline block').toBeGreaterThan(0);
  const quoted = readme.slice(start + HEADLINE_BEGIN.length, end).trim();
  const headline = headlineFrom(readFileSync('bench/RESULTS.md', 'utf8')) as string | undefined;
  expect(headline, 'bench/RESULTS.md has an issuance table with acmecli, uacme, certbot and lego').toBeDefined();
  expect(quoted).toBe(headline);
  expect(quoted).toMatch(/^One certificate from a local Pebble in \*\*\d+\.\d+ s\*\*/);
});
