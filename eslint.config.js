// ESLint (flat config) for the TypeScript of the service, its scripts, tests, benchmarks and client
// package; `npm run lint` runs it with Prettier and knip. Formatting is Prettier's job, not ESLint's.
// Type-aware (recommendedTypeChecked): it finds what the untyped rules cannot (a promise left
// floating, an object stringified as [object Object], a method passed without its `this`).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'generated/', 'clients/typescript/dist/', 'clients/typescript/src/generated/', '.tools/', '.artifacts/']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      // `_name` marks a parameter a signature needs (Express's 4-argument error handler); a rest sibling drops a key on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Off: an async fake or plan() without await is deliberate, so that a throw becomes a rejected promise as in the real one.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Postman's sandbox scripts: `pm` is its global, and chai's property assertions (`…to.be.true`) are expressions.
    files: ['postman/src/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { pm: 'readonly' } },
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
