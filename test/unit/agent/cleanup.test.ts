import { expect, test } from 'vitest';
import { idsInList } from '../../../src/agent/cleanup.js';

test('--cleanup keeps the files of every certificate the manager lists, as the agent names them', () => {
  expect(idsInList([
    { issuer: 'pebble', domain: 'a.example' },
    { name: 'web', issuer: 'pebble', domain: 'b.example' },
    { name: '', issuer: 'pebble', domain: 'c.example' },
  ])).toEqual(new Set(['pebble/a.example', 'web', 'pebble/c.example']));
});

test('entries the agent refused still count (refused is not deployed, and not deleted either); what names nothing is skipped', () => {
  expect(idsInList([
    { issuer: 'pebble', domain: 'refused.example', fingerprint: 'not hex', days: 'x' },
    { name: 42, issuer: 'pebble', domain: 'numeric-name.example' },
    null, 'text', [], { issuer: 'pebble' }, { domain: 'no-issuer.example' },
  ])).toEqual(new Set(['pebble/refused.example', 'pebble/numeric-name.example']));
});
