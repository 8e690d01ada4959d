// ESLint (flat config) for the TypeScript of lib/, test/ and bench/: typescript-eslint's recommended
// rules plus the few this project relies on. `npm run lint` runs it; `npm test` runs it first.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // Unused bindings are dead code; a leading underscore marks a deliberately unused parameter.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Only lib/model/session.ts may import onnxruntime-node (the rest goes through the Model interface).
      'no-restricted-imports': ['error', { paths: [{ name: 'onnxruntime-node', message: 'Only lib/model/session.ts imports onnxruntime-node.' }] }],
      eqeqeq: ['error', 'always'],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['lib/model/session.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
