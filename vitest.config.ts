import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs the .deb as root: run by .ci/run after `npm run package` (vitest.release.config.ts).
    exclude: ['test/release/**', '**/node_modules/**'],
    // The process-wide set-up of src/entry/run.ts (the Reflect shim), which in-process tests bypass.
    setupFiles: ['test/support/process-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Separate processes: each test file may start its own Pebble and kill it on exit.
    pool: 'forks',
    // Two cores: at most two test files (and their Pebbles) at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
