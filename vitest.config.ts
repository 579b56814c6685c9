import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests must not depend on the machine's time zone: run them in one that is not UTC.
    env: { TZ: 'America/New_York' },
    setupFiles: ['test/setup/loopback-only.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
