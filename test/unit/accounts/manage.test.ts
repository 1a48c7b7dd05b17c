import { expect, test } from 'vitest';
import { contactsToSet } from '../../../src/accounts/manage.js';
import { UsageError } from '../../../src/errors.js';

test('account update: mailto: URIs are set as given; `clear` alone sets none', () => {
  expect(contactsToSet(['mailto:a@example.org', 'mailto:b@example.net'])).toEqual(['mailto:a@example.org', 'mailto:b@example.net']);
  expect(contactsToSet(['clear'])).toEqual([]);
});

test('account update: `clear` among contacts, or an address without mailto:, is one usage line', () => {
  expect(() => contactsToSet(['clear', 'mailto:a@example.org'])).toThrow(new UsageError('`clear` must be given alone'));
  expect(() => contactsToSet(['a@example.org'])).toThrow(new UsageError('contact "a@example.org" is not a mailto: URI (write mailto:a@example.org)'));
});
