import { expect, test } from 'vitest';
import type { ChallengeType } from '../../../src/acme/solver.js';
import type { Identifier } from '../../../src/acme/types.js';
import { UsageError } from '../../../src/errors.js';
import { checkProfileOffered, checkSolversCoverIdentifiers } from '../../../src/issuance/plan.js';

const dns = (value: string): Identifier => ({ type: 'dns', value });
const answering = (...types: ChallengeType[]) => ({ canAnswer: (type: ChallengeType) => types.includes(type) });

test('names a solver can prove pass; so does a lineage with no solver (a pre-authorising CA)', () => {
  expect(() => checkSolversCoverIdentifiers({ identifiers: [dns('a.example'), { type: 'ip', value: '192.0.2.1' }], challengeTypes: [] }, [answering('http-01')])).not.toThrow();
  expect(() => checkSolversCoverIdentifiers({ identifiers: [dns('*.a.example')], challengeTypes: [] }, [])).not.toThrow();
});

test.each([
  ['a wildcard with only http-01', [dns('*.a.example')], [], [answering('http-01')], '*.a.example: a wildcard needs a DNS challenge: pass --dns PROVIDER, --hook (dns-01) or --dns-persist'],
  ['a wildcard when --challenge allows only http-01', [dns('*.a.example')], ['http-01'], [answering('dns-01')], '*.a.example: a wildcard needs a DNS challenge (dns-01, dns-account-01, dns-persist-01), and --challenge allows only http-01'],
  ['an IP address with a DNS solver', [{ type: 'ip', value: '192.0.2.1' }], [], [answering('dns-01')], '192.0.2.1: an IP address needs http-01 or tls-alpn-01'],
  ['a name no solver answers for the allowed type', [dns('a.example')], ['tls-alpn-01'], [answering('http-01')], 'a.example: none of the solvers answers tls-alpn-01'],
] as const)('refused before any order: %s', (_name, identifiers, challengeTypes, solvers, message) => {
  expect(() => checkSolversCoverIdentifiers({ identifiers: [...identifiers], challengeTypes: [...challengeTypes] }, solvers)).toThrow(new UsageError(message));
});

test('--profile must be one the CA offers', () => {
  const directory = { newNonce: 'n', newAccount: 'a', newOrder: 'o', meta: { profiles: { classic: 'x', shortlived: 'y' } } };
  expect(() => checkProfileOffered(directory as never, 'https://ca/dir', 'shortlived')).not.toThrow();
  expect(() => checkProfileOffered(directory as never, 'https://ca/dir', 'tlsserver')).toThrow(new UsageError('https://ca/dir has no profile "tlsserver"; it offers classic, shortlived'));
  expect(() => checkProfileOffered({ ...directory, meta: {} } as never, 'https://ca/dir', 'classic')).toThrow(new UsageError('https://ca/dir offers no ACME profiles, so --profile classic cannot be used'));
});
