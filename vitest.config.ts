import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Separate processes: each test file may start its own Pebble and kill it on exit.
    pool: 'forks',
    // Two cores: at most two test files (and their Pebbles) at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
