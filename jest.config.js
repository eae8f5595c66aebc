import { readFileSync } from 'node:fs';

const tsconfig = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8')).compilerOptions;

/** Jest in native ESM: `node --experimental-vm-modules` (see package.json "test"). */
const common = {
  testEnvironment: 'node',
  // fastify/faas-js-runtime leave globals behind; Jest 30 would warn on every file
  testEnvironmentOptions: { globalsCleanup: 'off' },
  extensionsToTreatAsEsm: ['.ts'],
  // keep `./x.ts` specifiers as written: Jest resolves the .ts files itself
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { ...tsconfig, rewriteRelativeImportExtensions: false } }],
  },
  modulePathIgnorePatterns: ['<rootDir>/functions/.*/dist/', '<rootDir>/.work/'],
};

/** @type {import('jest').Config} */
export default {
  projects: [
    // pure logic and in-process fakes: no Ironic, no simulators
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.test.ts'], testPathIgnorePatterns: ['/node_modules/'] },
    // real parts: Ironic, ipmi_sim, the Redfish emulator, the Kubernetes API fixture
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/**/*.int.test.ts'], testPathIgnorePatterns: ['/node_modules/'] },
  ],
  testTimeout: 120_000,
};
