// End-to-end suite (`npm run e2e`): real network namespaces, veths, traffic and the real CLI.
// Needs root; without it every suite skips and says why. Runs serially: suites share the host's network.
/** @type {import('jest').Config} */
export default {
  rootDir: '..',
  testEnvironment: 'node',
  roots: ['<rootDir>/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  maxWorkers: 1,
  testTimeout: 120000,
  passWithNoTests: true,
};
