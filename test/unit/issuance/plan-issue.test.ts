import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';

import type { Directory } from '../../../src/acme/types.js';
import { UsageError } from '../../../src/errors.js';
import { positiveNumber } from '../../../src/issuance/positive-number.js';
import { planIssue, type IssueOptions, type PlanEdges } from '../../../src/issuance/plan.js';
import { LineageStore, type SolverSpec } from '../../../src/state/lineage-store.js';

const CA = 'https://ca.test/dir';
let sandbox: string;
let cwd: string;
let directoryAsked: string[];
let keysRead: string[];

beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'acmecli-plan-'));
  cwd = join(sandbox, 'work');
  await mkdir(join(cwd, 'www'), { recursive: true });
  await writeFile(join(cwd, 'hook.sh'), '#!/bin/sh\n');
  await chmod(join(cwd, 'hook.sh'), 0o755);
  directoryAsked = [];
  keysRead = [];
});
afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

function edges(overrides: Partial<PlanEdges['globals']> = {}, directory: Partial<Directory> = {}): PlanEdges {
  return {
    cwd,
    env: {},
    store: new LineageStore(join(sandbox, 'state')),
    globals: { directoryUrl: CA, acmeUrlGiven: false, keyPath: 'account.pem', caFile: undefined, allowHttp: false, ...overrides },
    directoryOf: async (url) => {
      directoryAsked.push(url);
      return { newNonce: 'n', newAccount: 'a', newOrder: 'o', ...directory } as Directory;
    },
    loadAccountKey: async (path) => {
      keysRead.push(path);
    },
  };
}

const issue = (options: Partial<IssueOptions>): IssueOptions => ({ eabAlg: 'HS256', ...options });

test('a new lineage: relative paths and programs become absolute, so cron finds them from another folder', async () => {
  const config = await planIssue(
    issue({ domain: ['www.example.org'], out: 'certs', deployHook: './hook.sh --reload nginx', postHook: 'systemctl start nginx' }),
    [{ kind: 'webroot', arg: 'www' }, { kind: 'hook', arg: './hook.sh' }],
    [],
    edges(),
  );
  expect(config).toMatchObject({
    name: 'www.example.org',
    directoryUrl: CA,
    accountKeyPath: join(cwd, 'account.pem'),
    outDir: join(cwd, 'certs'),
    solvers: [{ kind: 'webroot', arg: join(cwd, 'www') }, { kind: 'hook', arg: JSON.stringify(join(cwd, 'hook.sh')) }],
    deployHook: `${JSON.stringify(join(cwd, 'hook.sh'))} --reload nginx`,
    postHook: 'systemctl start nginx',
  });
  // The key is read before any order; the directory is not fetched without --profile.
  expect(keysRead).toEqual([join(cwd, 'account.pem')]);
  expect(directoryAsked).toEqual([]);
});

test('fallback CAs are resolved from keywords, and an empty one stands for none', async () => {
  const withFallback = await planIssue(issue({ domain: ['a.example'] }), [], [{ url: 'LetsEncrypt-Staging' }], edges());
  expect(withFallback.fallbacks).toEqual([{ directoryUrl: 'https://acme-staging-v02.api.letsencrypt.org/directory' }]);
  const without = await planIssue(issue({ domain: ['a.example'] }), [], [{ url: '' }], edges());
  expect(without.fallbacks).toEqual([]);
  await expect(planIssue(issue({ domain: ['a.example'] }), [], [{ url: 'http://ca.test/dir' }], edges())).rejects.toThrow(/--acme-url must be https:\/\//);
});

test('--profile is checked against the directory of the lineage\'s CA', async () => {
  const offering = edges({}, { meta: { profiles: { shortlived: 'six days' } } });
  await expect(planIssue(issue({ domain: ['a.example'], profile: 'shortlived' }), [], [], offering)).resolves.toMatchObject({ profile: 'shortlived' });
  expect(directoryAsked).toEqual([CA]);
  await expect(planIssue(issue({ domain: ['a.example'], profile: 'classic' }), [], [], offering)).rejects.toThrow(new UsageError(`${CA} has no profile "classic"; it offers shortlived`));
});

test.each<[string, Partial<IssueOptions>, SolverSpec[], string]>([
  ['no identifier and no lineage', {}, [], 'name at least one identifier with -d (or an existing lineage with --name to change its settings)'],
  ['--name of a lineage that does not exist, without -d', { name: 'site' }, [], 'name at least one identifier with -d (there is no lineage named site yet)'],
  ['an unknown challenge type', { domain: ['a.example'], challenge: ['http-02'] }, [], 'unknown challenge type "http-02": use http-01, dns-01, tls-alpn-01, dns-persist-01, dns-account-01'],
  ['a challenge type twice', { domain: ['a.example'], challenge: ['http-01', 'http-01'] }, [], '--challenge lists a type twice'],
  ['--dns-zone without --dns', { domain: ['a.example'], dnsZone: 'example.org' }, [], '--dns-zone goes with --dns PROVIDER'],
  ['--tsig-key-file without --dns rfc2136', { domain: ['a.example'], tsigKeyFile: 'k.key' }, [{ kind: 'hook', arg: './hook.sh' }], '--tsig-key-file goes with --dns rfc2136'],
  ['a day count that is not positive', { domain: ['a.example'], days: '0' }, [], '--days must be a positive number, not "0"'],
  ['a wildcard with only a webroot', { domain: ['*.example.org'] }, [{ kind: 'webroot', arg: 'www' }], '*.example.org: a wildcard needs a DNS challenge: pass --dns PROVIDER, --hook (dns-01) or --dns-persist'],
])('refused before any order: %s', async (_name, options, solvers, message) => {
  await expect(planIssue(issue(options), solvers, [], edges())).rejects.toThrow(new UsageError(message));
  expect(keysRead).toEqual([]);
});

test('no account key is one usage line naming -k and ACMECLI_KEY', async () => {
  await expect(planIssue(issue({ domain: ['a.example'] }), [], [], edges({ keyPath: undefined }))).rejects.toThrow(
    new UsageError('no account key: pass -k FILE (or set ACMECLI_KEY); make one with `acmecli key generate ec256 -o account.pem`'));
});

test('a hook that is not there is refused before any order', async () => {
  await expect(planIssue(issue({ domain: ['a.example'] }), [{ kind: 'hook', arg: './missing.sh' }], [], edges())).rejects.toThrow(/missing\.sh/);
});

test.each([['7', 7], ['0.5', 0.5]])('positiveNumber(%s)', (text, value) => {
  expect(positiveNumber(text, '--days')).toBe(value);
});
test.each(['0', '-1', 'x', 'Infinity', ''])('positiveNumber refuses %j', (text) => {
  expect(() => positiveNumber(text, '--days')).toThrow(new UsageError(`--days must be a positive number, not ${JSON.stringify(text)}`));
});
