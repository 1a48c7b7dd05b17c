import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { expect, test } from 'vitest';

// Every relative link in the README and docs/ must reach a file of this repository, and an anchor
// must name a heading of that file: moving text between files must not leave a reader at a dead end.

function markdownFiles(): string[] {
  const docs = readdirSync('docs', { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  const root = readdirSync('.').filter((f) => f.endsWith('.md'));
  return [...root, ...docs, ...(existsSync('bench/RESULTS.md') ? ['bench/RESULTS.md'] : [])];
}

/** Text outside fenced code blocks and inline code, where `](x)` is a link and `# x` a heading. */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading === null) continue;
    const base = (heading[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const explicit of text.matchAll(/<a (?:name|id)="([^"]+)"/g)) anchors.add(explicit[1] ?? '');
  return anchors;
}

export function relativeLinks(text: string): string[] {
  const links: string[] = [];
  for (const line of proseLines(text)) {
    const prose = line.replace(/``[^`]*``|`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      links.push(target);
    }
  }
  return links;
}

function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const broken: string[] = [];
  for (const link of relativeLinks(text)) {
    const [path = '', anchor] = link.split('#', 2);
    const target = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
    if (relative('.', target).startsWith('..')) {
      broken.push(`${link} (leaves the repository)`);
      continue;
    }
    if (!existsSync(target)) {
      broken.push(`${link} (no such file)`);
      continue;
    }
    if (anchor === undefined || anchor === '' || statSync(target).isDirectory() || !target.endsWith('.md')) continue;
    if (!anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link} (no heading #${anchor})`);
  }
  return broken;
}

test('the documentation files are found (README.md and docs/)', () => {
  const files = markdownFiles();
  expect(files).toContain('README.md');
  expect(files).toContain(join('docs', 'README.md'));
});

test('every relative link in README.md and docs/ reaches a file of the repository and a heading in it', () => {
  const broken = markdownFiles().flatMap((file) => brokenLinks(file).map((b) => `${file}: ${b}`));
  expect(broken).toEqual([]);
});

test('the checker itself: anchors follow GitHub, and a dead link or anchor is reported', () => {
  expect([...anchorsOf('# The `--json` contract\n## `agent status [--config FILE]` (offline)\n## Cron\n## Cron\n```\n# not a heading\n```\n')]).toEqual([
    'the---json-contract',
    'agent-status---config-file-offline',
    'cron',
    'cron-1',
  ]);
  expect(relativeLinks('[a](x.md#y) [b](https://e.org) `[c](z.md)`\n```\n[d](w.md)\n```\n')).toEqual(['x.md#y']);
});

test('README.md stays a quick start: at most 12 KB (reference and guides belong in docs/)', () => {
  expect(statSync('README.md').size).toBeLessThanOrEqual(12 * 1024);
});

test('every page under docs/ is linked from the index, docs/README.md, so a reader can find it', () => {
  const index = readFileSync(join('docs', 'README.md'), 'utf8');
  const linked = new Set(relativeLinks(index).map((link) => normalize(join('docs', link.split('#')[0] ?? ''))));
  const pages = markdownFiles().filter((f) => f.startsWith(`docs${sep}`) && f !== join('docs', 'README.md'));
  expect(pages.length).toBeGreaterThan(10);
  expect(pages.filter((page) => !linked.has(page)), 'add a line for each to docs/README.md').toEqual([]);
});
