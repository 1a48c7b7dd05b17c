import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { locateStateHome, SYSTEM_STATE_HOME } from '../../../src/state/home.js';
import { runMain } from '../../support/in-process.js';

test('ACMECLI_HOME wins, then XDG_STATE_HOME, for root and for anyone else', () => {
  for (const isRoot of [true, false]) {
    expect(locateStateHome({ ACMECLI_HOME: '/srv/a', XDG_STATE_HOME: '/x', HOME: '/h' }, isRoot)).toEqual({ path: '/srv/a', from: 'ACMECLI_HOME' });
    expect(locateStateHome({ XDG_STATE_HOME: '/x', HOME: '/h' }, isRoot)).toEqual({ path: '/x/acmecli', from: 'XDG_STATE_HOME' });
  }
});

test('root without either variable uses /var/lib/acmecli, the folder the systemd units use (FHS)', () => {
  expect(SYSTEM_STATE_HOME).toBe('/var/lib/acmecli');
  expect(locateStateHome({ HOME: '/root' }, true)).toEqual({ path: '/var/lib/acmecli', from: 'root' });
});

test('another user without either variable stays under ~/.local/state', () => {
  expect(locateStateHome({ HOME: '/home/ann' }, false)).toEqual({ path: '/home/ann/.local/state/acmecli', from: 'HOME' });
});

test('cert list with a missing or empty state folder says where it looked and why', async () => {
  const missing = path.join(mkdtempSync(path.join(tmpdir(), 'acmecli-home-')), 'nowhere');
  const fromEnv = await runMain(['cert', 'list'], { env: { ACMECLI_HOME: missing } });
  expect(fromEnv.code, fromEnv.stderr).toBe(0);
  expect(fromEnv.stdout).toBe(`No lineages in ${missing}/lineages (from ACMECLI_HOME): acmecli cert issue records one.\n`);

  const xdg = mkdtempSync(path.join(tmpdir(), 'acmecli-xdg-'));
  const fromXdg = await runMain(['cert', 'list'], { env: { ACMECLI_HOME: undefined, XDG_STATE_HOME: xdg } });
  expect(fromXdg.stdout).toBe(`No lineages in ${xdg}/acmecli/lineages (from $XDG_STATE_HOME/acmecli): acmecli cert issue records one.\n`);
});
