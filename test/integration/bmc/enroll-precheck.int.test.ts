/**
 * enroll's direct BMC pre-check on real parts: a wrong password (ipmi_sim over
 * RMCP+, the Redfish emulator over HTTPS) or an unreachable BMC becomes a
 * precise `registration error` within seconds, before any Ironic node exists.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freeTcpPort, freeUdpPort } from '../../bed/ports.ts';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, startBmcBed } from './bmc-bed.ts';
import type { BmcBed } from './bmc-bed.ts';

const WRONG = 'not-the-Passw0rd';
const REGISTRATION_ERROR = 'registration error';

describe('enroll › direct BMC pre-check', () => {
  let bed: BmcBed;

  beforeAll(async () => {
    bed = await startBmcBed({ ipmiBmcs: 1, redfish: { systems: 1 } });
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  /** Drives `name` to its registration error; returns the host and how long it took. */
  async function registrationErrorOf(name: string) {
    const t0 = performance.now();
    const host = await bed.drive(name, inError(REGISTRATION_ERROR), 30_000);
    return { host: host!, seconds: (performance.now() - t0) / 1000 };
  }

  /** The functions never asked Ironic to create a node for any host of this suite. */
  const createdNodes = () => bed.ironicCalls.filter((c) => c.method === 'POST' && c.path.startsWith('/v1/nodes'));

  it('records a registration error naming the IPMI BMC when ipmi_sim refuses the password', async () => {
    // Prepare
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi-wrong', { username: sim.username, password: WRONG });
    await bed.createHost('ipmi-wrong', { online: true, inspectionMode: 'disabled', bootMACAddress: '52:54:00:0b:00:01', bmc: { address: sim.address, credentialsName: 'ipmi-wrong' } });
    // Act
    const { host, seconds } = await registrationErrorOf('ipmi-wrong');
    // Assess
    expect(seconds).toBeLessThan(15);
    expect(host.status?.provisioning?.state).toBe('registering');
    expect(host.status?.errorMessage).toMatch(new RegExp(`^BMC ${sim.address} check failed: .*(auth|password|RAKP|unauthori)`, 'i'));
    expect(JSON.stringify(host.status)).not.toContain(WRONG);
    expect(await bed.nodeOf('ipmi-wrong')).toBeNull();
    expect(createdNodes()).toEqual([]);
    expect((await bed.eventsOf('ipmi-wrong')).some((e) => e.type === 'Warning' && e.note.includes('check failed'))).toBe(true);
  }, 60_000);

  it('records a registration error when the Redfish BMC answers 401', async () => {
    // Prepare
    const rf = bed.redfish!;
    const address = rf.systems[0]!.address.replace(/^redfish:/, 'redfish-virtualmedia:');
    await bed.createSecret('redfish-wrong', { username: REDFISH_USER, password: WRONG });
    await bed.createHost('redfish-wrong', { online: true, inspectionMode: 'disabled', bootMACAddress: '52:54:00:0b:00:02', bmc: { address, credentialsName: 'redfish-wrong' } });
    const before = rf.requests.length;
    // Act
    const { host, seconds } = await registrationErrorOf('redfish-wrong');
    // Assess
    expect(seconds).toBeLessThan(15);
    expect(host.status?.errorMessage).toMatch(new RegExp(`^BMC ${address.replace(/[.?]/g, '\\$&')} check failed: .*401`));
    expect(JSON.stringify(host.status)).not.toContain(WRONG);
    expect(rf.requests.slice(before).some((r) => r.status === 401)).toBe(true);
    expect(await bed.nodeOf('redfish-wrong')).toBeNull();
    expect(createdNodes()).toEqual([]);
  }, 60_000);

  it.each([
    { protocol: 'IPMI', mac: '52:54:00:0b:00:03', address: async () => `ipmi://127.0.0.1:${await freeUdpPort()}` },
    { protocol: 'Redfish', mac: '52:54:00:0b:00:04', address: async () => `redfish-virtualmedia://127.0.0.1:${await freeTcpPort()}/redfish/v1/Systems/1` },
  ])('records a registration error within seconds when the $protocol BMC does not answer', async ({ protocol, mac, address }) => {
    // Prepare
    const name = `dead-${protocol.toLowerCase()}`;
    const bmcAddress = await address();
    await bed.createSecret(name, { username: 'admin', password: 'whatever-it-is' });
    await bed.createHost(name, { online: true, inspectionMode: 'disabled', bootMACAddress: mac, bmc: { address: bmcAddress, credentialsName: name } });
    // Act
    const { host, seconds } = await registrationErrorOf(name);
    // Assess
    expect(seconds).toBeLessThan(20);
    expect(host.status?.errorMessage).toMatch(new RegExp(`^BMC ${bmcAddress.replace(/[.?]/g, '\\$&')} check failed: `));
    expect(await bed.nodeOf(name)).toBeNull();
    expect(createdNodes()).toEqual([]);
  }, 60_000);

  it('lets a host with the right IPMI password through to an Ironic node that manages it (control)', async () => {
    // Prepare
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi-good', { username: sim.username, password: sim.password });
    await bed.createHost('ipmi-good', { online: false, inspectionMode: 'disabled', automatedCleaningMode: 'disabled', bootMACAddress: '52:54:00:0b:00:05', bmc: { address: sim.address, credentialsName: 'ipmi-good' } });
    // Act
    await bed.drive('ipmi-good', inState('preparing'), 90_000);
    // Assess
    const node = await bed.nodeOf('ipmi-good');
    expect(node?.driver).toBe('ipmi');
    expect(node?.provision_state).toMatch(/^(manageable|cleaning|available)$/);
    expect(bed.bmcCalls.filter((c) => c.host.endsWith('/ipmi-good')).map((c) => c.op)).toEqual(['forHost', 'powerState']);
  }, 120_000);
});
