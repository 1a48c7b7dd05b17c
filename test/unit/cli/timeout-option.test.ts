import { expect, test } from 'vitest';
import { runMain } from '../../support/in-process.js';

// --timeout takes any number of seconds more than 0 and at most 3600 (fractions too); the refusal says so.
test('--timeout out of range is refused in one line that states the range it accepts', async () => {
  for (const value of ['0', '-1', '3601', 'soon']) {
    const r = await runMain(['--timeout', value, '-a', 'https://127.0.0.1:1/dir', 'account', 'show'], { env: {} });
    expect(r.code, value).toBe(2);
    expect(r.stderr).toBe(`acmecli: --timeout must be a number of seconds more than 0 and at most 3600, not ${JSON.stringify(value)} (see --help)\n`);
  }
});
