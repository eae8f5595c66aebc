/**
 * Reboot annotations on real parts (real Ironic, ipmi_sim, the API fixture), as upstream's
 * baremetal-operator treats them and as CAPM3's remediation uses them:
 * - `reboot.metal3.io/<key>` powers a provisioned host off and holds it off until the key is removed;
 * - `reboot.metal3.io` (no key) is a one-shot: removed once the host is off, which then comes back on;
 * - without `"mode":"hard"` the power off is Ironic's soft power off (ipmi_sim honours it);
 * - reboot annotations do not outlive the (de)provisioning they were set before (upstream clears them);
 * - status.poweredOn follows the machine throughout; nothing but power is ever asked of Ironic.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Annotation } from '../../../shared/src/state-machine/states.ts';
import { drive, driveTo, dueEvent } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';

describe('reboot annotations (real Ironic, ipmi_sim, Kubernetes API)', () => {
  let bed: FunctionsBed;
  let uuid: string;
  const image = () => ({ url: bed.files.urls['/images/host.qcow2']!, checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' });
  /** what was asked of Ironic since `from` (GETs left out) */
  const writesSince = (from: number) => bed.recorded.requests.slice(from).filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path.replace(uuid, 'U')} ${JSON.stringify(r.body ?? '')}`);
  /** the transition the watcher would emit for the host now, seeing Ironic's node (undefined: nothing due) */
  const dueNow = async (name: string) => dueEvent(bed, (await bed.getHost(name))!, await bed.nodeOf(name))?.transition;
  const simPowerSets = async (from: number) => (await bed.bmcs[0]!.calls()).slice(from).filter((c) => c.startsWith('set power'));

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'reboot', ipmiBmcs: 1 });
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi-creds', { username: sim.username, password: sim.password });
    await bed.createHost('node-0', {
      online: true, bootMACAddress: '52:54:00:d1:00:01', inspectionMode: 'disabled', automatedCleaningMode: 'disabled',
      image: image(), bmc: { address: sim.address, credentialsName: 'ipmi-creds' },
    });
    await driveTo(bed, 'node-0', 'provisioned', { timeoutMs: 120_000 });
    await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === true });
    uuid = (await bed.nodeOf('node-0'))!.uuid;
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('power-cycles the host exactly as CAPM3 remediation drives it (keyed hard reboot, held until the key is removed)', async () => {
    // Prepare
    const sim = bed.bmcs[0]!;
    expect(await sim.power()).toBe('on');
    const key = `${Annotation.RebootPrefix}/metal3-remediation-${randomUUID()}`;
    const before = bed.recorded.requests.length;
    const simBefore = (await sim.calls()).length;

    // Act 1: CAPM3 SetPowerOffAnnotation (its marshalled RebootAnnotationArguments), then waits for poweredOn false
    await bed.mergeHost('node-0', { metadata: { annotations: { [key]: '{"mode":"hard","force":false}' } } });
    const { host: off } = await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === false, timeoutMs: 60_000 });
    const simWhenOff = await sim.power();
    // Act 2: while the key is there nothing more is due: the host stays off
    const held = await dueNow('node-0');
    // Act 3: CAPM3 RemovePowerOffAnnotation, then waits for poweredOn true
    await bed.mergeHost('node-0', { metadata: { annotations: { [key]: null } } });
    const { host: on } = await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === true, timeoutMs: 60_000 });

    // Assess: a hard power off, then a power on; nothing else asked of Ironic (no deploy, undeploy or clean)
    expect(simWhenOff).toBe('off');
    expect(held).toBeUndefined();
    expect(await sim.power()).toBe('on');
    expect(writesSince(before)).toEqual([
      'PUT /v1/nodes/U/states/power {"target":"power off"}',
      'PUT /v1/nodes/U/states/power {"target":"power on"}',
    ]);
    expect(await simPowerSets(simBefore)).toHaveLength(2);
    expect(off?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: false, provisioning: { state: 'provisioned' } });
    expect(on?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: true, provisioning: { state: 'provisioned' } });
    expect(on?.metadata.annotations?.[key]).toBeUndefined();
    expect((await bed.nodeOf('node-0'))?.provision_state).toBe('active');
  }, 150_000);

  it('reboots once for the suffix-less reboot.metal3.io: removed when the host is off, then powered on again', async () => {
    // Prepare
    const sim = bed.bmcs[0]!;
    expect(await sim.power()).toBe('on');
    const before = bed.recorded.requests.length;

    // Act
    await bed.mergeHost('node-0', { metadata: { annotations: { [Annotation.RebootPrefix]: '{"mode":"hard"}' } } });
    const { steps } = await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === false });
    const { host } = await drive(bed, 'node-0', {
      until: (h) => h?.metadata.annotations?.[Annotation.RebootPrefix] === undefined && h?.status?.poweredOn === true, timeoutMs: 60_000,
    });

    // Assess
    expect(steps.every((s) => s.transition === 'power')).toBe(true);
    expect(await sim.power()).toBe('on');
    expect(writesSince(before)).toEqual([
      'PUT /v1/nodes/U/states/power {"target":"power off"}',
      'PUT /v1/nodes/U/states/power {"target":"power on"}',
    ]);
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: true, provisioning: { state: 'provisioned' } });
  }, 120_000);
  it('asks Ironic for a soft power off when the reboot annotation does not say hard', async () => {
    // Prepare
    const sim = bed.bmcs[0]!;
    expect(await sim.power()).toBe('on');
    const key = `${Annotation.RebootPrefix}/soft-check`;
    const before = bed.recorded.requests.length;

    // Act
    await bed.mergeHost('node-0', { metadata: { annotations: { [key]: '' } } });
    const { host: off } = await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === false, timeoutMs: 90_000 });
    await bed.mergeHost('node-0', { metadata: { annotations: { [key]: null } } });
    await drive(bed, 'node-0', { until: (h) => h?.status?.poweredOn === true, timeoutMs: 60_000 });

    // Assess
    expect(writesSince(before)).toEqual([
      'PUT /v1/nodes/U/states/power {"target":"soft power off"}',
      'PUT /v1/nodes/U/states/power {"target":"power on"}',
    ]);
    expect(off?.status).toMatchObject({ poweredOn: false, provisioning: { state: 'provisioned' } });
    expect(await sim.power()).toBe('on');
  }, 150_000);
  it('drops a reboot annotation left from before provisioning, so the new deployment is not powered off', async () => {
    // Prepare: an available host carrying a keyed reboot annotation (ignored while available)
    await bed.createSecret('fake-creds', { username: 'admin', password: 'reboot-pass-4471' });
    await bed.createHost('fake-0', { online: true, bootMACAddress: '52:54:00:d1:00:02', inspectionMode: 'disabled', automatedCleaningMode: 'disabled', bmc: { address: 'fake://fake-0', credentialsName: 'fake-creds' } });
    await driveTo(bed, 'fake-0', 'available');
    await drive(bed, 'fake-0', { until: (h) => h?.status?.poweredOn === true });
    await bed.mergeHost('fake-0', { metadata: { annotations: { [`${Annotation.RebootPrefix}/leftover`]: '{"mode":"hard"}' } } });
    const ignored = await dueNow('fake-0');
    const before = bed.recorded.requests.length;

    // Act
    await bed.mergeHost('fake-0', { spec: { image: image() } });
    await driveTo(bed, 'fake-0', 'provisioned', { timeoutMs: 90_000 });
    const { host } = await drive(bed, 'fake-0', { until: (h) => h?.status?.poweredOn === true });
    const after = await dueNow('fake-0');

    // Assess
    const fakeUuid = (await bed.nodeOf('fake-0'))!.uuid;
    expect(ignored).toBeUndefined();
    expect(host?.metadata.annotations?.[`${Annotation.RebootPrefix}/leftover`]).toBeUndefined();
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: true, provisioning: { state: 'provisioned' } });
    expect(after).toBeUndefined();
    const powerOffs = bed.recorded.requests.slice(before)
      .filter((r) => r.method === 'PUT' && r.path === `/v1/nodes/${fakeUuid}/states/power` && (r.body as { target: string }).target !== 'power on');
    expect(powerOffs).toEqual([]);
  }, 150_000);
});
