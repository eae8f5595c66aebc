/**
 * The claim function as it ships: `npm run bundle` output started as its image runs it
 * (`node dist/main.cjs` in functions/claim), against the Kubernetes API fixture. The catalogue
 * fixture in binary and structured mode, an invalid event answered 400, probes, and real work:
 * a claim bound to the one host its policy and selector admit.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildClaimRequestedEvent } from '../../events/src/build.ts';
import { ClaimEventType } from '../../events/src/types.ts';
import { buildBareMetalHostCrd, buildHardwareDataCrd, buildHostClaimCrd, buildHostDeployPolicyCrd } from '../../shared/src/api/crd.ts';
import type { StoredClaim } from '../../shared/src/api/hostclaim.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { bundleFunction } from '../../scripts/bundle.ts';
import { startKubeApi } from '../bed/kube-api/index.ts';
import type { KubeApiFixture } from '../bed/kube-api/index.ts';
import { loadEventFixture, postEvent, postRaw, REPO_ROOT, startFunctionProcess } from './function-process.ts';
import type { FunctionProcess } from './function-process.ts';

const HOSTS_NS = 'metal3';
const TENANT = 'team-a';
let api: KubeApiFixture;
let fn: FunctionProcess;

beforeAll(async () => {
  await bundleFunction('claim');
  api = await startKubeApi({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd(), buildHostClaimCrd(), buildHostDeployPolicyCrd()], namespaces: ['default', HOSTS_NS, TENANT] });
  fn = await startFunctionProcess({ dir: join(REPO_ROOT, 'functions', 'claim'), env: { KUBECONFIG: await api.writeKubeconfig() }, readyTimeoutMs: 60_000, pollMs: 20 });
}, 120_000);

afterAll(async () => {
  await fn?.stop();
  await api?.stop();
});

describe('bundled claim function', () => {
  it.each(['binary', 'structured'] as const)('answers the catalogue fixture (a claim that does not exist) with a 200 no-op in %s mode', async (mode) => {
    // Act
    const res = await postEvent(fn.url, await loadEventFixture(ClaimEventType.claim), mode);
    // Assess
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ result: 'ignored' });
  });

  it('answers an invalid event 400 with the reason, never retried', async () => {
    // Prepare
    const ev = await loadEventFixture(ClaimEventType.claim);
    (ev.data as Record<string, unknown>).password = 'x';
    // Act
    const res = await postEvent(fn.url, ev, 'binary');
    // Assess
    expect(res.status).toBe(400);
    expect(res.body).toContain('password');
    expect((await postRaw(fn.url, { 'content-type': 'application/json' }, '{}')).status).toBe(400);
  });

  it('binds a claim to the host its policy and selector admit', async () => {
    // Prepare
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    api.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'b-0', namespace: HOSTS_NS, labels: { size: 'l' } }, spec: { online: false } });
    await custom.patchNamespacedCustomObjectStatus({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: HOSTS_NS, name: 'b-0', body: { status: {
      operationalStatus: 'OK', errorType: '', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: false, provisioning: { state: 'available', ID: 'n' },
    } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    api.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'HostDeployPolicy', metadata: { name: 'p', namespace: HOSTS_NS }, spec: { hostClaimNamespaces: { names: [TENANT] } } });
    const claim = api.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'HostClaim', metadata: { name: 'want-l', namespace: TENANT }, spec: { online: false, hostSelector: { matchLabels: { size: 'l' } } } }) as unknown as StoredClaim;
    // Act
    const res = await postEvent(fn.url, { ...buildClaimRequestedEvent({ claim, reason: 'spec-changed', source: '/metal3/watcher/test' }) }, 'binary');
    // Assess
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ result: 'progressed', state: 'Bound' });
    const host = (await custom.getNamespacedCustomObject({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: HOSTS_NS, name: 'b-0' })) as StoredHost;
    expect(host.spec).toMatchObject({ consumerRef: { kind: 'HostClaim', name: 'want-l', namespace: TENANT, uid: claim.metadata.uid } });
  });

  it('serves its probes', async () => {
    expect((await fetch(`${fn.url}/health/readiness`)).status).toBe(200);
    expect((await fetch(`${fn.url}/health/liveness`)).status).toBe(200);
  });
});
