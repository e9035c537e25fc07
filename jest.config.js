// SPDX-License-Identifier: Apache-2.0
// Two projects: unit specs next to the code (pure logic) and e2e specs over HTTP on PostgreSQL.
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
};
const common = {
  rootDir: '.',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
};

export default {
  globalSetup: '<rootDir>/test/global-setup.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  globalTeardown: '<rootDir>/test/global-teardown.js',
  rootDir: '.',
  transform,
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: common.moduleNameMapper,
  // jest-circus reads testTimeout from the global config only: set in a project it is ignored
  // (every test then gets 5 s). The e2e suites start processes and drive real clients.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
