import { expect, test } from 'vitest';
import { runUserCommand, withoutSecrets } from '../../../src/process/run-command.js';

test('a command that leaves a daemon in the background returns when it exits, not when the daemon does', async () => {
  const started = Date.now();
  const result = await runUserCommand("sh -c 'sleep 30 & echo started'", { env: { PATH: process.env.PATH }, timeoutMs: 20_000 });
  expect(result.ok).toBe(true);
  expect(result.output).toBe('started');
  expect(Date.now() - started).toBeLessThan(5_000);
});

test('words are split without a shell, extra variables are added, and a failure says how', async () => {
  const result = await runUserCommand(`sh -c 'echo "$1 $GREETING"; exit 3' sh "two words"`, { env: { PATH: process.env.PATH }, extraEnv: { GREETING: 'hello' }, timeoutMs: 5_000 });
  expect(result).toMatchObject({ ok: false, program: 'sh', detail: 'exit 3', output: 'two words hello' });
});

test('a timeout kills the command', async () => {
  const result = await runUserCommand('sleep 30', { env: { PATH: process.env.PATH }, timeoutMs: 200 });
  expect(result).toMatchObject({ ok: false, detail: 'timed out after 0 s and was killed' });
});

test('secrets acmecli reads are not passed on', () => {
  expect(withoutSecrets({ PATH: '/bin', ACME_MANAGER_TOKEN: 't', ACMECLI_EAB_HMAC_KEY: 'k' })).toEqual({ PATH: '/bin' });
});
