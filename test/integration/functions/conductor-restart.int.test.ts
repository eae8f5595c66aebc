/**
 * What an Ironic restart leaves behind, on real Ironic, and how our functions
 * carry on from it. Each case was found by the 100-host chaos run; each test
 * fails without its fix.
 *
 * - A graceful restart during a power action releases the node's lock but
 *   leaves `target_power_state` set, with no error; Ironic never clears it (its
 *   power sync skips such nodes). power and deprovision treat a target without
 *   a lock as abandoned and ask again, which clears it.
 * - A restart breaks an inspection off into `inspect failed`. A duplicate
 *   `inspect` request can start a second inspection after ours finished, so a
 *   host already `preparing` may find its node there: back to `manageable`.
 * - A restart breaks a deploy off into `deploy failed`, which keeps its target
 *   `active` in Ironic's state machine while nothing runs: deprovision and
 *   power must not wait on it.
 * - Ironic fails nodes a stopped conductor left mid-step only when it starts,
 *   and at most `[conductor]periodic_max_workers` per state: the rest stay in
 *   `deploying` (or `inspecting`, `verifying`, …) with no lock, for good.
 *   provision reports such a node as abandoned; a delete goes through it.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIronicClient } from '../../../shared/src/ironic/client.ts';
import { isPowerChangeInProgress } from '../../../shared/src/ironic/states.ts';
import type { IronicClient, IronicNode } from '../../../shared/src/ironic/types.ts';
import { aHost } from '../../builders/host.ts';
import { startIronic, ensureIronicInstalled } from '../../bed/ironic.ts';
import type { FakeDelayName, IniSections, IronicInstance } from '../../bed/ironic.ts';
import type { FakeIronic } from '../../fakes/fake-ironic.ts';
import { decideOnce, testConfig } from '../../fakes/transition-harness.ts';
import { deprovision } from '../../../functions/deprovision/src/transition.ts';
import { inspect } from '../../../functions/inspect/src/transition.ts';
import { power } from '../../../functions/power/src/transition.ts';
import { provision } from '../../../functions/provision/src/transition.ts';

/** A fake-hardware Ironic on a kept database that can be restarted gracefully, with one node. */
interface RestartableIronic {
  readonly client: IronicClient;
  readonly node: IronicNode;
  /** SIGTERM, then started again on the same database and port */
  restart(): Promise<void>;
  /** polls the node (or the one named by uuid) until `test` holds */
  until(what: string, test: (n: IronicNode) => boolean, timeoutMs?: number, uuid?: string): Promise<IronicNode>;
  stop(): Promise<void>;
}

async function restartableIronic(fakeDelays: Partial<Record<FakeDelayName, number>>, extraConfig?: IniSections): Promise<RestartableIronic> {
  const dir = await mkdtemp(join(tmpdir(), 'conductor-restart-'));
  let instance: IronicInstance = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays, dir, ...(extraConfig ? { extraConfig } : {}) });
  let client = createIronicClient({ url: instance.url });
  const node = await client.createNode({ name: 'metal3~host-0', driver: 'fake-hardware', driver_info: {} });
  return {
    get client() { return client; },
    node,
    restart: async function restart() {
      const port = instance.port;
      await instance.stop();
      instance = await startIronic({ hardwareTypes: ['fake-hardware'], fakeDelays, dir, port, ...(extraConfig ? { extraConfig } : {}) });
      client = createIronicClient({ url: instance.url });
    },
    until: async function until(what, test, timeoutMs = 60_000, uuid = node.uuid) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const n = await client.getNode(uuid);
        if (n && test(n)) return n;
        if (Date.now() > deadline) {
          throw new Error(`node never ${what}: ${JSON.stringify({ state: n?.provision_state, target: n?.target_provision_state, power: n?.power_state, targetPower: n?.target_power_state, reservation: n?.reservation })}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async function stop() {
      await instance.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const unlocked = (n: IronicNode) => !n.reservation && !n.target_power_state;
const asFake = (client: IronicClient) => client as unknown as FakeIronic;

let bed: RestartableIronic | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

describe('a power change orphaned by an Ironic restart (real Ironic)', () => {
  const POWER_DELAY_S = 3;

  /** A power change in flight when Ironic is stopped gracefully and started again. */
  async function orphan(b: RestartableIronic, target: 'power on' | 'power off'): Promise<IronicNode> {
    await b.client.setPowerState(b.node.uuid, target);
    await b.until(`locked by the ${target}`, (n) => n.reservation !== null && n.target_power_state === target);
    await b.restart();
    return (await b.client.getNode(b.node.uuid))!;
  }

  it('Ironic keeps (21.4) or aborts with a last_error (39.0.0) the orphaned target, with no lock; power asks again and that clears it', async () => {
    // Prepare
    bed = await restartableIronic({ power: POWER_DELAY_S });
    await bed.client.setPowerState(bed.node.uuid, 'power off');
    await bed.until('settled power off', (n) => unlocked(n) && n.power_state === 'power off');
    await orphan(bed, 'power on');
    await new Promise((r) => setTimeout(r, (POWER_DELAY_S + 1) * 1000));
    const stuck = (await bed.client.getNode(bed.node.uuid))!;
    const host = aHost('provisioned').withOnline(true).withPoweredOn(false).withNode(bed.node.uuid).build();

    // Act
    const { summary } = await decideOnce(power, host, { ironic: asFake(bed.client) });
    await bed.client.setPowerState(bed.node.uuid, 'power on');
    const after = await bed.until('settled power on', (n) => unlocked(n) && n.power_state === 'power on');

    // Assess
    // 21.4 keeps the orphaned target silently; 39.0.0 clears it and says why in last_error
    const debian = (await ensureIronicInstalled()).build === 'debian';
    const orphanedBy21 = { power: 'power off', target: 'power on', reservation: null, lastError: null };
    const abortedBy39 = { power: 'power off', target: null, reservation: null, lastError: 'Pending power operation was aborted due to conductor restart' };
    expect({ power: stuck.power_state, target: stuck.target_power_state, reservation: stuck.reservation, lastError: stuck.last_error })
      .toEqual(debian ? orphanedBy21 : abortedBy39);
    expect(isPowerChangeInProgress(stuck)).toBe(false);
    // 39.0.0's last_error makes power report the aborted change as a failure once (it retries after the backoff)
    if (debian) expect(summary).toBe(`continue: power node ${bed.node.uuid} → power on`);
    else expect(summary).toMatch(/^fail/);
    expect(after.last_error).toBeNull();
  }, 180_000);

  it('deprovision powers off before delete through an orphaned target of its own', async () => {
    // Prepare: a manageable node (in enroll Ironic manages no power) with an orphaned power-off
    bed = await restartableIronic({ power: POWER_DELAY_S });
    await bed.client.setProvisionState(bed.node.uuid, 'manage');
    await bed.until('manageable', (n) => n.provision_state === 'manageable' && unlocked(n));
    await bed.client.setPowerState(bed.node.uuid, 'power on');
    await bed.until('settled power on', (n) => unlocked(n) && n.power_state === 'power on');
    const stuck = await orphan(bed, 'power off');
    const host = aHost('powering off before delete').withPoweredOn(true).withNode(bed.node.uuid).build();

    // Act
    const { summary } = await decideOnce(deprovision, host, { ironic: asFake(bed.client) });
    await bed.client.setPowerState(bed.node.uuid, 'power off');
    const after = await bed.until('settled power off', (n) => unlocked(n) && n.power_state === 'power off');

    // Assess
    expect([stuck.target_power_state, stuck.reservation]).toEqual([(await ensureIronicInstalled()).build === 'debian' ? 'power off' : null, null]);
    expect(summary).toBe(`continue: power node ${bed.node.uuid} → power off`);
    expect(after.target_power_state).toBeNull();
  }, 180_000);
});

describe('an inspection broken off by an Ironic restart (real Ironic)', () => {
  it('a preparing host whose node ended `inspect failed` goes back to manageable and on', async () => {
    // Prepare: a manageable node inspecting slowly, and Ironic restarted in the middle
    bed = await restartableIronic({ inspect: 30 }); // long enough that a graceful stop cannot finish it
    await bed.client.setProvisionState(bed.node.uuid, 'manage');
    await bed.until('manageable', (n) => n.provision_state === 'manageable' && !n.reservation);
    await bed.client.setProvisionState(bed.node.uuid, 'inspect');
    await bed.until('inspecting', (n) => n.provision_state === 'inspecting');
    await bed.restart();
    const failed = await bed.until('inspect failed', (n) => n.provision_state === 'inspect failed');
    const host = aHost('preparing').withNode(bed.node.uuid).build();

    // Act
    const { summary } = await decideOnce(inspect, host, { ironic: asFake(bed.client) });
    await bed.client.setProvisionState(bed.node.uuid, 'manage');
    await bed.until('manageable again', (n) => n.provision_state === 'manageable' && !n.reservation);
    const next = await decideOnce(inspect, host, { ironic: asFake(bed.client) });

    // Assess
    expect(failed.last_error).toMatch(/inspecting state can't be resumed/);
    expect(summary).toBe(`continue: provision node ${bed.node.uuid} → manage`);
    expect(next.summary).toMatch(new RegExp(`provision node ${bed.node.uuid} → provide$`));
  }, 180_000);
});

describe('a deploy broken off by an Ironic restart (real Ironic)', () => {
  it('`deploy failed` keeps target `active`; deprovision undeploys it and power acts, neither waits', async () => {
    // Prepare: an available node deploying slowly, and Ironic restarted in the middle
    bed = await restartableIronic({ deploy: 30 }); // likewise for the deploy
    await bed.client.setProvisionState(bed.node.uuid, 'manage');
    await bed.until('manageable', (n) => n.provision_state === 'manageable' && !n.reservation);
    await bed.client.setProvisionState(bed.node.uuid, 'provide');
    await bed.until('available', (n) => n.provision_state === 'available' && !n.reservation);
    await bed.client.patchNode(bed.node.uuid, [{ op: 'add', path: '/instance_info', value: { image_source: 'http://127.0.0.1:9/os.qcow2' } }]);
    await bed.client.setProvisionState(bed.node.uuid, 'active');
    await bed.until('deploying', (n) => n.provision_state === 'deploying');
    await bed.restart();
    const failed = await bed.until('deploy failed', (n) => n.provision_state === 'deploy failed');

    // Act
    const clean = await decideOnce(deprovision, aHost('deprovisioning').withNode(bed.node.uuid).build(), { ironic: asFake(bed.client) });
    const powered = await decideOnce(power, aHost('provisioned').withOnline(true).withPoweredOn(false).withNode(bed.node.uuid).build(), { ironic: asFake(bed.client) });

    // Assess
    expect([failed.target_provision_state, failed.reservation]).toEqual(['active', null]);
    expect(clean.summary).toBe(`continue: provision node ${bed.node.uuid} → deleted`);
    expect(powered.outcome.kind).not.toBe('retry');
  }, 180_000);
});

describe('deploys a restart leaves beyond periodic_max_workers (real Ironic)', () => {
  it('Ironic fails one per state and abandons the other; provision reports it, and a delete goes through it', async () => {
    // Prepare: two nodes deploying slowly; on start Ironic fails at most one node per state
    bed = await restartableIronic({ deploy: 30 }, { conductor: { periodic_max_workers: 1 } });
    const b = bed;
    const other = await b.client.createNode({ name: 'metal3~host-1', driver: 'fake-hardware', driver_info: {} });
    const uuids = [b.node.uuid, other.uuid];
    for (const uuid of uuids) {
      await b.client.setProvisionState(uuid, 'manage');
      await b.until('manageable', (n) => n.provision_state === 'manageable' && !n.reservation, 60_000, uuid);
      await b.client.setProvisionState(uuid, 'provide');
      await b.until('available', (n) => n.provision_state === 'available' && !n.reservation, 60_000, uuid);
      await b.client.patchNode(uuid, [{ op: 'add', path: '/instance_info', value: { image_source: 'http://127.0.0.1:9/os.qcow2' } }]);
    }
    for (const uuid of uuids) await b.client.setProvisionState(uuid, 'active');
    for (const uuid of uuids) await b.until('deploying', (n) => n.provision_state === 'deploying', 60_000, uuid);
    await b.restart();
    const after = await Promise.all(uuids.map(async (u) => (await b.client.getNode(u))!));
    const left = after.find((n) => n.provision_state === 'deploying');
    const config = testConfig({ IRONIC_ABANDONED_AFTER_MS: '2000' });
    await new Promise((r) => setTimeout(r, 2_500));
    const host = (state: 'provisioning' | 'deprovisioning' | 'powering off before delete' | 'deleting') =>
      aHost(state).named(left!.name!.split('~')[1]!).withImage('http://127.0.0.1:9/os.qcow2').withNode(left!.uuid);

    // Act: provision looks at it; then a delete runs through deprovision's three states, acting on real Ironic
    const reported = await decideOnce(provision, host('provisioning').build(), { ironic: asFake(b.client), config, now: new Date() });
    const undeploy = await decideOnce(deprovision, host('deprovisioning').deleted().build(), { ironic: asFake(b.client), config, now: new Date() });
    const powerOff = await decideOnce(deprovision, host('powering off before delete').deleted().withPoweredOn(true).build(), { ironic: asFake(b.client), config, now: new Date() });
    await b.client.setPowerState(left!.uuid, 'power off');
    await b.until('powered off', (n) => n.power_state === 'power off' && !n.target_power_state && !n.reservation, 60_000, left!.uuid);
    const deleting = await decideOnce(deprovision, host('deleting').deleted().build(), { ironic: asFake(b.client), config, now: new Date() });
    await b.client.setMaintenance(left!.uuid, true, 'BareMetalHost deleted');
    await b.client.deleteNode(left!.uuid);

    // Assess
    expect(after.map((n) => [n.provision_state, n.reservation]).sort()).toEqual([['deploy failed', null], ['deploying', null]]);
    expect(left!.target_provision_state).toBe('active');
    expect(reported.outcome.kind).toBe('fail');
    expect((reported.outcome as { message: string }).message).toMatch(/^Ironic node abandoned in "deploying" since 20\d\d-.*no conductor holds it/);
    expect(undeploy.summary).toBe('complete: (none)');
    expect(powerOff.summary).toBe(`continue: power node ${left!.uuid} → power off`);
    expect(deleting.summary).toBe(`continue: maintenance on for node ${left!.uuid} + delete Ironic node ${left!.uuid}`);
    expect(await b.client.getNode(left!.uuid)).toBeNull();
  }, 240_000);
});
