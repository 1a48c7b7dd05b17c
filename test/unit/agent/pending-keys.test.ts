import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { forgetPendingKeys, savePendingKey } from '../../../src/agent/pending-keys.js';
import { pendingKeyFolder } from '../../../src/agent/state.js';

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const pems = (folder: string) => readdirSync(folder).filter((name) => name.endsWith('.pem'));

// Before keys were kept per manager, every manager's pending keys shared agent/pending-keys/. A success at one
// manager must not remove a key an earlier acmecli left there for another manager's certificate of the same name.
test("a deploy at one manager forgets its own keys, and of the shared folder's only the key it deployed", async () => {
  const home = mkdtempSync(join(tmpdir(), 'acmecli-pending-'));
  const identity = { name: '', issuer: 'pebble', domain: 'a.example' };
  const folderA = await pendingKeyFolder(home, 'https://a.example/api/v1');
  const shared = dirname(folderA);
  const [deployed, waitingForB, ownOther] = [newKey(), newKey(), newKey()];
  await savePendingKey(shared, identity, deployed);
  await savePendingKey(shared, identity, waitingForB);
  await savePendingKey(folderA, identity, ownOther);
  await forgetPendingKeys(folderA, identity, deployed);
  expect(pems(folderA)).toEqual([]);
  expect(pems(shared)).toHaveLength(1);
  expect(readFileSync(join(shared, pems(shared)[0]!), 'utf8')).toBe(waitingForB);
});
