// Type-aware lint for the hand-written TypeScript. `generated/` is checked by `generate --check` and the golden
// tests instead: it is the generator's output, and its style is the emitter's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'generator/dist/',
      // A project of its own (its tsconfig.json), type-checked by the package test once its client is generated.
      'test/generator/package/consumer/',
      'generated/',
      'test/generator/golden/*/expected.ts',
      '.ci/reports/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'generator/bin.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read raw rows from pg (typed `any` by the driver) and check them with expect(); typing every row read
    // would add casts, not safety. Async callbacks without await are the helpers' calling convention.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
