import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs the .deb as root: run by .ci/run after `npm run package` (vitest.release.config.ts).
    exclude: ['test/release/**', '**/node_modules/**'],
    // The tests' process-wide set-up: the Reflect shim their fixture library, @peculiar/x509, needs.
    setupFiles: ['test/support/process-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Separate processes: each test file may start its own Pebble and kill it on exit.
    pool: 'forks',
    // A worker process is reused by the files it runs, and so are the modules it loaded: loading src/ once per worker
    // instead of once per file halves the unit tests' CPU. Files share no module state they rely on (no vi.mock, no
    // global stubs), and whatever a file starts it stops; what it forgets is killed when the worker exits.
    isolate: false,
    // Two cores, but an integration test spends most of its time waiting on Pebble, BIND or a child process.
    maxWorkers: 3,
    fileParallelism: true,
  },
});
