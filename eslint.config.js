import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'charts/**', 'coverage/**', '.state/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: Object.fromEntries(
        ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval',
          'clearInterval', 'setImmediate', 'clearImmediate', 'performance', 'fetch', 'AbortController', 'AbortSignal',
          'TextEncoder', 'TextDecoder', 'structuredClone', 'queueMicrotask', 'Response', 'Request', 'Headers']
          .map((name) => [name, 'readonly']),
      ),
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Pure modules import no I/O package (STYLE.md): enforced, not just documented.
    files: ['agent/src/model/**/*.ts', 'agent/src/reconcile/desired*.ts', 'agent/src/reconcile/plan*.ts', 'agent/src/snort/render*.ts', 'agent/src/alerts/normalise*.ts', 'agent/src/alerts/enrich*.ts', 'agent/src/alerts/lines*.ts', 'agent/src/sinks/elasticsearch/document*.ts', 'agent/src/sinks/elasticsearch/classify*.ts'],
    ignores: ['**/*.test.ts', 'agent/src/model/interfaces/resolve*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'net', 'node:net', 'http', 'node:http', 'execa', 'chokidar', 'winston', '@elastic/elasticsearch', '@kubernetes/client-node'] }],
    },
  },
);
