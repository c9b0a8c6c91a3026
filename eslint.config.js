// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries, and
// activities only as types (their implementations run in the worker, never in the workflow).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '.temporal/**', 'dist/**', 'coverage/**', '**/*.mjs', '**/*.js', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins.' })),
          patterns: [
            {
              group: ['**/activities', '**/activities/**', '../activities/*'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only (use proxyActivities).',
            },
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'postgres', 'drizzle-orm', 'drizzle-orm/*', '@electric-sql/*', 'pino', 'fastify'],
              message: 'Workflow code may not use I/O libraries.',
            },
          ],
        },
      ],
    },
  },
);
