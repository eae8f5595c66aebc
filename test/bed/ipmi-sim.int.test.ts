/**
 * ipmi_sim BMCs started by the bed, driven directly with ipmitool -I lanplus -C 3.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { freeUdpPort } from './ports.ts';
import { isPidAlive } from './processes.ts';
import { runIpmitool, startIpmiSim, startIpmiSims, stopIpmiSims, udpSocketsOn, type SimulatedBmc } from './ipmi-sim.ts';
import { PortInUseError } from './errors.ts';

describe('startIpmiSim', () => {
  let bmc: SimulatedBmc | undefined;

  beforeAll(async () => {
    bmc = await startIpmiSim({ username: 'admin', password: 's3cret-pw' });
  }, 60_000);

  afterAll(async () => {
    await bmc?.stop();
  }, 30_000);

  it('describes itself as an ipmi:// address on loopback when started', () => {
    // Assess
    expect(bmc!.host).toBe('127.0.0.1');
    expect(bmc!.address).toBe(`ipmi://127.0.0.1:${bmc!.port}`);
  });

  it('powers on and off and reports status when ipmitool drives it', async () => {
    // Prepare
    const b = bmc!;
    expect(await b.power()).toBe('off');
    // Act + Assess
    expect((await runIpmitool(b, ['chassis', 'power', 'on'])).stdout).toContain('Up/On');
    expect(await b.power()).toBe('on');
    expect((await runIpmitool(b, ['chassis', 'power', 'status'])).stdout).toContain('Chassis Power is on');
    expect((await runIpmitool(b, ['chassis', 'power', 'off'])).stdout).toContain('Down/Off');
    expect(await b.power()).toBe('off');
    expect((await runIpmitool(b, ['chassis', 'power', 'status'])).stdout).toContain('Chassis Power is off');
  });

  it('stores the boot device when ipmitool sets bootdev pxe and then disk', async () => {
    // Prepare
    const b = bmc!;
    // Act
    await runIpmitool(b, ['chassis', 'bootdev', 'pxe']);
    // Assess: bootdev exits 0 even on failure (notes §5.5), so the state file is the oracle
    expect(await b.bootDevice()).toBe('pxe');
    // Act
    await runIpmitool(b, ['chassis', 'bootdev', 'disk']);
    // Assess: ipmi_sim names disk "default"
    expect(await b.bootDevice()).toBe('default');
  });

  it('reports an out-of-band power change when the state file is flipped', async () => {
    // Prepare
    const b = bmc!;
    // Act
    await b.setPower(true);
    // Assess
    expect((await runIpmitool(b, ['chassis', 'power', 'status'])).stdout).toContain('Chassis Power is on');
    await b.setPower(false);
    expect((await runIpmitool(b, ['chassis', 'power', 'status'])).stdout).toContain('Chassis Power is off');
  });

  it('refuses the session and leaves power alone when the password is wrong', async () => {
    // Prepare
    const b = bmc!;
    const before = await b.power();
    // Act
    const res = await runIpmitool(b, ['chassis', 'power', 'on'], { password: 'wrong-password' });
    // Assess
    expect(res.ok).toBe(false);
    expect(res.stderr).toMatch(/Unable to establish IPMI v2 \/ RMCP\+ session/);
    expect(await b.power()).toBe(before);
  });

  it('rejects a UDP port that is already bound, naming the port, without starting', async () => {
    // Prepare: hold a UDP port ourselves
    const port = await freeUdpPort();
    const holder: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(port, '127.0.0.1', resolve));
    try {
      // Act
      const started = Date.now();
      const attempt = startIpmiSim({ port });
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(String(port));
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('rejects the port of a running simulator although ipmi_sim itself would share it', async () => {
    // Act + Assess: ipmi_sim binds with SO_REUSEADDR, so only our pre-check stops a second one
    await expect(startIpmiSim({ port: bmc!.port })).rejects.toBeInstanceOf(PortInUseError);
    expect(await udpSocketsOn(bmc!.port)).toBe(1);
  });

  it('counts every socket sharing a UDP port when they bind with SO_REUSEADDR', async () => {
    // Prepare: two sockets on one port, the way two ipmi_sims would end up
    const port = await freeUdpPort();
    const socks = [createSocket({ type: 'udp4', reuseAddr: true }), createSocket({ type: 'udp4', reuseAddr: true })];
    for (const s of socks) await new Promise<void>((resolve) => s.bind(port, '127.0.0.1', resolve));
    try {
      // Act + Assess
      expect(await udpSocketsOn(port)).toBe(2);
    } finally {
      for (const s of socks) await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('removes its process and dir when stopped', async () => {
    // Prepare
    const extra = await startIpmiSim();
    // Act
    await extra.stop();
    // Assess
    expect(isPidAlive(extra.pid)).toBe(false);
    expect(existsSync(extra.dir)).toBe(false);
  });
});

describe('startIpmiSims', () => {
  let bmcs: SimulatedBmc[] = [];

  afterAll(async () => {
    await stopIpmiSims(bmcs);
  }, 30_000);

  it('starts 20 BMCs concurrently that all answer and power on independently', async () => {
    // Act
    bmcs = await startIpmiSims(20, { password: 'many-pw' });
    // Assess: distinct ports, every one answers, and powering one does not touch the others
    expect(new Set(bmcs.map((b) => b.port)).size).toBe(20);
    const answers = await Promise.all(bmcs.map((b) => runIpmitool(b, ['chassis', 'power', 'status'])));
    expect(answers.filter((a) => a.stdout.includes('Chassis Power is off'))).toHaveLength(20);
    await runIpmitool(bmcs[7]!, ['chassis', 'power', 'on']);
    const states = await Promise.all(bmcs.map((b) => b.power()));
    expect(states.filter((s) => s === 'on')).toHaveLength(1);
    expect(states[7]).toBe('on');
  }, 120_000);
});
