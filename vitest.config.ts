import { defineConfig } from 'vitest/config';

// Temporal test servers and Postgres are real processes: give tests room, and run files in
// separate forks so one suite's Temporal server cannot disturb another's.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', '.temporal/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
