// The README's one line of speed, quoted from bench/RESULTS.md (the one place the figures live):
// `npm run bench` rewrites it after each run, and test/unit/docs/headline.test.ts fails when the
// README's line is not what RESULTS.md says.

export const HEADLINE_BEGIN = '<!-- bench-headline:begin (written by npm run bench from bench/RESULTS.md) -->';
export const HEADLINE_END = '<!-- bench-headline:end -->';

/** The cells of the issuance table's row whose first cell `pick` accepts (bold marks removed). */
function issuanceRow(results, pick) {
  const section = results.slice(results.indexOf('<!-- issuance:begin -->'), results.indexOf('<!-- issuance:end -->'));
  const recorded = /^## Issuance — (.+)$/m.exec(section)?.[1];
  for (const line of section.split('\n')) {
    if (!line.startsWith('| ')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim().replace(/^\*\*(.*)\*\*$/, '$1'));
    if (pick(cells[0])) return { cells, recorded };
  }
  return { cells: undefined, recorded };
}

/** The headline, or undefined when RESULTS.md has no complete issuance table to quote. */
export function headlineFrom(results) {
  const acme = issuanceRow(results, (label) => label === 'acmecli');
  const peer = (name) => issuanceRow(results, (label) => label.startsWith(name) && !label.includes('system')).cells;
  const [uacme, certbot, lego] = [peer('uacme'), peer('certbot'), peer('lego')];
  if (!acme.cells || !uacme || !certbot || !lego || !acme.recorded) return undefined;
  const times = (cells) => cells[3].replace(/×$/, '');
  return [
    `One certificate from a local Pebble in **${acme.cells[1]} s** from start to files on disk:`,
    `${uacme[0]} takes ${times(uacme)}× as long, certbot ${times(certbot)}×, lego ${times(lego)}×;`,
    `50 certificates in ${acme.cells[4]} s (uacme: ${uacme[4]} s).`,
    `Measured side by side on one machine (${acme.recorded}); method, memory and the other figures: [bench/RESULTS.md](bench/RESULTS.md).`,
  ].join('\n');
}

/** `readme` with its headline block replaced (it must have one). */
export function withHeadline(readme, headline) {
  const start = readme.indexOf(HEADLINE_BEGIN);
  const end = readme.indexOf(HEADLINE_END);
  if (start < 0 || end < start) throw new Error('README.md has no bench-headline block');
  return `${readme.slice(0, start + HEADLINE_BEGIN.length)}\n${headline}\n${readme.slice(end)}`;
}
