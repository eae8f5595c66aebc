/** @module kube-api: the protocol-faithful Kubernetes API server fixture (see kube-api-fixture notes). */
export { startKubeApi, type KubeApiFixture, type KubeApiOptions, type KubeApiControl, type FailRule, type DelayRule, type RequestRecord } from './server.ts';
export type { KubeObject, ResourceDef } from './types.ts';
