import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

interface RenewJson {
  lineages: { name: string; status: string; repaired?: boolean }[];
}

// `cert renew --all` decides "not due" without the lock and without reading the output files when
// their stamp (inode, size, mtime) is the one a locked run recorded. These tests make sure the
// shortcut never hides a file that needs repair, and that a quiet run writes nothing.
describe('cert renew --all: the quiet path over lineages that are not due', () => {
  let pebble: PebbleInstance;
  let run: (args: string[]) => ReturnType<typeof runMain>;
  let home: string;
  let out: string;
  beforeAll(async () => {
    // Validation is not what these tests are about: no responder port that another test file could take first.
    pebble = await sharedPebble({ env: { PEBBLE_VA_ALWAYS_VALID: '1' } });
    const work = tempDir('quiet');
    const key = path.join(work, 'account.pem');
    expect((await runMain(['key', 'generate', 'ec256', '-o', key])).code).toBe(0);
    home = path.join(work, 'home');
    out = path.join(work, 'out');
    run = (args) => runMain(['-a', pebble.directoryUrl, '--ca-file', pebble.caFile, '-k', key, ...args], { env: { ACMECLI_HOME: home } });
    for (const name of ['q1.example.com', 'q2.example.com']) {
      const issued = await run(['cert', 'issue', '-d', name, '--http-stateless', '--out', out, '--agree-tos']);
      expect(issued.code, issued.stderr).toBe(0);
    }
  });
  afterAll(async () => pebble?.stop());

  const record = (name: string) => path.join(home, 'lineages', name, 'lineage.json');

  test('a run that finds nothing to do writes nothing, and the records carry the outputs stamp', async () => {
    const first = await run(['cert', 'renew', '--all', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(readFileSync(record('q1.example.com'), 'utf8')).outputs).toMatchObject({ version: 1, stamp: expect.stringMatching(/^\d+:\d+:\d+(\|\d+:\d+:\d+){4}$/) });
    const before = ['q1.example.com', 'q2.example.com'].map((n) => statSync(record(n)).mtimeMs);
    const requests = (await pebble.readLog()).split('\n').length;
    const quiet = await run(['cert', 'renew', '--all', '--json']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.json<RenewJson>().lineages.map((l) => [l.name, l.status, l.repaired])).toEqual([['q1.example.com', 'not-due', false], ['q2.example.com', 'not-due', false]]);
    expect(['q1.example.com', 'q2.example.com'].map((n) => statSync(record(n)).mtimeMs)).toEqual(before);
    expect((await pebble.readLog()).split('\n').length).toBe(requests);
  });

  test('an output file changed in place (same inode) or replaced is still repaired', async () => {
    const certificate = path.join(out, 'q1.example.com.crt');
    const good = readFileSync(certificate, 'utf8');
    writeFileSync(certificate, good.replace(/[A-Z]/, 'x')); // same size, same inode, new mtime
    const inPlace = await run(['cert', 'renew', '--all', '--json']);
    expect(inPlace.code, inPlace.stderr).toBe(0);
    expect(inPlace.json<RenewJson>().lineages.find((l) => l.name === 'q1.example.com')).toMatchObject({ status: 'not-due', repaired: true });
    expect(readFileSync(certificate, 'utf8')).toBe(good);

    const chain = path.join(out, 'q2.example.com.fullchain.crt');
    const goodChain = readFileSync(chain, 'utf8');
    writeFileSync(`${chain}.new`, 'not a chain\n');
    renameSync(`${chain}.new`, chain);
    const replaced = await run(['cert', 'renew', '--all', '--json']);
    expect(replaced.json<RenewJson>().lineages.find((l) => l.name === 'q2.example.com')).toMatchObject({ status: 'not-due', repaired: true });
    expect(readFileSync(chain, 'utf8')).toBe(goodChain);
  });
});
