/**
 * A claim deleted while a function instance binds a host to it. The store that ships is wrapped
 * so that, right after the binding write, "another instance" deletes the claim (and, in the worst
 * case, finishes releasing it, having looked at the host before the binding landed). No host may
 * stay bound to a claim that is gone. And a host left naming a vanished claim is handed back
 * when a pending claim needs it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildClaimRequestedEvent } from '../../../events/src/build.ts';
import { createClaimHandler } from '../../../shared/src/handler/create-claim-handler.ts';
import { createRestClaimStoreFor } from '../../../shared/src/k8s/claim-store.ts';
import type { ClaimStore } from '../../../shared/src/k8s/claim-store.ts';
import { GROUP, VERSION } from '../../../shared/src/k8s/host-store.ts';
import { HOST_CLAIMS } from '../../../shared/src/k8s/claim-store.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { claim as claimFunction } from '../../../functions/claim/src/transition.ts';
import { startClaimBed } from '../../claims/claim-bed.ts';
import type { ClaimBed } from '../../claims/claim-bed.ts';

const TENANT = 'tenant-race-del';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let bed: ClaimBed;
let store: { claims: ClaimStore; close(): void };

/** The shipped store, with `interfere` run once right after the first binding write (consumerRef set). */
function storeInterferingAfterBind(interfere: () => Promise<void>): ClaimStore {
  let armed = true;
  return {
    ...store.claims,
    patchHostSpec: async (host, changes) => {
      const written = await store.claims.patchHostSpec(host, changes);
      if (armed && changes.consumerRef !== undefined) {
        armed = false;
        await interfere();
      }
      return written;
    },
  };
}

const handlerWith = (claims: ClaimStore) => createClaimHandler(claimFunction, { claims, config: { allowedSources: [], MAX_STEPS: 12 }, log: silentLogger });
async function kick(handler: ReturnType<typeof handlerWith>, name: string) {
  const c = await bed.getClaim(TENANT, name);
  return c ? handler.processEvent({ ...buildClaimRequestedEvent({ claim: c, reason: 'resync', source: '/metal3/watcher/test' }) }) : undefined;
}
const deleteClaim = (name: string) => bed.deleteClaim(TENANT, name);
const stripFinalizers = (name: string) => bed.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: HOST_CLAIMS, namespace: TENANT, name, body: { metadata: { finalizers: null } } }, merge);

beforeAll(async () => {
  bed = await startClaimBed();
  await bed.createNamespace(TENANT);
  // this tenant only: suites share a real API server, and a policy admitting every namespace would
  // admit other suites' claims to these hosts
  await bed.createPolicy('tenant', { hostClaimNamespaces: { names: [TENANT] } });
  store = createRestClaimStoreFor(bed.cluster.kubeConfig());
}, 60_000);

afterAll(async () => {
  store?.close();
  await bed?.stop();
});

describe('a claim deleted while its host is being bound', () => {
  it.each([
    { case: 'deleted and already released by another instance (gone)', interfere: async (n: string) => { await deleteClaim(n); await stripFinalizers(n); } },
    { case: 'deleted, finalizer still held (being deleted)', interfere: async (n: string) => { await deleteClaim(n); } },
  ])('leaves no host bound when the claim is $case', async ({ interfere }) => {
    // Prepare
    const suffix = Math.random().toString(36).slice(2, 7);
    const hostName = `del-${suffix}`;
    const name = `claim-${suffix}`;
    await bed.createAvailableHost(hostName, { pool: suffix });
    await bed.createClaim(TENANT, name, { online: true, hostSelector: { matchLabels: { pool: suffix } } });
    const racing = handlerWith(storeInterferingAfterBind(() => interfere(name)));
    const plain = handlerWith(store.claims);

    // Act: the racing delivery, then whatever the watcher sends for the claim afterwards
    await kick(racing, name);
    for (let i = 0; i < 3; i++) await kick(plain, name);

    // Assess
    expect(await bed.getClaim(TENANT, name)).toBeUndefined();
    expect((await bed.getHost(hostName)).spec).not.toHaveProperty('consumerRef');
  });

  it('hands back a host that still names a vanished claim when a pending claim needs it', async () => {
    // Prepare: a host bound to a claim that no longer exists (its finalizer was stripped by hand)
    await bed.createAvailableHost('ghost-host', { pool: 'ghost' });
    await bed.createClaim(TENANT, 'ghost', { online: false, hostSelector: { matchLabels: { pool: 'ghost' } } });
    await kick(handlerWith(store.claims), 'ghost');
    expect((await bed.getHost('ghost-host')).spec).toHaveProperty('consumerRef');
    await deleteClaim('ghost');
    await stripFinalizers('ghost');
    await bed.createClaim(TENANT, 'heir', { online: false, hostSelector: { matchLabels: { pool: 'ghost' } } });

    // Act
    const result = await kick(handlerWith(store.claims), 'heir');

    // Assess
    expect(result).toMatchObject({ kind: 'progressed', state: 'Bound' });
    expect((await bed.getHost('ghost-host')).spec).toMatchObject({ consumerRef: { name: 'heir', namespace: TENANT } });
  });
});
