// Stand-in: no ACME Manager binary runs here; test/support/manager-standin.ts follows the contract and issues through the
// real Pebble. Its `loseNextCreateAnswer` knob issues and stores a certificate, then resets the connection instead of answering.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { managerOnSharedPebble } from '../support/manager-on-shared-pebble.js';
import { runMain } from '../support/in-process.js';
import { pairMatches, tempDir } from '../support/cert-fixtures.js';

const standin = managerOnSharedPebble();

/** One host: its state folder (where pending keys wait), its --out folder, a token of its own owner. */
function host(owner: string) {
  const work = tempDir(`request-${owner}`);
  const home = path.join(work, 'home');
  const out = path.join(work, 'out');
  const token = standin.manager.createToken({ username: owner, scope: ['create', 'read'] });
  // One folder per manager under agent/pending-keys/ (this host talks to one).
  const pendingRoot = path.join(home, 'agent', 'pending-keys');
  return {
    out,
    pendingKeys: () => {
      try {
        return readdirSync(pendingRoot, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
      } catch {
        return [];
      }
    },
    request: (domain: string) => runMain(['manager', 'request', '--manager-url', standin.manager.url, '-d', domain, '--issuer', 'pebble', '--out', out], { env: { ACME_MANAGER_TOKEN: token, ACMECLI_HOME: home } }),
  };
}

describe('manager request keeps the agent\'s pending-key protection', () => {
  test('the manager issued but the answer was lost: the next run deploys that certificate with the key the first run saved', async () => {
    const h = host('lost-answer');
    const domain = 'lost.request.example';
    standin.manager.loseNextCreateAnswer();
    const first = await h.request(domain);
    expect(first.code, first.stderr).not.toBe(0);
    expect(first.stderr.trim().split('\n')).toHaveLength(1);
    // The manager has the certificate; this host has its key, waiting (0600).
    const issued = standin.manager.certificates('lost-answer').get(`pebble/${domain}`);
    expect(issued).toBeDefined();
    const [pending, ...more] = h.pendingKeys();
    expect(more).toEqual([]);
    expect(statSync(pending!).mode & 0o777).toBe(0o600);
    const savedKey = readFileSync(pending!, 'utf8');

    const second = await h.request(domain);
    expect(second.code, second.stderr).toBe(0);
    const certFile = path.join(h.out, `${domain}.crt`);
    const keyFile = path.join(h.out, `${domain}.key`);
    expect(readFileSync(certFile, 'utf8')).toBe(issued!.cert);
    expect(readFileSync(keyFile, 'utf8')).toBe(savedKey);
    expect(pairMatches(certFile, keyFile)).toBe(true);
    // Deployed: no key waits any more, and the manager was not asked to issue a second time.
    expect(h.pendingKeys()).toEqual([]);
    expect(standin.manager.requests.filter((r) => r.method === 'POST' && (r.body as { domain?: string } | undefined)?.domain === domain)).toHaveLength(1);
  });

  test('a POST the manager refused is asked again with the same key, not a new one each time', async () => {
    const h = host('busy');
    const domain = 'busy.request.example';
    const release = standin.manager.holdLock('busy', `pebble/${domain}`);
    const first = await h.request(domain);
    release();
    expect(first.code, first.stderr).not.toBe(0);
    expect(first.stderr).toMatch(/429/);
    const [pending, ...more] = h.pendingKeys();
    expect(more).toEqual([]);
    const savedKey = readFileSync(pending!, 'utf8');

    const second = await h.request(domain);
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(path.join(h.out, `${domain}.key`), 'utf8')).toBe(savedKey);
    expect(pairMatches(path.join(h.out, `${domain}.crt`), path.join(h.out, `${domain}.key`))).toBe(true);
    expect(h.pendingKeys()).toEqual([]);
  });
});
