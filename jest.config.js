// Unit tests live beside the source (agent/src/**/*.test.ts); adapter tests in agent/test/integration.
// ESM TypeScript: ts-jest transpiles only (tsc does the type check in `npm run typecheck`).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/agent'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testTimeout: 30000,
};
