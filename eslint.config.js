// ESLint with typescript-eslint's recommended rules (no type-aware rules: they would double the CI time),
// over the TypeScript the project ships and tests. Import cycles are checked by madge (`npm run lint`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'gateway/web/dist/**', '.data/**', 'bench/results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  // The federation audit's own sources, vendored as upstream wrote them (conformance/federation-audit/UPSTREAM.md):
  // kept byte for byte so that an update is a copy; our glue beside them (run.ts) is linted.
  { ignores: ['conformance/federation-audit/audit/**', 'conformance/federation-audit/node_modules/**', 'conformance/federation-audit/.tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused names are errors, except those that say they are unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The few non-null assertions follow a check the compiler cannot see (a Map filled just above).
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Comments show full-width and ideographic spaces on purpose: they are what the normalisation handles.
      'no-irregular-whitespace': ['error', { skipComments: true }],
    },
  },
  {
    // Tests, benchmarks and the command-line scripts read JSON answers whose shape they then assert: `any` is the honest type there.
    files: ['tests/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
