/**
 * Ironic's real `ipmi` driver (ipmitool) against an ipmi_sim BMC started by the bed:
 * power and boot-device requests through Ironic's REST API must reach the simulated hardware.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIpmiSim, type SimulatedBmc } from './ipmi-sim.ts';
import { connectOrStartIronic, type IronicEndpoint } from './ironic.ts';
import { expectStatus, waitForNode } from './ironic-rest.ts';

/** Poll a condition until true or the deadline; returns the last value seen. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(100);
    v = await read();
  }
  return v;
}

describe('startIronic › ipmi driver against startIpmiSim', () => {
  let ironic: IronicEndpoint | undefined;
  let bmc: SimulatedBmc | undefined;
  let uuid = '';

  beforeAll(async () => {
    // an IRONIC_URL Ironic must run on this host (the BMC is on 127.0.0.1) with the ipmi type enabled
    [ironic, bmc] = await Promise.all([connectOrStartIronic({ hardwareTypes: ['fake-hardware', 'ipmi'] }), startIpmiSim({ username: 'admin' })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([ironic?.stop(), bmc?.stop()]);
  }, 30_000);

  it('enrolls and manages an ipmi node when driver_info points at the simulator with cipher suite 3', async () => {
    // Prepare
    const { url } = ironic!;
    const b = bmc!;
    // Act
    const created = await expectStatus(url, 'POST', '/v1/nodes', 201, {
      name: 'bed-ipmi-0',
      driver: 'ipmi',
      driver_info: { ipmi_address: b.host, ipmi_port: b.port, ipmi_username: b.username, ipmi_password: b.password, ipmi_cipher_suite: 3 },
    });
    uuid = created.body.uuid as string;
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/provision`, 202, { target: 'manage' });
    const node = await waitForNode(url, uuid, 'provision_state', 'manageable', { timeoutMs: 60_000 });
    // Assess: verifying read the power state over IPMI, and Ironic never echoes the password
    expect(node.last_error).toBeNull();
    expect(await b.calls()).toContain('get power');
    const full = await expectStatus(url, 'GET', `/v1/nodes/${uuid}`, 200);
    expect(JSON.stringify(full.body)).not.toContain(b.password);
  }, 90_000);

  it('flips the simulator power file on then off when power is set through Ironic', async () => {
    // Prepare
    const { url } = ironic!;
    const b = bmc!;
    expect(uuid).not.toBe('');
    expect(await b.power()).toBe('off');
    // Act: power on
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/power`, 202, { target: 'power on' });
    await waitForNode(url, uuid, 'power_state', 'power on', { timeoutMs: 60_000 });
    // Assess
    expect(await b.power()).toBe('on');
    // Act: power off
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/states/power`, 202, { target: 'power off' });
    await waitForNode(url, uuid, 'power_state', 'power off', { timeoutMs: 60_000 });
    // Assess
    expect(await b.power()).toBe('off');
    expect(await b.calls()).toEqual(expect.arrayContaining(['set power 1', 'set power 0']));
  }, 150_000);

  it('sets the simulator boot device to pxe when Ironic sets boot_device pxe', async () => {
    // Prepare
    const { url } = ironic!;
    const b = bmc!;
    expect(await b.bootDevice()).not.toBe('pxe');
    // Act: synchronous 204
    await expectStatus(url, 'PUT', `/v1/nodes/${uuid}/management/boot_device`, 204, { boot_device: 'pxe', persistent: false });
    // Assess: the sim holds it, and Ironic reads it back from the BMC
    expect(await b.bootDevice()).toBe('pxe');
    const read = await expectStatus(url, 'GET', `/v1/nodes/${uuid}/management/boot_device`, 200);
    expect(read.body.boot_device).toBe('pxe');
  }, 60_000);

  it('adopts an out-of-band power change when the button is pressed behind Ironic', async () => {
    // Prepare
    const { url } = ironic!;
    const b = bmc!;
    // Act: as if someone pressed the power button
    await b.setPower(true);
    // Assess: the periodic sync (10 s) records it instead of switching the BMC back
    const node = await eventually(
      async () => (await expectStatus(url, 'GET', `/v1/nodes/${uuid}?fields=power_state`, 200)).body as { power_state: string },
      (n) => n.power_state === 'power on',
      30_000,
    );
    expect(node.power_state).toBe('power on');
    expect(await b.power()).toBe('on');
  }, 60_000);
});
