// Lint rules, including the layer boundaries of docs/architecture.md: each layer may import only
// the layers below it, and only main.ts wires concrete adapters.
import tseslint from 'typescript-eslint'

const layers = ['config', 'core', 'authn', 'authz', 'kafka', 'store', 'http']

/** Forbids imports of the named project layers (and of any adapter folder) from files in `layer`. */
function boundary(layer, forbidden, extraPatterns = []) {
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden.map((other) => ({
              regex: `^(\\.\\./)+${other}(/|$)`,
              message: `The ${layer} layer may not import the ${other} layer (docs/architecture.md).`,
            })),
            {
              regex: '^(\\.\\./)+main\\.ts$',
              message: 'Only main.ts composes the application; nothing imports it.',
            },
            {
              regex: '^(\\.\\./)+(kafka|store)/(?!index\\.ts$|port\\.ts$)',
              message: 'Import a layer through its index.ts port; only main.ts imports adapters.',
            },
            ...extraPatterns,
          ],
        },
      ],
    },
  }
}

const onlyHttpKnowsFastify = {
  regex: '^(fastify|@fastify/)',
  message: 'Only the http layer knows Fastify.',
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'docs/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      // Async methods that implement a promise-returning port often have nothing to await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'off',
    },
  },
  boundary(
    'core',
    layers.filter((l) => l !== 'core'),
    [
      {
        regex: '^(?!node:|\\.)',
        message: 'core depends on nothing but Node built-ins.',
      },
    ],
  ),
  boundary('config', ['authn', 'authz', 'kafka', 'store', 'http'], [onlyHttpKnowsFastify]),
  boundary('authn', ['config', 'authz', 'kafka', 'http'], [onlyHttpKnowsFastify]),
  boundary('authz', ['config', 'authn', 'kafka', 'http'], [onlyHttpKnowsFastify]),
  boundary('kafka', ['config', 'authn', 'authz', 'store', 'http'], [onlyHttpKnowsFastify]),
  boundary('store', ['config', 'authn', 'authz', 'kafka', 'http'], [onlyHttpKnowsFastify]),
  boundary('http', []),
  // The CLI is a client of the public HTTP API: it may share pure core types, nothing of the server.
  boundary('cli', ['config', 'authn', 'authz', 'kafka', 'store', 'http'], [onlyHttpKnowsFastify]),
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests read response bodies as untyped JSON and assert on their shape.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  // The console's browser modules: plain JavaScript served as is (no build step), so the
  // type-aware rules, which need the TypeScript project, do not apply; the rest do.
  {
    files: ['console/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'module', parserOptions: { projectService: false, project: false } },
  },
)
