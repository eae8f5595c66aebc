/**
 * Our IPMI client against a real OpenIPMI ipmi_sim (suite 3: ipmi_sim has no SHA-256), every
 * command cross-checked with `ipmitool -I lanplus -C 3` on the same simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BmcAuthError, BmcUnreachableError } from '../../errors.ts';
import { runIpmitool, startIpmiSim, type SimulatedBmc } from '../../../../test/bed/ipmi-sim.ts';
import { freeUdpPort } from '../../../../test/bed/ports.ts';
import { createIpmiClient, type IpmiClient, type IpmiClientOptions } from './client.ts';
import { createUdpSocket, type SocketFactory } from './transport.ts';

/** Records what our client puts on the wire (Open Session requests: payload type 0x10). */
function recordingSockets(): { factory: SocketFactory; sent: Buffer[] } {
  const sent: Buffer[] = [];
  const factory: SocketFactory = async (host, port) => {
    const socket = await createUdpSocket(host, port);
    return { ...socket, send: (d) => (sent.push(Buffer.from(d)), socket.send(d)) };
  };
  return { factory, sent };
}
const openSessionRequests = (sent: Buffer[]): Buffer[] => sent.filter((d) => d[4] === 0x06 && (d[5]! & 0x3f) === 0x10);

describe('IPMI client against ipmi_sim', () => {
  let sim: SimulatedBmc;
  let client: IpmiClient;
  const wire = recordingSockets();
  const clients: IpmiClient[] = [];
  const connect = (extra: Partial<IpmiClientOptions> = {}): IpmiClient => {
    const c = createIpmiClient({ host: sim.host, port: sim.port, username: sim.username, password: sim.password, ...extra });
    clients.push(c);
    return c;
  };
  const ipmitool = (...args: string[]) => runIpmitool(sim, args);

  beforeAll(async () => {
    sim = await startIpmiSim();
    client = connect({ socketFactory: wire.factory });
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await sim?.stop();
  });

  it('reads power off, as ipmitool does, falling back from suite 17 to 3', async () => {
    // Act
    const ours = await client.powerState();
    const theirs = await ipmitool('chassis', 'power', 'status');
    // Assess
    expect(ours).toBe('off');
    expect(theirs.stdout).toMatch(/Chassis Power is off/);
    expect(client.cipherSuite).toBe(3);
  });

  it('powers on so that ipmitool and the hardware see power on', async () => {
    await client.setPower('on');
    expect(await sim.power()).toBe('on');
    expect((await ipmitool('chassis', 'power', 'status')).stdout).toMatch(/Chassis Power is on/);
  });

  it('reads power off after ipmitool powered the host off', async () => {
    expect((await ipmitool('chassis', 'power', 'off')).ok).toBe(true);
    expect(await client.powerState()).toBe('off');
  });

  it('reads power changed out of band (someone pressed the button)', async () => {
    await sim.setPower(true);
    expect(await client.powerState()).toBe('on');
    await sim.setPower(false);
  });

  it('sets boot device pxe so that ipmitool reads selector 04', async () => {
    // Act
    await client.setBootDevice('pxe', { persistent: true, uefi: true });
    // Assess: ipmi_sim keeps only the selector (notes §5.2)
    const raw = await ipmitool('raw', '0x00', '0x09', '0x05', '0x00', '0x00');
    expect(raw.stdout.trim().split(/\s+/)[3]).toBe('04');
    expect(await sim.bootDevice()).toBe('pxe');
  });

  it.each([['cdrom', 'cdrom'], ['bios', 'bios'], ['disk', 'disk'], ['pxe', 'pxe']] as const)(
    'reads boot device %s after ipmitool set it', async (ipmitoolName, ours) => {
      const set = await ipmitool('chassis', 'bootdev', ipmitoolName);
      expect(set.stderr).not.toMatch(/failed/);
      expect((await client.bootDevice()).device).toBe(ours);
    });

  it.each([['cdrom', 'cdrom'], ['bios', 'bios'], ['disk', 'default']] as const)(
    'sets boot device %s on the hardware', async (device, simName) => {
      await client.setBootDevice(device);
      expect(await sim.bootDevice()).toBe(simName);
    });

  it('power cycles, resets and soft-offs through Chassis Control', async () => {
    // Prepare
    await client.setPower('on');
    const before = (await sim.calls()).length;
    // Act
    await client.setPower('reset');
    await client.setPower('soft-off');
    await client.setPower('cycle');
    // Assess: the chassis program saw each action exactly once
    const calls = (await sim.calls()).slice(before).filter((c) => c.startsWith('set'));
    expect(calls.filter((c) => c === 'set reset 1')).toHaveLength(1);
    expect(calls.filter((c) => c === 'set shutdown 1')).toHaveLength(1);
    expect(calls).toContain('set power 0');
  });

  it('reports device identity as ipmitool mc info does', async () => {
    const info = await client.info();
    const mc = (await ipmitool('mc', 'info')).stdout;
    expect(mc).toMatch(/Firmware Revision\s*:\s*9\.08/);
    expect(mc).toMatch(/Manufacturer ID\s*:\s*4753/);
    expect(info).toMatchObject({ firmwareVersion: '9.08', manufacturer: 'MontaVista (OpenIPMI)', model: 'product 0x0f02' });
    expect(['on', 'off']).toContain(info.powerState);
  });

  it('reuses one session across calls, and never offers suite 0', async () => {
    const opened = openSessionRequests(wire.sent).length;
    await client.powerState();
    await client.powerState();
    expect(openSessionRequests(wire.sent)).toHaveLength(opened);
    for (const d of openSessionRequests(wire.sent)) {
      // algorithm bytes of the auth / integrity / confidentiality records
      expect([[1, 1, 1], [3, 4, 1]]).toContainEqual([d[28], d[36], d[44]]);
    }
  });

  it('fails fast with BmcAuthError on a wrong password, although ipmi_sim accepts suite 0 with any password', async () => {
    // Prepare: prove the simulator's weakness first
    const suite0 = await runIpmitool(sim, ['-C', '0', 'chassis', 'power', 'status'], { password: 'totally-wrong' });
    expect(suite0.stdout).toMatch(/Chassis Power is/);
    const wrong = connect({ password: 'totally-wrong' });
    const started = Date.now();
    // Act + Assess
    const error = await wrong.powerState().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BmcAuthError);
    expect(String((error as Error).message)).not.toContain('totally-wrong');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('re-establishes the session once when the BMC forgot it (restarted)', async () => {
    // Prepare: a session exists; restart the BMC on the same port with the same user
    const c = connect({ timeoutMs: 300, retries: 1 });
    await c.powerState();
    const { port, username, password } = sim;
    await sim.stop();
    sim = await startIpmiSim({ port, username, password });
    // Act + Assess
    expect(await c.powerState()).toBe('off');
  });

  it('throws BmcUnreachableError naming host:port and the operation when nothing listens', async () => {
    // Prepare
    const port = await freeUdpPort();
    const c = createIpmiClient({ host: '127.0.0.1', port, username: 'admin', password: 'secret-never-shown', timeoutMs: 200, retries: 1 });
    clients.push(c);
    const started = Date.now();
    // Act
    const error = (await c.powerState().catch((e: unknown) => e)) as Error;
    // Assess
    expect(error).toBeInstanceOf(BmcUnreachableError);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('Get Chassis Status');
    expect(error.message).not.toContain('secret-never-shown');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
