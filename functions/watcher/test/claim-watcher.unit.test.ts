import { describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import { createClaimWatcher } from '../src/claim-watcher.ts';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { silentLogger } from '../../../shared/src/log.ts';

const claim = (name: string, phase: string, generation = 1): StoredClaim => ({
  metadata: { name, namespace: 'tenant', uid: `uid-${name}`, generation, resourceVersion: '1', finalizers: phase ? ['metal3.io/hostclaim'] : [] },
  spec: { online: true },
  status: { phase: phase as never },
});
const host = (name: string, state: string, claimUid?: string, extra: Record<string, unknown> = {}): StoredHost => ({
  metadata: { name, namespace: 'hosts', uid: `host-${name}` },
  spec: { online: false, ...(claimUid ? { consumerRef: { kind: 'HostClaim', name: 'x', uid: claimUid } } : {}) } as StoredHost['spec'],
  status: { provisioning: { state }, ...extra },
});

function setUp() {
  const sent: CloudEvent<unknown>[] = [];
  const w = createClaimWatcher({ emit: async (e) => { sent.push(e); }, log: silentLogger });
  const subjects = () => sent.map((e) => `${e.subject}:${(e.data as { reason: string }).reason}`);
  return { w, sent, subjects };
}

describe('createClaimWatcher', () => {
  it('emits once for a new claim and not again for its own status writes', () => {
    // Prepare
    const { w, subjects } = setUp();
    // Act
    w.onClaimEvent({ type: 'upsert', claim: claim('a', '') });
    w.onClaimEvent({ type: 'upsert', claim: claim('a', '') });
    w.onClaimEvent({ type: 'upsert', claim: claim('a', 'Pending') });
    w.onClaimEvent({ type: 'upsert', claim: { ...claim('a', 'Pending'), status: { phase: 'Pending', errorMessage: 'x' } } });
    // Assess
    expect(subjects()).toEqual(['tenant/a:spec-changed', 'tenant/a:state-changed']);
  });

  it('sends a bound host\'s progress to its claim only when what the claim mirrors changes', () => {
    // Prepare
    const { w, subjects } = setUp();
    w.onClaimEvent({ type: 'upsert', claim: claim('a', 'Bound') });
    const before = subjects().length;
    // Act
    w.onHostEvent({ type: 'upsert', host: host('h', 'provisioning', 'uid-a') });
    w.onHostEvent({ type: 'upsert', host: host('h', 'provisioning', 'uid-a', { lastUpdated: 'later' }) });
    w.onHostEvent({ type: 'upsert', host: host('h', 'provisioned', 'uid-a', { poweredOn: true }) });
    // Assess
    expect(subjects().slice(before)).toEqual(['tenant/a:state-changed', 'tenant/a:state-changed']);
  });

  it('gives every pending claim another look when a host becomes available and unconsumed', () => {
    // Prepare
    const { w, subjects } = setUp();
    w.onClaimEvent({ type: 'upsert', claim: claim('bound', 'Bound') });
    w.onClaimEvent({ type: 'upsert', claim: claim('p1', 'Pending') });
    w.onClaimEvent({ type: 'upsert', claim: claim('p2', 'Pending') });
    w.onHostEvent({ type: 'upsert', host: host('h', 'deprovisioning', 'uid-bound') });
    const before = subjects().length;
    // Act: released (consumerRef cleared), then back to available
    w.onHostEvent({ type: 'upsert', host: host('h', 'deprovisioning') });
    w.onHostEvent({ type: 'upsert', host: host('h', 'available') });
    // Assess
    expect(subjects().slice(before)).toEqual(['tenant/bound:state-changed', 'tenant/p1:state-changed', 'tenant/p2:state-changed']);
  });

  it('resyncs only claims with work due (Pending, Releasing)', () => {
    // Prepare
    const { w, subjects } = setUp();
    w.onClaimEvent({ type: 'upsert', claim: claim('bound', 'Bound') });
    w.onClaimEvent({ type: 'upsert', claim: claim('p', 'Pending') });
    const before = subjects().length;
    // Act
    w.resync();
    // Assess
    expect(subjects().slice(before)).toEqual(['tenant/p:resync']);
  });
});
