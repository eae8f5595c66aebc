/**
 * The shipped HostStore under the shared handler shell, against a real API (the fixture, or the
 * cluster `KUBECONFIG` names): the two things a real apiserver does that a lax fixture hid.
 * A write that loses a resourceVersion race is answered 409 and the handler re-reads and converges
 * (a failed JSON-patch `test` would be a bare 422 the handler could only give up on); the Warning
 * Event it records is accepted (a generateName of `<host>.` is refused with 422).
 * Ironic is FakeIronic here: the subject is the Kubernetes path. The enroll step used fails on a
 * missing BMC Secret before any Ironic write.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { enroll } from '../../../functions/enroll/src/transition.ts';
import { connectCluster } from '../../../test/bed/cluster.ts';
import type { ClusterHandle } from '../../../test/bed/cluster.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { testConfig } from '../../../test/fakes/transition-harness.ts';
import { buildBareMetalHostCrd, buildHardwareDataCrd } from '../api/crd.ts';
import { createHandler } from '../handler/create-handler.ts';
import type { HandlerDeps, TransitionFunction } from '../handler/types.ts';
import { createLogger } from '../log.ts';
import type { HostStore, StoredHost } from './host-store.ts';
import { createRestHostStoreFor } from './rest-host-store.ts';

const G = { group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let cluster: ClusterHandle;
let ns: string;
let custom: CustomObjectsApi;
const closers: (() => void)[] = [];

beforeAll(async () => {
  cluster = await connectCluster({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd()], namespacePrefix: 'shipped-store' });
  ns = cluster.namespace;
  custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
}, 120_000);

afterAll(async () => {
  for (const c of closers) c();
  await cluster?.stop();
}, 60_000);

async function createHost(name: string): Promise<StoredHost> {
  return (await custom.createNamespacedCustomObject({
    ...G, namespace: ns,
    body: {
      apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name, namespace: ns },
      // no such Secret: enroll records a registration error on the host and a Warning Event
      spec: { online: false, bootMACAddress: '52:54:00:aa:bb:07', bmc: { address: 'ipmi://127.0.0.1:6230', credentialsName: `${name}-missing-bmc` } },
    },
  })) as StoredHost;
}

/** The shipped store, with another client writing the host just before our first status write. */
function racedStore(): { hosts: HostStore; writesRaced: () => number; lines: string[] } {
  const lines: string[] = [];
  const shipped = createRestHostStoreFor(cluster.kubeConfig(), { instance: 'shipped-store-test', log: createLogger({ level: 'warn', write: (l) => lines.push(l) }) });
  closers.push(shipped.close);
  let raced = 0;
  const hosts: HostStore = {
    ...shipped.hosts,
    replaceStatus: async (host, status) => {
      if (raced === 0) {
        raced++;
        await custom.patchNamespacedCustomObject({ ...G, namespace: ns, name: host.metadata.name, body: { metadata: { annotations: { 'example.com/touched': 'yes' } } } }, merge);
      }
      return shipped.hosts.replaceStatus(host, status);
    },
  };
  return { hosts, writesRaced: () => raced, lines };
}

describe('the shipped HostStore under the handler shell', () => {
  it('re-reads after a lost resourceVersion race (409) and records the error on the host with a Warning Event', async () => {
    // Prepare
    const host = await createHost('raced-0');
    const { hosts, writesRaced, lines } = racedStore();
    const deps: HandlerDeps = { hosts, ironic: new FakeIronic(), config: testConfig(), log: createLogger({ level: 'silent' }) };
    const handler = createHandler(enroll as unknown as TransitionFunction<never>, deps);
    const event = buildRequestedEvent({ host, transition: 'enroll', reason: 'state-changed', source: '/metal3/watcher/test' });

    // Act
    const result = await handler.processEvent(event);

    // Assess: the race happened, and the handler converged instead of crashing
    expect(writesRaced()).toBe(1);
    expect(result.kind).not.toBe('crashed');
    expect(result.kind).not.toBe('retry');
    const stored = (await custom.getNamespacedCustomObject({ ...G, namespace: ns, name: 'raced-0' })) as StoredHost;
    expect(stored.metadata.annotations).toMatchObject({ 'example.com/touched': 'yes' });
    expect(stored.status).toMatchObject({ operationalStatus: 'error', errorType: 'registration error' });
    expect(stored.status?.errorMessage).toContain('raced-0-missing-bmc');
    // the Event reached the API server under a name a real one accepts
    const events = await cluster.kubeConfig().makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
    const warnings = events.items.filter((e) => e.regarding?.name === 'raced-0' && e.type === 'Warning');
    expect(warnings.length).toBeGreaterThan(0);
    for (const e of warnings) expect(e.metadata?.name).toMatch(/^raced-0\.[0-9a-f]+$/);
    expect(lines.filter((l) => l.includes('could not record Kubernetes Event'))).toEqual([]);
  });
});
