/**
 * power on real parts: spec.online enforced through Ironic's power API, and a
 * power change made behind our back (directly on Ironic) detected from the
 * event's Ironic observation and corrected.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dueEvent, drive, driveTo } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';

describe('power (real Ironic, Kubernetes API)', () => {
  let bed: FunctionsBed;

  const powerRequests = (uuid: string) => bed.recorded.requests.filter((r) => r.method === 'PUT' && r.path === `/v1/nodes/${uuid}/states/power`);
  const waitForIronicPower = async (name: string, state: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while ((await bed.nodeOf(name))?.power_state !== state) {
      if (Date.now() > deadline) throw new Error(`Ironic never reported ${state} for ${name}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'power' });
    await bed.createSecret('creds', { username: 'admin', password: 'power-pass-8812' });
    await bed.createHost('pw', { online: true, automatedCleaningMode: 'disabled', bmc: { address: 'fake://pw', credentialsName: 'creds' } });
    await drive(bed, 'pw', { until: (h) => h?.status?.provisioning?.state === 'available' && h.status.poweredOn === true });
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('powers the node off through Ironic when spec.online becomes false; status.poweredOn follows Ironic', async () => {
    // Prepare
    const node = (await bed.nodeOf('pw'))!;
    expect(node.power_state).toBe('power on');
    bed.recorded.clear();

    // Act
    await bed.mergeHost('pw', { spec: { online: false } });
    const { host, steps } = await drive(bed, 'pw', { until: (h) => h?.status?.poweredOn === false });

    // Assess
    expect(steps.every((s) => s.transition === 'power')).toBe(true);
    expect(powerRequests(node.uuid).map((r) => [(r.body as { target: string }).target, r.status])).toEqual([['power off', 202]]);
    await waitForIronicPower('pw', 'power off');
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: false, provisioning: { state: 'available' } });
    // the state is kept: power is maintenance work in a stable state
    expect(host?.status?.provisioning?.state).toBe('available');
  });

  it('detects a power-on behind our back from the Ironic observation and powers the node off again', async () => {
    // Prepare: someone powers the node on directly in Ironic
    const node = (await bed.nodeOf('pw'))!;
    await bed.ironic.setPowerState(node.uuid, 'power on');
    await waitForIronicPower('pw', 'power on');
    bed.recorded.clear();
    const before = (await bed.getHost('pw'))!;
    expect(before.status?.poweredOn).toBe(false);

    // Act 1: what the watcher's poller would emit, seeing Ironic's power state
    const due = dueEvent(bed, before, await bed.nodeOf('pw'));

    // Assess 1: a power event carrying Ironic's observation
    expect(due?.transition).toBe('power');
    expect((due?.event.data as { observed: { ironic?: { powerState?: string } } }).observed.ironic?.powerState).toBe('power on');
    // without the observation nothing would be due: status alone still agrees with spec
    expect(dueEvent(bed, before, null)).toBeUndefined();

    // Act 2
    const result = await bed.handlers.power.processEvent(due!.event);
    await drive(bed, 'pw', { until: (h) => h?.status?.poweredOn === false });
    await waitForIronicPower('pw', 'power off');

    // Assess 2
    expect(result.kind).toBe('progressed');
    expect(powerRequests(node.uuid).map((r) => (r.body as { target: string }).target)).toEqual(['power off']);
    const after = (await bed.getHost('pw'))!;
    expect(after.status).toMatchObject({ operationalStatus: 'OK', poweredOn: false });
  });

  it('powers the node back on when spec.online becomes true again', async () => {
    // Act
    await bed.mergeHost('pw', { spec: { online: true } });
    const { host } = await drive(bed, 'pw', { until: (h) => h?.status?.poweredOn === true });

    // Assess
    await waitForIronicPower('pw', 'power on');
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: true });
    const afterwards = await driveTo(bed, 'pw', 'available');
    expect(afterwards.steps).toHaveLength(0);
  });
});
