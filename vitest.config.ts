import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // CommonJS packages (Apollo, mercurius) load graphql's index.js; without this alias test files
    // would load index.mjs and graphql's instanceof checks fail across the two copies.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration suites start whole stacks on real ports and databases; run files one at a time
    // so two stacks never compete for the two cores and the same database.
    fileParallelism: false,
  },
});
