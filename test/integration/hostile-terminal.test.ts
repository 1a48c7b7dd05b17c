import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPebble, type PebbleInstance } from '../support/pebble.js';
import { startHostileAcmeProxy, type HostileAcmeProxy } from '../support/hostile-acme-proxy.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

// A CA whose problem documents try to drive the terminal: clear the screen, set the
// title, ring the bell, rub out text, reorder it. acmecli must show all of it as escapes.
const EVIL = 'no\x1b[2J\x1b]0;owned\x07\x08\x08\x9b1m\u202etxt.exe';
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/;

let pebble: PebbleInstance;
let proxy: HostileAcmeProxy;
let work: string;
let accountKey: string;

beforeAll(async () => {
  pebble = await sharedPebble();
  proxy = await startHostileAcmeProxy(pebble);
  work = tempDir('terminal');
  accountKey = path.join(work, 'account.pem');
  expect((await runMain(['key', 'generate', 'ec256', '-o', accountKey])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
});

describe('control characters from the CA never reach the terminal raw', () => {
  for (const json of [false, true]) {
    test(`a problem document full of terminal controls${json ? ' (--json)' : ''}`, async () => {
      proxy.rewrite('newOrder', (ex) => {
        ex.status = 403;
        ex.headers['content-type'] = 'application/problem+json';
        ex.json = { type: 'urn:ietf:params:acme:error:unauthorized', detail: EVIL, status: 403, subproblems: [{ type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: EVIL, identifier: { type: 'dns', value: `x\x1b[2J.example` } }] };
      }, { times: 1 });
      const r = await runMain(
        ['-a', proxy.directoryUrl, '--ca-file', proxy.caFile, '-k', accountKey, 'cert', 'issue', '--agree-tos', ...(json ? ['--json'] : []),
          '-d', 'term.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out')],
        { env: { ACMECLI_HOME: path.join(work, 'home') } },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(RAW);
      expect(r.stdout).not.toMatch(RAW);
      expect(r.stderr).toContain('\\x1b[2J');
      expect(r.stderr).toContain('\\u202etxt.exe');
      expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^acmecli: term.example.com: no\\x1b\[2J.*txt.exe \[unauthorized, HTTP 403\]/); // the error stays one line
      if (json) expect(JSON.stringify(r.json())).toContain('\\u001b[2J'); // the same value, escaped as JSON escapes it
    }, 120_000);
  }
});

describe('a problem type holding ESC, BEL and a newline', () => {
  // The type is the CA's too: ours would be one of RFC 8555's URNs, but nothing stops a CA.
  const TYPE = 'urn:ietf:params:acme:error:unauthorized\x1b[2J\x07\nrenew: 1 issued';

  test('cert renew: every stdout line is one of ours, and the failure hook gets ACMECLI_ERROR_TYPE escaped', async () => {
    const home = path.join(work, 'home-type');
    const seen = path.join(work, 'error-type.json');
    const hook = path.join(work, 'failure-hook-type.sh');
    writeFileSync(hook, `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.env.ACMECLI_ERROR_TYPE ?? null));\n`);
    chmodSync(hook, 0o755);
    const run = (args: string[]) => runMain(['-a', proxy.directoryUrl, '--ca-file', proxy.caFile, '-k', accountKey, ...args], { env: { ACMECLI_HOME: home } });
    const issued = await run(['cert', 'issue', '--agree-tos', '-d', 'type.example.com', '--http-standalone', `127.0.0.1:${pebble.httpPort}`, '--out', path.join(work, 'out-type'), '--failure-hook', hook]);
    expect(issued.code, issued.stderr).toBe(0);
    proxy.rewrite('newOrder', (ex) => {
      ex.status = 403;
      ex.headers['content-type'] = 'application/problem+json';
      ex.json = { type: TYPE, detail: 'refused', status: 403 };
    }, { times: 1 });
    const r = await run(['cert', 'renew', '--force', 'type.example.com']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(RAW);
    const lines = r.stdout.trimEnd().split('\n');
    // One line for the lineage, one summary: the newline in the type did not make a third.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^failed +type\.example\.com: /);
    expect(lines[0]).toContain('\\x1b[2J\\x07\\nrenew: 1 issued');
    expect(lines[1]).toBe('renew: 1 failed');
    const type = JSON.parse(readFileSync(seen, 'utf8')) as string;
    expect(type).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(type).toBe('urn:ietf:params:acme:error:unauthorized\\x1b[2J\\x07\\nrenew: 1 issued');
  }, 180_000);
});
