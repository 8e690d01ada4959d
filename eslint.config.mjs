// ESLint (flat config) for the TypeScript of lib/, test/ and bench/ and the plain JavaScript of scripts/ and esm/: typescript-eslint's recommended
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
  {
    // Plain JavaScript run by Node as it is: the install and packaging scripts (CommonJS, since npm runs
    // the install script before anything is compiled) and the ES module entry esm/index.mjs.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
