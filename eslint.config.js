// Lint: correctness and architecture, not formatting (a formatter owns layout). The layering zones
// come from config/layers.js, the table the architecture test checks too.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { UNITS } from './config/layers.js';

/**
 * One zone per (unit, higher unit): files of `target` may not import from `from`. A lower unit
 * nested in a higher one (hygiene/secrets in hygiene) is excepted from the higher one's zone.
 */
function layeringZones() {
  const zones = [];
  for (const target of UNITS) {
    for (const from of UNITS) {
      if (from.rank <= target.rank) continue;
      const except = UNITS.filter((u) => u.rank <= target.rank && u.unit.startsWith(`${from.unit}/`)).map(
        (u) => `./${u.unit.slice(from.unit.length + 1)}`,
      );
      // A unit nested inside its target (the target's own sub-unit) is the target itself: skip.
      if (target.unit.startsWith(`${from.unit}/`) && except.length === 0) continue;
      zones.push({
        target: `./src/${target.unit}`,
        from: `./src/${from.unit}`,
        ...(except.length > 0 ? { except } : {}),
        message: `${target.layer} (${target.unit}) may not import ${from.layer} (${from.unit}): see docs/ARCHITECTURE.md`,
      });
    }
  }
  return zones;
}

export default tseslint.config(
  // examples/ are the sample applications Charter analyses (CommonJS on purpose), not project code.
  {
    ignores: [
      'dist/',
      '.cache/',
      'node_modules/',
      'coverage/',
      '**/fixtures/**',
      'test/corpus/',
      'examples/',
      'web/',
      'sensor/',
      'test/runtime-defense/app/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { 'import-x': importX },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        queueMicrotask: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    settings: {
      // Dependencies are parsed as TypeScript too; without this no-cycle cannot read them and sees no cycle.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // `_name` marks a value left unused on purpose (a tuple slot, a parameter an interface requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      // The rule guards `const self = this` closures; here `this` only starts walks up a scope chain (`let s = this`).
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    // Tests index into generated JSON documents; their assertions are the type check.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layeringZones() }] },
  },
);
