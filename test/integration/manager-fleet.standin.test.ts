// Stand-in: no ACME Manager binary runs here; test/support/manager-standin.ts follows manager-contract.md and issues through the real Pebble.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { managerOnSharedPebble } from '../support/manager-on-shared-pebble.js';
import { runMain } from '../support/in-process.js';
import { tempDir } from '../support/cert-fixtures.js';

const standin = managerOnSharedPebble();

// Issue 14: a fleet of 5,000 certificates. The manager's list of them is about 4.5 MB (~900 bytes
// each, the CSR being most of it): more than the 4 MiB an ACME answer may be, so the manager's
// answers get a limit of their own.
test('a manager list of 5,000 certificates (over 4 MiB) is read whole', async () => {
  const dir = tempDir('manager-fleet');
  const config = path.join(dir, 'client-config.yml');
  const env = { ACME_MANAGER_TOKEN: standin.manager.createToken({ username: 'fleet', scope: ['create', 'read', 'update', 'delete'] }), ACMECLI_HOME: path.join(dir, 'state') };
  writeFileSync(config, `common:\n  certificate_deploy: true\n  certificate_dir: ${path.join(dir, 'certs')}/\ncertificate:\n  - domain: c0.fleet.example\n    issuer: pebble\n`);
  const created = await runMain(['agent', '--config', config, '--manager-url', standin.manager.url, '--once'], { env });
  expect(created.code, created.stdout + created.stderr).toBe(0);
  standin.manager.copyCertificate('fleet', 'pebble/c0.fleet.example', Array.from({ length: 5000 }, (_, i) => `c${i + 1}.fleet.example`));

  const listed = await runMain(['--json', 'manager', 'list', '--manager-url', standin.manager.url], { env });
  expect(listed.code, listed.stderr).toBe(0);
  const { certificates } = JSON.parse(listed.stdout) as { certificates: { domain: string }[] };
  expect(certificates).toHaveLength(5001);
  expect(new Set(certificates.map((c) => c.domain)).size).toBe(5001);
}, 120_000);
