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
  'tests/chain-watch-unit.test.ts',
  'tests/adversarial/no-secrets-in-tree.test.ts',
  'tests/adversarial/signature-fast-path.test.ts',
  'tests/deploy/manifests.test.ts',
];

/**
 * Integration files that need a process of their own: a heap snapshot costs time in proportion to
 * everything the process holds, and the integration suites share theirs (measured: 20 s alone, 40–140 s
 * after the other suites).
 */
const FRESH_PROCESS = ['tests/adversarial/sealed-heap.test.ts'];

/**
 * Test files in flight at once in the main group. Most suites wait on sockets, processes and timers as
 * much as they compute, so three side by side keep the two cores busy where one file at a time used
 * 1.3 of them.
 */
const WORKERS = 3;

export default defineConfig({
  resolve: {
    // CommonJS packages (Apollo, mercurius) load graphql's index.js; without this alias test files
    // would load index.mjs and graphql's instanceof checks fail across the two copies.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // `vitest run` runs all three projects in one group, three files at a time. Within a group vitest
    // starts the projects' files in the order of the projects' names (then the longest first): the heap
    // search first, as it is among the longest, the units last, filling the gaps at the end.
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT, maxWorkers: WORKERS, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT, ...FRESH_PROCESS],
          globalSetup: ['tests/global-setup.ts'],
          // Side by side: every stack has its own ports (freePort), databases (a copy of the seeded
          // template), Redis prefix and data folder, so files in flight never share state.
          fileParallelism: true,
          maxWorkers: WORKERS,
          // One process for all of them, its modules loaded and compiled once: a fresh process per file
          // spent seconds importing and warming up the same gateway before its first test. Every suite
          // closes what it started (stacks, servers, processes, telemetry) in its afterAll.
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'fresh-process',
          include: FRESH_PROCESS,
          globalSetup: ['tests/global-setup.ts'],
          // Projects of one group must have one worker count (vitest refuses otherwise).
          fileParallelism: true,
          maxWorkers: WORKERS,
          isolate: true,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
