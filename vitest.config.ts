import { defineConfig } from 'vitest/config';

const dbSetup = './test/support/global-setup.ts';

export default defineConfig({
  test: {
    // dist/ is what bin/zerodown.mjs runs: built from these sources before any test
    globalSetup: './test/support/build-setup.ts',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // the lint CLI tests start zerodown processes: seconds each on a loaded 2-core machine
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: dbSetup,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'workflow',
          include: ['test/workflow/**/*.test.ts'],
          globalSetup: dbSetup,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        // the fault matrices (npm run test:faults): whole runs killed and run again, minutes in all
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: dbSetup,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // every benchmark once at its tiniest size (npm test runs it; the sizes of docs/benchmarks.md are npm run bench)
        test: {
          name: 'bench',
          include: ['test/bench/**/*.test.ts'],
          globalSetup: dbSetup,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        // synthesizing a stack takes seconds, more on a loaded machine
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
