/**
 * What an Ironic restart leaves behind, on real Ironic, and how our functions
 * carry on from it (both found by the 100-host chaos run).
 *
 * A power change orphaned by an Ironic restart: stopping the
 * service gracefully while a power action runs releases the node's lock but
 * leaves `target_power_state` set, with no error; Ironic never clears it (its
 * power sync skips such nodes). Found by the 100-host chaos run: a host stayed
 * in `powering off before delete` for good. power and deprovision must treat a
 * target without a lock as abandoned and ask again, which clears it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIronicClient } from '../../../shared/src/ironic/client.ts';
import { isPowerChangeInProgress } from '../../../shared/src/ironic/states.ts';
import type { IronicClient, IronicNode } from '../../../shared/src/ironic/types.ts';
import { aHost } from '../../builders/host.ts';
import { startIronic } from '../../bed/ironic.ts';
import type { IronicInstance } from '../../bed/ironic.ts';
import type { FakeIronic } from '../../fakes/fake-ironic.ts';
import { decideOnce } from '../../fakes/transition-harness.ts';
import { inspect } from '../../../functions/inspect/src/transition.ts';
import { power as powerFn } from '../../../functions/power/src/transition.ts';
import { power } from '../../../functions/power/src/transition.ts';
import { deprovision } from '../../../functions/deprovision/src/transition.ts';

const POWER_DELAY_S = 3;

describe('a power change orphaned by an Ironic restart (real Ironic)', () => {
  let dir: string;
  let ironic: IronicInstance | undefined;
  let client: IronicClient;
  let node: IronicNode;

  const until = async (what: string, test: (n: IronicNode) => boolean, timeoutMs = 30_000): Promise<IronicNode> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await client.getNode(node.uuid);
      if (n && test(n)) return n;
      if (Date.now() > deadline) throw new Error(`node never ${what}: ${JSON.stringify({ power: n?.power_state, target: n?.target_power_state, reservation: n?.reservation })}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const settled = (n: IronicNode) => !n.target_power_state && !n.reservation;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orphaned-power-'));
    ironic = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { power: POWER_DELAY_S }, dir });
    client = createIronicClient({ url: ironic.url });
    node = await client.createNode({ name: 'metal3~host-0', driver: 'fake-hardware', driver_info: {} });
    await client.setPowerState(node.uuid, 'power off');
    await until('settled power off', (n) => settled(n) && n.power_state === 'power off');

    // a power-on in flight when Ironic is stopped gracefully and started again on its database
    await client.setPowerState(node.uuid, 'power on');
    await until('locked by the power-on', (n) => n.reservation !== null && n.target_power_state === 'power on');
    const port = ironic.port;
    await ironic.stop();
    ironic = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { power: POWER_DELAY_S }, dir, port });
    client = createIronicClient({ url: ironic.url });
  }, 180_000);

  afterAll(async () => {
    await ironic?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('Ironic keeps the orphaned target with no lock and no error, long after the action would have ended', async () => {
    // Act
    await new Promise((r) => setTimeout(r, (POWER_DELAY_S + 1) * 1000));
    const n = (await client.getNode(node.uuid))!;

    // Assess
    expect({ power: n.power_state, target: n.target_power_state, reservation: n.reservation, lastError: n.last_error })
      .toEqual({ power: 'power off', target: 'power on', reservation: null, lastError: null });
    expect(isPowerChangeInProgress(n)).toBe(false);
  }, 30_000);

  it('power asks again for an online host instead of waiting forever, and that clears the target', async () => {
    // Prepare
    const host = aHost('provisioned').withOnline(true).withPoweredOn(false).withNode(node.uuid).build();

    // Act
    const { summary } = await decideOnce(power, host, { ironic: client as unknown as FakeIronic });
    await client.setPowerState(node.uuid, 'power on');
    const after = await until('settled power on', (n) => settled(n) && n.power_state === 'power on');

    // Assess
    expect(summary).toBe(`continue: power node ${node.uuid} → power on`);
    expect(after.last_error).toBeNull();
  }, 60_000);

  it('deprovision powers off before delete through an orphaned target of its own', async () => {
    // Prepare: a manageable node (in enroll Ironic manages no power), and a power-off orphaned the same way
    await client.setProvisionState(node.uuid, 'manage');
    await until('manageable', (n) => n.provision_state === 'manageable' && settled(n));
    await client.setPowerState(node.uuid, 'power off');
    await until('locked by the power-off', (n) => n.reservation !== null && n.target_power_state === 'power off');
    const port = ironic!.port;
    await ironic!.stop();
    ironic = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { power: POWER_DELAY_S }, dir, port });
    client = createIronicClient({ url: ironic.url });
    const orphan = (await client.getNode(node.uuid))!;
    expect([orphan.target_power_state, orphan.reservation]).toEqual(['power off', null]);
    const host = aHost('powering off before delete').withPoweredOn(true).withNode(node.uuid).build();

    // Act
    const { summary } = await decideOnce(deprovision, host, { ironic: client as unknown as FakeIronic });
    await client.setPowerState(node.uuid, 'power off');
    const after = await until('settled power off', (n) => settled(n) && n.power_state === 'power off');

    // Assess
    expect(summary).toBe(`continue: power node ${node.uuid} → power off`);
    expect(after.target_power_state).toBeNull();
  }, 120_000);
});

/**
 * An inspection broken off by a restart ends in `inspect failed`. At-least-once delivery can
 * start a second inspection after ours finished (a duplicate request that Ironic held until
 * the lock freed), so a host already `preparing` may find its node there: it goes back to
 * `manageable` and on to cleaning, without an error.
 */
describe('an inspection broken off by an Ironic restart (real Ironic)', () => {
  let dir: string;
  let ironic: IronicInstance | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'broken-inspection-'));
  });
  afterAll(async () => {
    await ironic?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a preparing host whose node ended `inspect failed` goes back to manageable and on', async () => {
    // Prepare: a manageable node inspecting slowly, and Ironic restarted in the middle
    ironic = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { inspect: 5 }, dir });
    let client = createIronicClient({ url: ironic.url });
    const node = await client.createNode({ name: 'metal3~host-0', driver: 'fake-hardware', driver_info: {} });
    const until = async (what: string, test: (n: IronicNode) => boolean): Promise<IronicNode> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const n = await client.getNode(node.uuid);
        if (n && test(n)) return n;
        if (Date.now() > deadline) throw new Error(`node never ${what}: ${n?.provision_state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await client.setProvisionState(node.uuid, 'manage');
    await until('manageable', (n) => n.provision_state === 'manageable' && !n.reservation);
    await client.setProvisionState(node.uuid, 'inspect');
    await until('inspecting', (n) => n.provision_state === 'inspecting');
    const port = ironic.port;
    await ironic.stop();
    ironic = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { inspect: 5 }, dir, port });
    client = createIronicClient({ url: ironic.url });
    const failed = await until('inspect failed', (n) => n.provision_state === 'inspect failed');
    expect(failed.last_error).toMatch(/inspecting state can't be resumed/);
    const host = aHost('preparing').withNode(node.uuid).build();

    // Act
    const { summary } = await decideOnce(inspect, host, { ironic: client as unknown as FakeIronic });
    await client.setProvisionState(node.uuid, 'manage');
    await until('manageable again', (n) => n.provision_state === 'manageable' && !n.reservation);
    const next = await decideOnce(inspect, host, { ironic: client as unknown as FakeIronic });

    // Assess
    expect(summary).toBe(`continue: provision node ${node.uuid} → manage`);
    expect(next.summary).toMatch(new RegExp(`provision node ${node.uuid} → provide$`));
  }, 180_000);
});

/**
 * A deploy broken off by a restart ends in `deploy failed`, which keeps its target `active` in
 * Ironic's state machine although nothing runs. Clean-up (deprovision) and power must not take that
 * target for work in progress (found by the 100-host chaos run: four hosts waited for good).
 */
describe('a deploy broken off by an Ironic restart (real Ironic)', () => {
  let dir: string;
  let ironic: IronicInstance | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'broken-deploy-'));
  });
  afterAll(async () => {
    await ironic?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('`deploy failed` keeps target `active`; deprovision undeploys it and power acts, neither waits', async () => {
    // Prepare: an available node deploying slowly, and Ironic restarted in the middle
    ironic = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { deploy: 5 }, dir });
    let client = createIronicClient({ url: ironic.url });
    const node = await client.createNode({ name: 'metal3~host-0', driver: 'fake-hardware', driver_info: {} });
    const until = async (what: string, test: (n: IronicNode) => boolean): Promise<IronicNode> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const n = await client.getNode(node.uuid);
        if (n && test(n)) return n;
        if (Date.now() > deadline) throw new Error(`node never ${what}: ${n?.provision_state} → ${n?.target_provision_state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await client.setProvisionState(node.uuid, 'manage');
    await until('manageable', (n) => n.provision_state === 'manageable' && !n.reservation);
    await client.setProvisionState(node.uuid, 'provide');
    await until('available', (n) => n.provision_state === 'available' && !n.reservation);
    await client.patchNode(node.uuid, [{ op: 'add', path: '/instance_info', value: { image_source: 'http://127.0.0.1:9/os.qcow2' } }]);
    await client.setProvisionState(node.uuid, 'active');
    await until('deploying', (n) => n.provision_state === 'deploying');
    const port = ironic.port;
    await ironic.stop();
    ironic = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays: { deploy: 5 }, dir, port });
    client = createIronicClient({ url: ironic.url });
    const failed = await until('deploy failed', (n) => n.provision_state === 'deploy failed');
    expect([failed.target_provision_state, failed.reservation]).toEqual(['active', null]);

    // Act
    const clean = await decideOnce(deprovision, aHost('deprovisioning').withNode(node.uuid).build(), { ironic: client as unknown as FakeIronic });
    const power = await decideOnce(powerFn, aHost('provisioned').withOnline(true).withPoweredOn(false).withNode(node.uuid).build(), { ironic: client as unknown as FakeIronic });

    // Assess
    expect(clean.summary).toBe(`continue: provision node ${node.uuid} → deleted`);
    expect(power.outcome.kind).not.toBe('retry');
  }, 180_000);
});
