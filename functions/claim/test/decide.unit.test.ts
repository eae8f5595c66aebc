import { describe, expect, it } from '@jest/globals';
import type { StoredClaim, StoredPolicy } from '../../../shared/src/api/hostclaim.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { ClaimPhase } from '../../../shared/src/state-machine/transitions.ts';
import { decideClaim } from '../src/decide.ts';
import type { ClaimObserved } from '../src/observe.ts';

const NOW = new Date('2026-12-05T12:00:00Z');
const aClaim = (phase: string, spec: Partial<StoredClaim['spec']> = {}, status: Record<string, unknown> = {}): StoredClaim => ({
  metadata: { name: 'c', namespace: 'tenant', uid: 'claim-uid', generation: 1, finalizers: ['metal3.io/hostclaim'] },
  spec: { online: true, hostSelector: { matchLabels: { pool: 'a' } }, ...spec },
  status: { phase: phase as never, ...status },
});
const aHost = (name: string, o: { state?: string; labels?: Record<string, string>; consumer?: string; image?: string } = {}): StoredHost => ({
  metadata: { name, namespace: 'hosts', uid: `uid-${name}`, resourceVersion: '7', labels: o.labels ?? { pool: 'a' } } as StoredHost['metadata'],
  spec: { online: false, ...(o.consumer ? { consumerRef: { kind: 'HostClaim', name: 'x', uid: o.consumer } } : {}), ...(o.image ? { image: { url: o.image } } : {}) } as StoredHost['spec'],
  status: { provisioning: { state: o.state ?? 'available' } },
});
const ALLOW: StoredPolicy[] = [{ metadata: { name: 'p', namespace: 'hosts' }, spec: { hostClaimNamespaces: {} } }];
const observed = (o: Partial<ClaimObserved>): ClaimObserved => ({ policies: ALLOW, namespaceLabels: {}, admittedNamespaces: ['hosts'], candidates: [], orphans: [], named: undefined, tenantData: {}, copies: {}, ...o });
const ctx = (phase: ClaimPhase) => ({ now: NOW, phase, due: { kind: phase === ClaimPhase.Bound ? 'maintain' as const : 'work' as const, phase } });

describe('decideClaim', () => {
  it.each([
    { case: 'Pending, a host already names the claim → complete (bound)', claim: aClaim('Pending'), o: observed({ candidates: [aHost('h1', { consumer: 'claim-uid' })] }), kind: 'complete', action: undefined },
    { case: 'Pending, reserved host still eligible → bind it (consumerRef, resourceVersion-checked)', claim: aClaim('Pending', {}, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), o: observed({ named: aHost('h1'), candidates: [aHost('h1'), aHost('h2')] }), kind: 'continue', action: 'patchHost' },
    { case: 'Pending, reserved host taken by another claim → reserve another', claim: aClaim('Pending', {}, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), o: observed({ named: aHost('h1', { consumer: 'other' }), candidates: [aHost('h1', { consumer: 'other' }), aHost('h2')] }), kind: 'continue', action: 'reserve' },
    { case: 'Pending, nothing reserved, an eligible host → reserve it first', claim: aClaim('Pending'), o: observed({ candidates: [aHost('h1')] }), kind: 'continue', action: 'reserve' },
    { case: 'Pending, only provisioned or consumed hosts → wait, no action', claim: aClaim('Pending'), o: observed({ candidates: [aHost('h1', { state: 'provisioned' }), aHost('h2', { consumer: 'x' })] }), kind: 'continue', action: undefined },
    { case: 'Pending, no policy admits the namespace → wait, no action', claim: aClaim('Pending'), o: observed({ policies: [], candidates: [aHost('h1')] }), kind: 'continue', action: undefined },
    { case: 'Bound, host gone → complete (hostLost)', claim: aClaim('Bound', {}, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), o: observed({ named: null }), kind: 'complete', action: undefined },
    { case: 'Bound, labels no longer match → complete (selectorMismatch)', claim: aClaim('Bound', {}, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), o: observed({ named: aHost('h1', { consumer: 'claim-uid', labels: { pool: 'b' } }) }), kind: 'complete', action: undefined },
    { case: 'Bound, claim image not on the host → patch the host', claim: aClaim('Bound', { image: { url: 'http://i' } }, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), o: observed({ named: aHost('h1', { consumer: 'claim-uid' }) }), kind: 'continue', action: 'patchHost' },
    { case: 'Releasing, the host names the claim → clear it', claim: aClaim('Releasing', {}, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), o: observed({ named: aHost('h1', { consumer: 'claim-uid', image: 'http://i' }) }), kind: 'continue', action: 'patchHost' },
    { case: 'Releasing, no host names the claim → complete', claim: aClaim('Releasing'), o: observed({ candidates: [aHost('h1')] }), kind: 'complete', action: undefined },
  ])('$case', ({ claim, o, kind, action }) => {
    // Act
    const outcome = decideClaim(claim, o, ctx(claim.status!.phase as ClaimPhase));
    // Assess
    expect(outcome.kind).toBe(kind);
    expect(outcome.actions[0]?.do).toBe(action);
  });

  it('copies a tenant Secret before pointing the host at the copy, and holds the image back while a Secret is missing', () => {
    // Prepare
    const claim = aClaim('Bound', { image: { url: 'http://i' }, userData: { name: 'ud' }, networkData: { name: 'nd' } }, { bareMetalHost: { namespace: 'hosts', name: 'h1' } });
    const host = aHost('h1', { consumer: 'claim-uid' });
    // Act
    const withBoth = decideClaim(claim, observed({ named: host, tenantData: { userData: { userData: 'YQ==' }, networkData: { networkData: 'Yg==' } }, copies: {} }), ctx(ClaimPhase.Bound));
    const missing = decideClaim(claim, observed({ named: host, tenantData: { userData: { userData: 'YQ==' }, networkData: null }, copies: {} }), ctx(ClaimPhase.Bound));
    // Assess
    expect(withBoth.actions.map((a) => a.do)).toEqual(['putSecret', 'putSecret', 'patchHost']);
    expect((withBoth.actions[2] as { changes: Record<string, unknown> }).changes).toMatchObject({ image: { url: 'http://i' }, userData: { name: 'h1-userdata', namespace: 'hosts' } });
    expect((missing.actions.at(-1) as { changes: Record<string, unknown> }).changes).not.toHaveProperty('image');
    expect(missing.status).toMatchObject({ errorMessage: 'Secret tenant/nd (spec.networkData) not found' });
  });

  it('mirrors the host\'s error without its BMC address', () => {
    // Prepare
    const host = aHost('h1', { consumer: 'claim-uid' });
    host.spec.bmc = { address: 'ipmi://10.9.8.7:623', credentialsName: 'c' };
    host.status = { ...host.status, errorMessage: 'IPMI call to 10.9.8.7 failed (ipmi://10.9.8.7:623)' };
    // Act
    const outcome = decideClaim(aClaim('Bound', {}, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), observed({ named: host }), ctx(ClaimPhase.Bound));
    // Assess
    expect(outcome.status).toMatchObject({ errorMessage: 'IPMI call to [BMC] failed ([BMC])' });
  });

  it('hands the claim\'s custom deploy step to the host, and takes it back on release', () => {
    // Act
    const bound = decideClaim(aClaim('Bound', { customDeploy: { method: 'install_coreos' } }, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), observed({ named: aHost('h1', { consumer: 'claim-uid' }) }), ctx(ClaimPhase.Bound));
    const host = aHost('h1', { consumer: 'claim-uid' });
    (host.spec as { customDeploy?: { method: string } }).customDeploy = { method: 'install_coreos' };
    const released = decideClaim(aClaim('Releasing', {}, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), observed({ named: host }), ctx(ClaimPhase.Releasing));
    // Assess
    expect((bound.actions.find((a) => a.do === 'patchHost') as { changes: Record<string, unknown> }).changes).toMatchObject({ customDeploy: { method: 'install_coreos' } });
    const release = released.actions.find((a) => a.do === 'patchHost') as { changes: Record<string, unknown> };
    expect(Object.keys(release.changes)).toContain('customDeploy');
    expect(release.changes.customDeploy).toBeUndefined();
  });

  it('refuses an image pull Secret (it would be looked up in the hosts\' namespace)', () => {
    // Act
    const outcome = decideClaim(aClaim('Bound', { image: { url: 'oci://r/i', ociAuthSecretName: 'host-0-bmc' } }, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), observed({ named: aHost('h1', { consumer: 'claim-uid' }) }), ctx(ClaimPhase.Bound));
    // Assess
    expect(outcome).toMatchObject({ kind: 'fail', actions: [] });
  });

  it('refuses a data Secret of another namespace', () => {
    // Act
    const outcome = decideClaim(aClaim('Bound', { userData: { name: 'ud', namespace: 'hosts' } }, { bareMetalHost: { namespace: 'hosts', name: 'h1' } }), observed({ named: aHost('h1', { consumer: 'claim-uid' }) }), ctx(ClaimPhase.Bound));
    // Assess
    expect(outcome).toMatchObject({ kind: 'fail', message: expect.stringContaining('another namespace') });
  });
});
