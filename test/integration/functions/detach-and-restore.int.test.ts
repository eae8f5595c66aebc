/**
 * Hosts that Ironic must let go of, and hosts moved between clusters, on real parts (real Ironic,
 * ipmi_sim, the API fixture), as upstream's baremetal-operator treats them:
 * - `baremetalhost.metal3.io/detached` deletes the Ironic node (maintenance + delete) without
 *   undeploying, cleaning or powering off; a detached host is never powered or deprovisioned, and
 *   deleting it only removes the finalizer: the machine keeps running with its disk untouched;
 * - removing the annotation registers the host again and adopts it (Ironic `adopt`), never redeploys;
 * - `baremetalhost.metal3.io/status` (clusterctl move) restores an empty status: a provisioned host
 *   is adopted by this cluster's Ironic, an available one comes back available, and an invalid
 *   annotation is an error on the host, never a fresh registration.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { Annotation } from '../../../shared/src/state-machine/states.ts';
import { credentialsVersionOf, drive, driveTo, driveToRemoval, dueEvent } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';

describe('detached and moved hosts (real Ironic, ipmi_sim, Kubernetes API)', () => {
  let bed: FunctionsBed;
  const image = () => ({ url: bed.files.urls['/images/host.qcow2']!, checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' });
  /** Ironic writes the functions sent since `from` (GETs left out), node UUIDs as U */
  const writesSince = (from: number, uuid?: string) => bed.recorded.requests.slice(from).filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${uuid ? r.path.replace(uuid, 'U') : r.path} ${JSON.stringify(r.body ?? '')}`);
  const detached = (h: StoredHost | undefined) => h?.status?.operationalStatus === 'detached';

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'detach', ipmiBmcs: 1 });
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi-creds', { username: sim.username, password: sim.password });
    await bed.createSecret('fake-creds', { username: 'admin', password: 'detach-pass-8812' });
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('detaches a provisioned IPMI host and deletes it without powering it off or deprovisioning it', async () => {
    // Prepare: a provisioned, powered-on machine
    const sim = bed.bmcs[0]!;
    await bed.createHost('ipmi-0', {
      online: true, bootMACAddress: '52:54:00:d0:00:01', inspectionMode: 'disabled', automatedCleaningMode: 'disabled',
      image: image(), bmc: { address: sim.address, credentialsName: 'ipmi-creds' },
    });
    await driveTo(bed, 'ipmi-0', 'provisioned', { timeoutMs: 120_000 });
    await drive(bed, 'ipmi-0', { until: (h) => h?.status?.poweredOn === true });
    const uuid = (await bed.nodeOf('ipmi-0'))!.uuid;
    expect(await sim.power()).toBe('on');
    const before = bed.recorded.requests.length;
    const simCallsBefore = (await sim.calls()).length;

    // Act 1: detach
    await bed.mergeHost('ipmi-0', { metadata: { annotations: { [Annotation.Detached]: '' } } });
    const { host: detachedHost } = await drive(bed, 'ipmi-0', { until: detached });
    // Act 2: the user turns it off in the spec and changes the image: nothing may happen
    await bed.mergeHost('ipmi-0', { spec: { online: false, image: { ...image(), url: `${image().url}?v=2` } } });
    const ignored = dueEvent(bed, (await bed.getHost('ipmi-0'))!, await bed.nodeOf('ipmi-0'), await credentialsVersionOf(bed, (await bed.getHost('ipmi-0'))!));
    // Act 3: delete
    await bed.deleteHost('ipmi-0');
    await driveToRemoval(bed, 'ipmi-0');

    // Assess: Ironic was told to forget the node, and nothing else
    expect(writesSince(before, uuid)).toEqual([
      'PUT /v1/nodes/U/maintenance {"reason":"detached from metal3"}',
      'DELETE /v1/nodes/U ""',
    ]);
    expect(await bed.ironic.getNode(uuid)).toBeNull();
    expect(detachedHost?.status).toMatchObject({ operationalStatus: 'detached', poweredOn: true, provisioning: { state: 'provisioned', ID: '', image: { url: image().url } } });
    expect(ignored).toBeUndefined();
    // the machine: still on, its BMC never asked to change power after the detach
    expect(await sim.power()).toBe('on');
    // Ironic may still read the power state until the node is gone; nothing ever sets it
    expect((await sim.calls()).slice(simCallsBefore).filter((c) => c.startsWith('set power'))).toEqual([]);
    const reasons = (await bed.eventsOf('ipmi-0')).map((e) => e.reason);
    expect(reasons).not.toContain('Deprovisioning');
    expect(reasons).not.toContain('PoweringOffBeforeDelete');
    expect(reasons).toEqual(expect.arrayContaining(['Deleting', 'Deleted']));
  }, 240_000);

  it('holds the delete of a detached host with deleteAction delay', async () => {
    // Prepare
    await bed.createHost('delay-0', { online: false, automatedCleaningMode: 'disabled', bmc: { address: 'fake://delay-0', credentialsName: 'fake-creds' } });
    await driveTo(bed, 'delay-0', 'available');
    await bed.mergeHost('delay-0', { metadata: { annotations: { [Annotation.Detached]: '{"deleteAction":"delay"}' } } });
    await drive(bed, 'delay-0', { until: detached });
    // Act
    await bed.deleteHost('delay-0');
    const host = await bed.getHost('delay-0');
    // Assess: nothing due; the object waits with its finalizer
    expect(dueEvent(bed, host!, await bed.nodeOf('delay-0'), await credentialsVersionOf(bed, host!))).toBeUndefined();
    expect(host?.metadata.deletionTimestamp).toBeTruthy();
    expect(host?.metadata.finalizers).toContain('baremetalhost.metal3.io');
    // releasing the hold (deleteAction delete) lets it go
    await bed.mergeHost('delay-0', { metadata: { annotations: { [Annotation.Detached]: '{"deleteAction":"delete"}' } } });
    await driveToRemoval(bed, 'delay-0');
  }, 120_000);

  it('adopts a detached host again when the annotation is removed: registered, adopted, never redeployed', async () => {
    // Prepare
    await bed.createHost('adopt-0', { online: true, automatedCleaningMode: 'disabled', image: image(), bmc: { address: 'fake://adopt-0', credentialsName: 'fake-creds' } });
    await driveTo(bed, 'adopt-0', 'provisioned');
    await bed.mergeHost('adopt-0', { metadata: { annotations: { [Annotation.Detached]: '' } } });
    await drive(bed, 'adopt-0', { until: detached });
    const before = bed.recorded.requests.length;
    // Act
    await bed.mergeHost('adopt-0', { metadata: { annotations: { [Annotation.Detached]: null } } });
    const { host } = await drive(bed, 'adopt-0', { until: (h) => h?.status?.operationalStatus === 'OK' });
    // Assess
    const node = (await bed.nodeOf('adopt-0'))!;
    expect(node.provision_state).toBe('active');
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', provisioning: { state: 'provisioned', ID: node.uuid } });
    const targets = bed.recorded.requests.slice(before).filter((r) => r.path.endsWith('/states/provision')).map((r) => (r.body as { target?: string }).target);
    expect(targets).toEqual(['manage', 'adopt']);
  }, 120_000);

  it('restores a moved provisioned host from the status annotation and adopts it (no deploy)', async () => {
    // Prepare: a provisioned host, then its copy as clusterctl move creates it (spec + status annotation, no status)
    await bed.createHost('src-0', { online: true, automatedCleaningMode: 'disabled', image: image(), bmc: { address: 'fake://src-0', credentialsName: 'fake-creds' } });
    const { host: source } = await driveTo(bed, 'src-0', 'provisioned');
    await bed.createHost('moved-0', source!.spec as Record<string, unknown>, { annotations: { [Annotation.Status]: JSON.stringify(source!.status) } });
    const before = bed.recorded.requests.length;
    // Act
    const { host } = await drive(bed, 'moved-0', { until: (h) => h?.status?.operationalStatus === 'OK' && h.status.provisioning?.state === 'provisioned' });
    // Assess
    const node = (await bed.nodeOf('moved-0'))!;
    expect(node.provision_state).toBe('active');
    expect(host?.metadata.annotations?.[Annotation.Status]).toBeUndefined();
    expect(host?.status?.provisioning).toMatchObject({ state: 'provisioned', ID: node.uuid, image: { url: image().url } });
    const targets = bed.recorded.requests.slice(before).filter((r) => r.path.endsWith('/states/provision')).map((r) => (r.body as { target?: string }).target);
    expect(targets).toEqual(['manage', 'adopt']);
    const reasons = (await bed.eventsOf('moved-0')).map((e) => e.reason);
    expect(reasons).toContain('StatusRestored');
    for (const never of ['Registering', 'Inspecting', 'Provisioning']) expect(reasons).not.toContain(never);
  }, 120_000);

  it('restores a moved available host straight to available (no inspection)', async () => {
    // Prepare
    await bed.createHost('src-1', { online: false, automatedCleaningMode: 'disabled', bmc: { address: 'fake://src-1', credentialsName: 'fake-creds' } });
    const { host: source } = await driveTo(bed, 'src-1', 'available');
    await bed.createHost('moved-1', source!.spec as Record<string, unknown>, { annotations: { [Annotation.Status]: JSON.stringify(source!.status) } });
    // Act
    const { host } = await drive(bed, 'moved-1', { until: (h) => h?.status?.operationalStatus === 'OK' && h.status.provisioning?.state === 'available' });
    // Assess
    expect((await bed.nodeOf('moved-1'))?.provision_state).toBe('available');
    expect(host?.status?.hardware).toEqual(source!.status?.hardware);
    const reasons = (await bed.eventsOf('moved-1')).map((e) => e.reason);
    for (const never of ['Registering', 'Inspecting', 'Preparing']) expect(reasons).not.toContain(never);
  }, 120_000);

  it('records an invalid status annotation as an error on the host, and registers nothing', async () => {
    // Prepare
    await bed.createHost('bad-0', { online: true, image: image(), bmc: { address: 'fake://bad-0', credentialsName: 'fake-creds' } }, { annotations: { [Annotation.Status]: '{"provisioning": {"state": "provisioned"' } });
    // Act
    const { host } = await drive(bed, 'bad-0', { until: (h) => h?.status?.operationalStatus === 'error' });
    // Assess
    expect(host?.status).toMatchObject({ errorType: 'registration error', errorMessage: expect.stringMatching(/^baremetalhost\.metal3\.io\/status is not JSON/) });
    expect(host?.metadata.annotations?.[Annotation.Status]).toBeDefined();
    expect(await bed.nodeOf('bad-0')).toBeNull();
    expect((await bed.eventsOf('bad-0')).map((e) => `${e.type}/${e.reason}`)).toContain('Warning/RegistrationError');
  }, 60_000);
});
