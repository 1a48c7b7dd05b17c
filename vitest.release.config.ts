import { defineConfig } from 'vitest/config';

// The release tests of .ci/run: they need the artifacts of `npm run package` and root, because they
// install the .deb on the (throwaway) machine and remove it again. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/release/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // One at a time: dpkg holds a lock, and lintian is heavy.
    fileParallelism: false,
  },
});
