/** Types of jest.config.js's named exports (read by test/docs/readme.unit.test.ts). */
export declare const REAL_KUBE_SUITES: string[];
export declare const FIXTURE_ONLY_SUITES: Record<string, string>;
declare const config: object;
export default config;
