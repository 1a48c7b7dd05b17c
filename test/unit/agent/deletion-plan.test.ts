import { expect, test } from 'vitest';
import { planDeletions, type DeletionFacts } from '../../../src/agent/deletion-plan.js';

// A fixed clock: the delay is a moment compared, never waited for.
const NOW = new Date('2026-12-03T10:00:00.000Z');
const orphan = (id: string) => ({ id, certificate: { id } });
const facts = (over: Partial<DeletionFacts<{ id: string }>>): DeletionFacts<{ id: string }> => ({ orphans: [], configured: 0, allowMassDelete: false, delayMs: 0, scheduled: {}, now: NOW, ...over });

test('nothing orphaned: nothing to do', () => {
  expect(planDeletions(facts({ configured: 3 }))).toEqual({ orphanFiles: [], deletes: [], schedule: [] });
});

test('without a delay, orphans are deleted at once', () => {
  expect(planDeletions(facts({ orphans: [orphan('pebble/a.example')], configured: 3 }))).toEqual({ orphanFiles: [], deletes: [{ id: 'pebble/a.example' }], schedule: [] });
});

test.each([
  ['the only certificate, with an empty configuration', 1, 0, true],
  ['three of five', 3, 2, true],
  ['exactly half is allowed', 2, 2, false],
  ['one of three', 1, 2, false],
])('the mass-delete floor: %s', (_name, orphans, configured, refused) => {
  const plan = planDeletions(facts({ orphans: Array.from({ length: orphans }, (_, i) => orphan(`c${i}`)), configured }));
  if (refused) expect(plan).toEqual({ orphanFiles: [], refused: `refusing to delete ${orphans} certificates (more than half of this owner's) in one cycle: check the configuration, or pass --allow-mass-delete` });
  else expect(plan).toMatchObject({ deletes: expect.any(Array) });
  expect(planDeletions(facts({ orphans: Array.from({ length: orphans }, (_, i) => orphan(`c${i}`)), configured, allowMassDelete: true }))).toMatchObject({ deletes: expect.any(Array) });
});

test('delay_before_delete: first scheduled, then deleted by the first cycle at or after its time', () => {
  const delayMs = 3_600_000;
  const first = planDeletions(facts({ orphans: [orphan('a')], configured: 3, delayMs }));
  expect(first).toEqual({ orphanFiles: [], deletes: [], schedule: [{ id: 'a', certificate: { id: 'a' }, at: '2026-12-03T11:00:00.000Z' }] });
  const scheduled = { a: '2026-12-03T11:00:00.000Z' };
  expect(planDeletions(facts({ orphans: [orphan('a')], configured: 3, delayMs, scheduled, now: new Date('2026-12-03T10:59:59.999Z') }))).toEqual({ orphanFiles: [], deletes: [], schedule: [] });
  expect(planDeletions(facts({ orphans: [orphan('a')], configured: 3, delayMs, scheduled, now: new Date('2026-12-03T11:00:00.000Z') }))).toEqual({ orphanFiles: [], deletes: [{ id: 'a' }], schedule: [] });
});

test('the floor comes before the delay: a truncated configuration schedules nothing either', () => {
  expect(planDeletions(facts({ orphans: [orphan('a'), orphan('b')], configured: 0, delayMs: 60_000 }))).toHaveProperty('refused');
});

const cleanup = (files: string[], configured: string[], listed: string[]) => ({
  files: files.map((id) => ({ ids: [id], path: `/etc/ssl/acme/${id}.crt` })),
  configuredIds: new Set(configured),
  listedIds: new Set(listed),
});

test('--cleanup: a file goes when its certificate is neither configured nor listed by the manager', () => {
  const plan = planDeletions(facts({ configured: 1, cleanup: cleanup(['pebble/a.example', 'web', 'pebble/old.example'], ['pebble/a.example'], ['web']) }));
  expect(plan).toEqual({ orphanFiles: ['/etc/ssl/acme/pebble/old.example.crt'], deletes: [], schedule: [] });
});

test('--cleanup: the files of a certificate the floor holds back on the manager stay (it is still listed)', () => {
  const plan = planDeletions(facts({ orphans: [orphan('a'), orphan('b')], configured: 0, cleanup: cleanup(['a', 'b', 'gone'], [], ['a', 'b']) }));
  expect(plan).toMatchObject({ orphanFiles: ['/etc/ssl/acme/gone.crt'], refused: expect.any(String) });
});

test('without --cleanup no file is planned, whatever is orphaned on the manager', () => {
  expect(planDeletions(facts({ orphans: [orphan('a')], configured: 3 })).orphanFiles).toEqual([]);
});

test('--cleanup: a file that could belong to a configured certificate stays (shop.example.ca.crt is not the .ca.crt of shop.example)', () => {
  const files = [
    { ids: ['le/shop.example.ca', 'le/shop.example'], path: '/etc/ssl/acme/le/shop.example.ca.crt' },
    { ids: ['le/gone.example.ca', 'le/gone.example'], path: '/etc/ssl/acme/le/gone.example.ca.crt' },
  ];
  const plan = planDeletions(facts({ configured: 1, cleanup: { files, configuredIds: new Set(['le/shop.example.ca']), listedIds: new Set(['le/shop.example.ca']) } }));
  expect(plan.orphanFiles).toEqual(['/etc/ssl/acme/le/gone.example.ca.crt']);
});
