import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Files that need nothing of their own beyond the CPU — no stack, database, Redis, port taken or
 * browser: pure functions, the repository's files, processes that stop at their configuration.
 */
const UNIT = [
  'tests/analyse.test.ts',
  'tests/composition-rules.test.ts',
  'tests/config.test.ts',
  'tests/kit-lookup-day.test.ts',
  'tests/masking.test.ts',
  'tests/sample-data.test.ts',
  'tests/workdays.test.ts',
  'tests/adversarial/no-secrets-in-tree.test.ts',
  'tests/adversarial/signature-fast-path.test.ts',
  'tests/deploy/manifests.test.ts',
];

/**
 * Integration files that need a process of their own: a heap snapshot costs time in proportion to
 * everything the process holds, and the integration suites share one (measured: 20 s alone, 40–140 s
 * after the other suites, depending on how many ran before it).
 */
const ISOLATED = ['tests/adversarial/sealed-heap.test.ts'];

export default defineConfig({
  resolve: {
    // CommonJS packages (Apollo, mercurius) load graphql's index.js; without this alias test files
    // would load index.mjs and graphql's instanceof checks fail across the two copies.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // `vitest run` runs both projects: the units first, side by side, then the integration suites.
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT, maxWorkers: Math.max(2, availableParallelism()) },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT, ...ISOLATED],
          globalSetup: ['tests/global-setup.ts'],
          // Integration suites start whole stacks on real ports and databases; run files one at a time
          // so two stacks never compete for the two cores and the same database.
          fileParallelism: false,
          // One process for all of them, its modules loaded and compiled once: a fresh process per file
          // spent seconds importing and warming up the same gateway before its first test. Every suite
          // closes what it started (stacks, servers, processes, telemetry) in its afterAll.
          isolate: false,
          // After the units (a group of its own: its one worker differs from theirs).
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ISOLATED,
          globalSetup: ['tests/global-setup.ts'],
          fileParallelism: false,
          isolate: true,
          // After the integration suites, so that no stack of theirs shares the two cores with it.
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
