// One lint config for the whole repository: strict in src/, relaxed where tests need fakes.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/build/**', 'var/**', 'test-artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      'no-console': 'error'
    }
  },
  {
    // func build sees only the function's folder: shared code reaches it as @kiot/core, bundled.
    files: ['functions/*/src/*.ts', 'templates/function/src/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../../*'], message: 'functions are built alone: import shared code as @kiot/core' }] }] }
  },
  {
    files: ['functions/*/src/*/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../../../*'], message: 'functions are built alone: import shared code as @kiot/core' }] }] }
  },
  {
    files: ['**/test/**/*.ts', 'broker/src/main.ts', 'endpoints/*/src/main.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' }
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', performance: 'readonly', Buffer: 'readonly', AbortSignal: 'readonly', AbortController: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  }
);
