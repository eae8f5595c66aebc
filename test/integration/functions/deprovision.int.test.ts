/**
 * deprovision on real parts: clearing the image undeploys back to available;
 * deleting a provisioned host walks deprovisioning → powering off before
 * delete → deleting → Ironic node gone → finalizer removed → object gone;
 * deleting a host stuck in registering removes it too.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { upstreamConditionsOf } from '../support/conditions.ts';
import { drive, driveTo, driveToRemoval } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';

describe('deprovision (real Ironic, Kubernetes API)', () => {
  let bed: FunctionsBed;
  const image = () => ({ url: bed.files.urls['/images/host.qcow2'], checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' });

  async function provisionedHost(name: string): Promise<void> {
    await bed.createHost(name, { online: true, automatedCleaningMode: 'disabled', image: image(), bmc: { address: `fake://${name}`, credentialsName: 'creds' } });
    await driveTo(bed, name, 'provisioned');
  }

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'deprov' });
    await bed.createSecret('creds', { username: 'admin', password: 'deprov-pass-6406' });
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('undeploys and returns to available when the image is cleared', async () => {
    // Prepare
    await provisionedHost('clear');
    const uuid = (await bed.nodeOf('clear'))!.uuid;
    bed.recorded.clear();

    // Act
    await bed.mergeHost('clear', { spec: { image: null } });
    const { host, steps } = await driveTo(bed, 'clear', 'available');

    // Assess
    expect(steps[0]?.transition).toBe('deprovision');
    const undeploys = bed.recorded.requests.filter((r) => r.path === `/v1/nodes/${uuid}/states/provision` && (r.body as { target?: string }).target === 'deleted');
    expect(undeploys.map((r) => r.status)).toEqual([202]);
    expect(await bed.nodeOf('clear')).toMatchObject({ provision_state: 'available', instance_uuid: null });
    expect(host?.status?.provisioning?.image).toBeUndefined();
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', provisioning: { state: 'available', ID: uuid } });
    // offered again: AvailableForProvisioning, no longer Provisioned or Ready
    expect(upstreamConditionsOf(host)).toEqual({
      Manageable: 'True/Manageable', AvailableForProvisioning: 'True/Available', Provisioned: 'False/NotProvisioned',
      Ready: 'False/NotProvisioned', Progressing: 'False/NotProgressing', Healthy: 'Unknown/Unknown',
    });
    expect((await bed.eventsOf('clear')).map((e) => e.reason)).toEqual(expect.arrayContaining(['Deprovisioning', 'Available']));
  });

  it('deletes a provisioned host: deprovisioning → powering off before delete → deleting → node gone → object gone', async () => {
    // Prepare
    await provisionedHost('doomed');
    const uuid = (await bed.nodeOf('doomed'))!.uuid;
    bed.recorded.clear();

    // Act
    await bed.deleteHost('doomed');
    const marked = await bed.getHost('doomed');
    const { steps } = await driveToRemoval(bed, 'doomed');

    // Assess
    expect(marked?.metadata.deletionTimestamp).toBeTruthy();
    expect(steps.every((s) => s.transition === 'deprovision')).toBe(true);
    const reasons = (await bed.eventsOf('doomed')).map((e) => e.reason);
    const tail = reasons.slice(reasons.indexOf('Deprovisioning'));
    expect(tail).toEqual(['Deprovisioning', 'PoweringOffBeforeDelete', 'Deleting', 'Deleted']);
    expect(await bed.nodeOf('doomed')).toBeNull();
    expect(await bed.ironic.getNode(uuid)).toBeNull();
    const paths = bed.recorded.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(uuid, 'U')} ${JSON.stringify(r.body ?? '')}`);
    expect(paths).toEqual(expect.arrayContaining([
      'PUT /v1/nodes/U/states/provision {"target":"deleted"}',
      'PUT /v1/nodes/U/states/power {"target":"power off"}',
      'DELETE /v1/nodes/U ""',
    ]));
    // power off before the node is deleted
    expect(paths.findIndex((p) => p.startsWith('PUT /v1/nodes/U/states/power'))).toBeLessThan(paths.findIndex((p) => p.startsWith('DELETE')));
  });

  it('removes a host deleted while it is still registering (no Ironic node left behind)', async () => {
    // Prepare: registration fails on a missing Secret, so the host stays in registering
    await bed.createHost('stuck', { online: true, bmc: { address: 'fake://stuck', credentialsName: 'missing' } });
    await drive(bed, 'stuck', { until: (h) => h?.status?.operationalStatus === 'error' });
    expect((await bed.getHost('stuck'))?.status?.provisioning?.state).toBe('registering');

    // Act
    await bed.deleteHost('stuck');
    const { steps } = await driveToRemoval(bed, 'stuck');

    // Assess
    expect(steps.map((s) => s.transition)).toEqual(expect.arrayContaining(['deprovision']));
    expect(await bed.getHost('stuck')).toBeUndefined();
    expect(await bed.nodeOf('stuck')).toBeNull();
    expect((await bed.eventsOf('stuck')).map((e) => e.reason)).toEqual(expect.arrayContaining(['Deleting', 'Deleted']));
  });

  it('removes a host deleted after its Ironic node was created but before registration finished', async () => {
    // Prepare: a registered host put back to registering, as if deleted mid-registration
    await bed.createHost('midway', { online: true, bmc: { address: 'fake://midway', credentialsName: 'creds' } });
    await driveTo(bed, 'midway', 'inspecting');
    const host = (await bed.getHost('midway'))!;
    await bed.deps.hosts.replaceStatus(host, { ...host.status, provisioning: { ...(host.status?.provisioning ?? {}), state: 'registering' } });
    const uuid = (await bed.nodeOf('midway'))!.uuid;

    // Act
    await bed.deleteHost('midway');
    await driveToRemoval(bed, 'midway');

    // Assess
    expect(await bed.ironic.getNode(uuid)).toBeNull();
  });
});
