/**
 * The claim function against the Kubernetes API (fixture or KUBECONFIG's cluster), the shipped
 * claim store, events as the watcher builds them: a claim is taken on (finalizer), bound to a
 * matching available host that a policy allows, its data copied next to the host, the host's
 * progress mirrored; deleted, it releases the host before its finalizer goes, and a pending
 * claim then binds the released host; a selector that no longer admits the bound host releases it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildClaimRequestedEvent } from '../../../events/src/build.ts';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import { HOST_CLAIM_FINALIZER } from '../../../shared/src/api/hostclaim.ts';
import { createClaimHandler } from '../../../shared/src/handler/create-claim-handler.ts';
import { createRestClaimStoreFor } from '../../../shared/src/k8s/claim-store.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { claim as claimFunction } from '../../../functions/claim/src/transition.ts';
import { startClaimBed } from '../../claims/claim-bed.ts';
import type { ClaimBed } from '../../claims/claim-bed.ts';

const TENANT = 'tenant-life';
const OTHER = 'tenant-other';
let bed: ClaimBed;
let close: () => void;
let handler: ReturnType<typeof createClaimHandler>;

const HARDWARE = {
  cpu: { arch: 'x86_64', count: 8, model: 'x', clockMegahertz: 2000, flags: [] },
  ramMebibytes: 16384,
  nics: [{ name: 'eth0', mac: '52:54:00:00:00:01', ip: '192.0.2.10', model: 'virtio', speedGbps: 1, pxe: true, vlanId: 0 }],
  storage: [{ name: '/dev/sda', sizeBytes: 100_000_000_000, rotational: false }],
  systemVendor: { manufacturer: 'QEMU', productName: 'Standard PC', serialNumber: 'SECRET-SERIAL' },
  firmware: { bios: { date: '', vendor: '', version: '' } },
  hostname: 'worker-a',
};

/** One delivery of the event the watcher would send for the claim as it is now. */
async function kick(namespace: string, name: string) {
  const c = await bed.getClaim(namespace, name);
  if (!c) return undefined;
  return handler.processEvent(structuredClone(buildClaimRequestedEvent({ claim: c, reason: 'spec-changed', source: '/metal3/watcher/test' })) as unknown as Record<string, unknown>);
}

beforeAll(async () => {
  bed = await startClaimBed();
  await bed.createNamespace(TENANT, { team: 'a' });
  await bed.createNamespace(OTHER, { team: 'b' });
  const store = createRestClaimStoreFor(bed.cluster.kubeConfig());
  close = store.close;
  handler = createClaimHandler(claimFunction, { claims: store.claims, config: { allowedSources: [], MAX_STEPS: 12 }, log: createLogger({ level: 'silent' }) });
  await bed.createPolicy('team-a', { hostClaimNamespaces: { hasLabels: [{ name: 'team', value: 'a' }] } });
  await bed.createSecret(TENANT, 'ud', { userData: '#cloud-config\nhostname: a\n' });
  await bed.createSecret(TENANT, 'nd', { networkData: '{"links":[]}' });
}, 60_000);

afterAll(async () => {
  close?.();
  await bed?.stop();
});

describe('claim function', () => {
  let first: StoredClaim;

  it('binds a claim to the one matching available host, copies its data next to the host and mirrors the host', async () => {
    // Prepare
    await bed.createAvailableHost('life-0', { rack: 'r1' }, HARDWARE);
    await bed.createAvailableHost('life-other-rack', { rack: 'r2' });
    first = await bed.createClaim(TENANT, 'first', {
      online: true, image: { url: 'http://images/os.qcow2', checksum: 'abc', checksumType: 'md5' }, customDeploy: { method: 'install_coreos' },
      userData: { name: 'ud' }, networkData: { name: 'nd' }, hostSelector: { matchLabels: { rack: 'r1' } },
    });

    // Act
    const result = await kick(TENANT, 'first');

    // Assess
    expect(result).toMatchObject({ kind: 'progressed', state: 'Bound' });
    const claim = (await bed.getClaim(TENANT, 'first'))!;
    expect(claim.metadata.finalizers).toContain(HOST_CLAIM_FINALIZER);
    expect(claim.status).toMatchObject({
      phase: 'Bound', bareMetalHost: { namespace: bed.hostNamespace, name: 'life-0' }, state: 'available', poweredOn: false,
      hardware: { cpuArch: 'x86_64', cpuCount: 8, ramMebibytes: 16384, storageGigabytes: 100, nicCount: 1, manufacturer: 'QEMU' },
      addresses: [{ type: 'InternalIP', address: '192.0.2.10' }, { type: 'Hostname', address: 'worker-a' }],
    });
    expect(JSON.stringify(claim.status)).not.toContain('SECRET-SERIAL');
    expect(claim.status?.conditions).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'Associated', status: 'True', reason: 'BareMetalHostAssociated' }),
      expect.objectContaining({ type: 'Synchronized', status: 'True' }),
    ]));
    const host = await bed.getHost('life-0');
    expect(host.spec).toMatchObject({
      online: true, image: { url: 'http://images/os.qcow2' }, customDeploy: { method: 'install_coreos' },
      consumerRef: { kind: 'HostClaim', name: 'first', namespace: TENANT, uid: first.metadata.uid },
      userData: { name: 'life-0-userdata', namespace: bed.hostNamespace },
      networkData: { name: 'life-0-networkdata', namespace: bed.hostNamespace },
    });
    expect((await bed.getHost('life-other-rack')).spec).not.toHaveProperty('consumerRef');
    const copy = await bed.getSecret(bed.hostNamespace, 'life-0-userdata');
    expect(copy?.ownerReferences).toEqual([expect.objectContaining({ kind: 'BareMetalHost', name: 'life-0', uid: host.metadata.uid })]);
  });

  it('mirrors host progress into the claim and ignores a duplicate event', async () => {
    // Prepare: the provision function moved the host on
    await bed.patchHostStatus('life-0', { provisioning: { state: 'provisioned', ID: 'node-life-0' }, poweredOn: true });

    // Act: the same event twice
    await kick(TENANT, 'first');
    const before = await bed.getClaim(TENANT, 'first');
    // a second later: a write the duplicate should not make would change lastUpdated, and so the resourceVersion
    await new Promise((r) => setTimeout(r, 1_100));
    await kick(TENANT, 'first');

    // Assess
    const after = (await bed.getClaim(TENANT, 'first'))!;
    expect(after.status).toMatchObject({ phase: 'Bound', state: 'provisioned', poweredOn: true });
    expect(after.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Provisioned', status: 'True' })]));
    expect(after.metadata.resourceVersion).toBe(before!.metadata.resourceVersion);
  });

  it('keeps a claim Pending with the reason while no host is available, and refuses namespaces no policy admits', async () => {
    // Prepare
    await bed.createClaim(TENANT, 'second', { online: false, hostSelector: { matchLabels: { rack: 'r1' } } });
    await bed.createAvailableHost('life-r3', { rack: 'r3' });
    await bed.createClaim(OTHER, 'outsider', { online: false, hostSelector: { matchLabels: { rack: 'r3' } } });

    // Act
    await kick(TENANT, 'second');
    await kick(OTHER, 'outsider');

    // Assess
    const second = (await bed.getClaim(TENANT, 'second'))!;
    expect(second.status).toMatchObject({ phase: 'Pending', errorMessage: expect.stringContaining('1 not available') });
    expect(second.status?.conditions).toEqual([expect.objectContaining({ type: 'Associated', status: 'False', reason: 'NoBareMetalHost' })]);
    const outsider = (await bed.getClaim(OTHER, 'outsider'))!;
    expect(outsider.status).toMatchObject({ phase: 'Pending', errorMessage: `no HostDeployPolicy admits claims of namespace ${OTHER}` });
    expect((await bed.getHost('life-r3')).spec).not.toHaveProperty('consumerRef');
  });

  it('releases the host of a deleted claim before its finalizer goes, and the pending claim then binds it', async () => {
    // Act: delete; the watcher sends the deleted claim's event, then (host changed) the pending claim's
    await bed.deleteClaim(TENANT, 'first');
    const released = await kick(TENANT, 'first');
    // the host finishes deprovisioning (the deprovision function's work) and is available again
    const spec = (await bed.getHost('life-0')).spec;
    await bed.patchHostStatus('life-0', { provisioning: { state: 'available', ID: 'node-life-0' }, poweredOn: false });
    await kick(TENANT, 'second');

    // Assess
    expect(released).toMatchObject({ kind: 'progressed', state: 'removed' });
    expect(await bed.getClaim(TENANT, 'first')).toBeUndefined();
    expect(spec).not.toHaveProperty('consumerRef');
    expect(spec).not.toHaveProperty('image');
    expect(spec).not.toHaveProperty('customDeploy');
    expect(spec).not.toHaveProperty('userData');
    expect(spec).toMatchObject({ online: false });
    expect(await bed.getSecret(bed.hostNamespace, 'life-0-userdata')).toBeUndefined();
    const second = (await bed.getClaim(TENANT, 'second'))!;
    expect(second.status).toMatchObject({ phase: 'Bound', bareMetalHost: { name: 'life-0' } });
  });

  it('releases the bound host when the selector no longer admits it, and waits Pending', async () => {
    // Act
    await bed.mergeClaim(TENANT, 'second', { spec: { hostSelector: { matchLabels: { rack: 'nowhere' } } } });
    await kick(TENANT, 'second');

    // Assess
    const second = (await bed.getClaim(TENANT, 'second'))!;
    expect(second.status).toMatchObject({ phase: 'Pending', errorMessage: 'no BareMetalHost matches the host selector' });
    expect(second.metadata.finalizers).toContain(HOST_CLAIM_FINALIZER);
    expect((await bed.getHost('life-0')).spec).not.toHaveProperty('consumerRef');
  });
});
