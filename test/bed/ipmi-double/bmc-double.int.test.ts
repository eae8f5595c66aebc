/**
 * The suite-17 BMC double: first proven by independent clients (ipmitool -C 17, FreeIPMI -I 17),
 * then used to test our client's suite 17, downgrade refusal, non-idempotent commands and
 * session recovery, which ipmi_sim cannot show.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { BmcUnreachableError } from '../../../shared/src/errors.ts';
import { createIpmiClient, type IpmiClient, type IpmiClientOptions } from '../../../shared/src/bmc/ipmi/client.ts';
import { BmcDowngradeError, BmcOutcomeUnknownError } from '../../../shared/src/bmc/ipmi/errors.ts';
import { startIpmiDouble, type IpmiDouble, type IpmiDoubleOptions } from './bmc-double.ts';

interface Run { ok: boolean; out: string }

function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 20_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ ok: err === null, out: `${stdout}${stderr}` }));
  });
}

const ipmitool = (d: IpmiDouble, suite: number, args: string[], password = d.password): Promise<Run> =>
  run('/usr/bin/ipmitool', ['-I', 'lanplus', '-C', String(suite), '-H', d.host, '-p', String(d.port), '-U', d.username, '-E', '-N', '1', '-R', '1', ...args], { IPMI_PASSWORD: password });

/** FreeIPMI reads the password from a file only as root; -p is acceptable for a throwaway test password. */
const freeipmi = (bin: string, d: IpmiDouble, args: string[], password = d.password): Promise<Run> =>
  run(`/usr/sbin/${bin}`, ['-D', 'LAN_2_0', '-I', '17', '-h', `${d.host}:${d.port}`, '-u', d.username, '-p', password, ...args]);

describe('IPMI double (suite 17)', () => {
  const doubles: IpmiDouble[] = [];
  const clients: IpmiClient[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const startDouble = async (o: IpmiDoubleOptions = {}): Promise<IpmiDouble> => {
    const d = await startIpmiDouble(o);
    doubles.push(d);
    return d;
  };
  const connect = (d: IpmiDouble, o: Partial<IpmiClientOptions> = {}): IpmiClient => {
    const c = createIpmiClient({ host: d.host, port: d.port, username: d.username, password: d.password, ...o });
    clients.push(c);
    return c;
  };
  let bmc: IpmiDouble;

  beforeAll(async () => {
    bmc = await startDouble();
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(doubles.map((d) => d.stop()));
    await Promise.allSettled(cleanups.map((c) => c()));
  });

  describe('validated by independent clients', () => {
    it('serves ipmitool -C 17 power status, on and off', async () => {
      expect((await ipmitool(bmc, 17, ['chassis', 'power', 'status'])).out).toMatch(/Chassis Power is off/);
      expect((await ipmitool(bmc, 17, ['chassis', 'power', 'on'])).ok).toBe(true);
      expect(bmc.state.power).toBe(true);
      expect((await ipmitool(bmc, 17, ['chassis', 'power', 'status'])).out).toMatch(/Chassis Power is on/);
      expect((await ipmitool(bmc, 17, ['chassis', 'power', 'off'])).ok).toBe(true);
      expect(bmc.state.power).toBe(false);
      expect(bmc.openSessions.at(-1)).toEqual({ requested: [3, 4, 1], suite: 17 });
    });

    it('refuses ipmitool -C 17 with a wrong password', async () => {
      const r = await ipmitool(bmc, 17, ['chassis', 'power', 'status'], 'not-the-password');
      expect(r.ok).toBe(false);
    });

    it('serves FreeIPMI ipmipower -I 17 stat/on/off and ipmi-chassis status', async () => {
      expect((await freeipmi('ipmipower', bmc, ['--stat'])).out).toMatch(/: off/);
      expect((await freeipmi('ipmipower', bmc, ['--on'])).out).toMatch(/: ok/);
      expect(bmc.state.power).toBe(true);
      expect((await freeipmi('ipmi-chassis', bmc, ['-l', 'ADMIN', '--get-chassis-status'])).out).toMatch(/System Power\s*:\s*on/);
      expect((await freeipmi('ipmipower', bmc, ['--off'])).out).toMatch(/: ok/);
      expect(bmc.state.power).toBe(false);
    });

    it('refuses FreeIPMI with a wrong password', async () => {
      expect((await freeipmi('ipmipower', bmc, ['--stat'], 'not-the-password')).out).toMatch(/password invalid/);
    });
  });

  describe('our client', () => {
    it('picks suite 17 by itself and drives power', async () => {
      // Prepare
      const c = connect(bmc);
      // Act
      await c.setPower('on');
      // Assess
      expect(c.cipherSuite).toBe(17);
      expect(bmc.state.power).toBe(true);
      expect(await c.powerState()).toBe('on');
      expect((await ipmitool(bmc, 17, ['chassis', 'power', 'status'])).out).toMatch(/Chassis Power is on/);
      await c.setPower('off');
      expect((await freeipmi('ipmipower', bmc, ['--stat'])).out).toMatch(/: off/);
    });

    it('sets persistent UEFI boot from pxe so that ipmitool reads all three bits', async () => {
      const c = connect(bmc, { cipherSuite: 17 });
      await c.setBootDevice('pxe', { persistent: true, uefi: true });
      const read = (await ipmitool(bmc, 17, ['chassis', 'bootparam', 'get', '5'])).out;
      expect(read).toMatch(/Options apply to all future boots/);
      expect(read).toMatch(/BIOS EFI boot/);
      expect(read).toMatch(/Force PXE/);
      expect(await c.bootDevice()).toEqual({ device: 'pxe', persistent: true, uefi: true });
    });

    it('reads a one-time legacy cdrom boot that ipmitool set', async () => {
      await ipmitool(bmc, 17, ['chassis', 'bootdev', 'cdrom']);
      expect(await connect(bmc).bootDevice()).toEqual({ device: 'cdrom', persistent: false, uefi: false });
    });

    it('reads device identity', async () => {
      expect(await connect(bmc).info()).toMatchObject({ manufacturer: 'Intel', firmwareVersion: '2.17', powerState: 'off' });
    });

    it('falls back to suite 3 when the BMC offers only 3', async () => {
      const only3 = await startDouble({ suites: [3] });
      const c = connect(only3);
      expect(await c.powerState()).toBe('off');
      expect(c.cipherSuite).toBe(3);
      expect(only3.openSessions.map((o) => o.suite)).toEqual([undefined, 3]);
    });

    it.each([17, 3, undefined] as const)('rejects a downgraded Open Session Response (suite %s requested)', async (suite) => {
      // Prepare: a BMC that answers every Open Session with RAKP-HMAC-SHA1 / none / none
      const bad = await startDouble({ answerAlgorithms: [1, 0, 0] });
      // Act
      const error = await connect(bad, { cipherSuite: suite }).powerState().catch((e: unknown) => e);
      // Assess: refused, and no command ever ran
      expect(error).toBeInstanceOf(BmcDowngradeError);
      expect(bad.commands).toHaveLength(0);
    });

    it('never resends a power cycle whose reply was lost, and says so', async () => {
      // Prepare: the BMC executes Chassis Control 02 but its reply is lost
      const lossy = await startDouble({ loseReplyTo: (netFn, cmd, data) => netFn === 0 && cmd === 0x02 && data[0] === 0x02 });
      const c = connect(lossy, { timeoutMs: 300, retries: 3 });
      await c.powerState();
      // Act
      const error = (await c.setPower('cycle').catch((e: unknown) => e)) as Error;
      // Assess
      expect(error).toBeInstanceOf(BmcOutcomeUnknownError);
      expect(error.message).toMatch(/not resent.*reports power on/);
      expect(lossy.commands.filter((x) => x.netFn === 0 && x.cmd === 0x02)).toHaveLength(1);
    });

    it('resends an idempotent power on with the same rqSeq when its replies are lost', async () => {
      const lossy = await startDouble({ loseReplyTo: (netFn, cmd) => netFn === 0 && cmd === 0x02 });
      const c = connect(lossy, { timeoutMs: 200, retries: 2 });
      await c.powerState();
      const error = await c.setPower('on').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BmcUnreachableError);
      const sent = lossy.commands.filter((x) => x.cmd === 0x02);
      // 3 attempts on the first session, then once more on a fresh session (the old one might have been dropped)
      expect(sent.length).toBeGreaterThanOrEqual(3);
      expect(new Set(sent.slice(0, 3).map((x) => x.rqSeq)).size).toBe(1);
    });

    it('re-establishes its session once when the BMC dropped it', async () => {
      const d = await startDouble();
      const c = connect(d, { timeoutMs: 300, retries: 1 });
      await c.powerState();
      const opened = d.openSessions.length;
      d.dropSessions();
      expect(await c.powerState()).toBe('off');
      expect(d.openSessions.length).toBe(opened + 1);
    });

    it('ignores forged, unauthenticated, misaddressed and replayed replies', async () => {
      // Prepare: each genuine Get Chassis Status reply is preceded by four lies saying the opposite
      const d = await startDouble({ sendForgeries: true });
      const c = connect(d);
      // Act + Assess: the truth every time; after 64+ reads every rqSeq has a recorded "on" reply to replay
      await c.setPower('on');
      for (let i = 0; i < 70; i++) expect(await c.powerState()).toBe('on');
      await c.setPower('off');
      const reads = [];
      for (let i = 0; i < 70; i++) reads.push(await c.powerState());
      expect(reads.every((p) => p === 'off')).toBe(true);
    });

    it('closes its session on close()', async () => {
      const d = await startDouble();
      const c = createIpmiClient({ host: d.host, port: d.port, username: d.username, password: d.password });
      await c.powerState();
      expect(d.sessionCount()).toBe(1);
      await c.close();
      expect(d.sessionCount()).toBe(0);
    });

    it('is not held up by another client whose BMC is dead', async () => {
      // Prepare
      // a BMC that swallows every datagram (no ICMP refusal to end things early)
      const blackHole = createSocket('udp4');
      cleanups.push(() => new Promise<void>((resolve) => blackHole.close(() => resolve())));
      await new Promise<void>((resolve) => blackHole.bind(0, '127.0.0.1', () => resolve()));
      const dead = createIpmiClient({ host: '127.0.0.1', port: blackHole.address().port, username: 'admin', password: 'x', timeoutMs: 1000, retries: 1 });
      clients.push(dead);
      const live = connect(bmc);
      await live.powerState();
      // Act
      const pending = dead.powerState().catch((e: unknown) => e);
      const started = Date.now();
      await live.powerState();
      const liveMs = Date.now() - started;
      // Assess
      expect(liveMs).toBeLessThan(500);
      expect(await pending).toBeInstanceOf(BmcUnreachableError);
      expect(Date.now() - started).toBeGreaterThan(1_500);
    });
  });
});
