/**
 * Our Redfish client against our Redfish emulator (real HTTPS, real sessions, real state),
 * for every operation and every quirk mode; TLS trust per client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BmcAddressError, BmcAuthError, BmcUnreachableError, BmcUnsupportedError } from '../../errors.ts';
import { freeTcpPort } from '../../../../test/bed/ports.ts';
import { startRedfishEmulator, type EmulatorQuirks, type RedfishEmulator } from '../../../../test/bed/redfish-emulator/index.ts';
import { createRedfishClient, type RedfishClient, type RedfishClientOptions } from './client.ts';
import { BmcCertificateError } from './errors.ts';

const USER = 'admin';
const PASSWORD = 'Emul4ted-Pa55word';

const started: RedfishEmulator[] = [];
const clients: RedfishClient[] = [];

async function emulator(quirks: EmulatorQuirks = {}, extra: Partial<Parameters<typeof startRedfishEmulator>[0]> = {}): Promise<RedfishEmulator> {
  const e = await startRedfishEmulator({ username: USER, password: PASSWORD, quirks, ...extra });
  started.push(e);
  return e;
}
function clientFor(e: RedfishEmulator, over: Partial<RedfishClientOptions> = {}): RedfishClient {
  const c = createRedfishClient({ baseUrl: e.url, username: USER, password: PASSWORD, tls: { caPem: e.caPem }, pollMs: 50, ...over });
  clients.push(c);
  return c;
}

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(started.map((e) => e.stop()));
}, 30_000);

describe('createRedfishClient › against the emulator', () => {
  let bmc: RedfishEmulator;
  let id: string;

  beforeAll(async () => {
    bmc = await emulator({}, {
      powerOnDelayMs: 150,
      systems: [{
        manufacturer: 'Contoso', model: 'R7000', serialNumber: 'SER-42',
        cpu: { sockets: 1, coresPerSocket: 4, threadsPerSocket: 8, model: 'EPYC 7232P', maxSpeedMHz: 3100, instructionSet: 'x86-64', arch: 'x86' },
        dimmsMiB: [8192, 8192],
        nics: [{ mac: '52:54:00:AA:00:01', speedMbps: 25_000 }, { mac: '52:54:00:aa:00:02', speedMbps: 1000, enabled: false }],
        drives: [{ sizeBytes: 960_197_124_096, mediaType: 'SSD', protocol: 'SATA', model: 'MZ7', manufacturer: 'Samsung', serialNumber: 'S1' },
          { sizeBytes: 4_000_787_030_016, mediaType: 'HDD', protocol: 'SAS', model: 'ST4000', manufacturer: 'Seagate', serialNumber: 'H1' }],
        bios: { version: '1.7.3', vendor: 'Contoso', releaseDate: '2025-01-15' },
      }],
    });
    id = bmc.systems[0]!.id;
  }, 30_000);

  it('discovers the only system through the Systems link when no system path is given', async () => {
    // Act
    const path = await clientFor(bmc).systemPath();
    // Assess
    expect(path).toBe(bmc.systems[0]!.path);
  });

  it('powers on through PoweringOn and waits until the emulator reports On', async () => {
    // Prepare
    const c = clientFor(bmc);
    bmc.setPower(id, 'Off');
    // Act
    await c.setPower('on');
    // Assess
    expect(bmc.state(id).power).toBe('On');
    expect(await c.powerState()).toBe('on');
    const resets = bmc.requests.filter((r) => r.path.endsWith('ComputerSystem.Reset'));
    expect(resets.at(-1)?.body).toEqual({ ResetType: 'On' });
  });

  it('sends ForceOff for off, GracefulShutdown for soft-off and ForceRestart for reset', async () => {
    // Prepare
    const c = clientFor(bmc);
    bmc.setPower(id, 'On');
    // Act
    await c.setPower('off');
    const afterOff = bmc.state(id).power;
    await c.setPower('reset');
    const afterReset = bmc.state(id).power;
    await c.setPower('soft-off');
    // Assess
    expect(afterOff).toBe('Off');
    expect(afterReset).not.toBe('Off');
    expect(bmc.state(id).power).toBe('Off');
    const types = bmc.requests.filter((r) => r.path.endsWith('ComputerSystem.Reset')).slice(-3).map((r) => (r.body as { ResetType: string }).ResetType);
    expect(types).toEqual(['ForceOff', 'ForceRestart', 'GracefulShutdown']);
  });

  it('sends no Reset when the host is already in the requested power state', async () => {
    // Prepare
    const c = clientFor(bmc);
    bmc.setPower(id, 'Off');
    const before = bmc.requests.length;
    // Act
    await c.setPower('off');
    // Assess
    expect(bmc.requests.slice(before).some((r) => r.method === 'POST' && r.path.endsWith('Reset'))).toBe(false);
  });

  it('sets a persistent UEFI boot override with If-Match and reads it back', async () => {
    // Prepare
    const c = clientFor(bmc);
    // Act
    await c.setBootDevice('cdrom', { persistent: true, uefi: true });
    // Assess
    expect(bmc.state(id).boot).toEqual({ target: 'Cd', enabled: 'Continuous', mode: 'UEFI' });
    expect(await c.bootDevice()).toEqual({ device: 'cdrom', persistent: true, uefi: true });
    const patch = bmc.requests.filter((r) => r.method === 'PATCH').at(-1);
    expect(patch?.status).toBe(200);
    expect(patch?.ifMatch).toMatch(/^"[0-9a-f]+"$/);
  });

  it('re-reads the ETag once and succeeds when the system changed between GET and PATCH (412)', async () => {
    // Prepare: flip the power out of band right before the first PATCH leaves
    let flipped = false;
    const c = clientFor(bmc, {
      fetch: (input, init) => {
        if (!flipped && input instanceof Request && input.method === 'PATCH') {
          flipped = true;
          bmc.setPower(id, bmc.state(id).power === 'On' ? 'Off' : 'On');
        }
        return fetch(input, init);
      },
    });
    // Act
    await c.setBootDevice('pxe', { persistent: false });
    // Assess
    const patches = bmc.requests.filter((r) => r.method === 'PATCH').slice(-2).map((r) => r.status);
    expect(patches).toEqual([412, 200]);
    expect(bmc.state(id).boot).toMatchObject({ target: 'Pxe', enabled: 'Once' });
  });

  it('applies a one-time override on the next power-on only', async () => {
    // Prepare
    const c = clientFor(bmc);
    bmc.setPower(id, 'Off');
    await c.setBootDevice('pxe');
    // Act
    await c.setPower('on');
    // Assess
    expect(bmc.state(id).bootHistory.at(-1)).toBe('Pxe');
    expect(await c.bootDevice()).toMatchObject({ device: 'none', persistent: false });
  });

  it('builds status.hardware from processors, memory, NICs, drives, BIOS and vendor', async () => {
    // Act
    const inv = await clientFor(bmc).inventory();
    // Assess
    expect(inv).toEqual({
      cpu: { arch: 'x86_64', model: 'EPYC 7232P', clockMegahertz: 3100, count: 8, flags: [] },
      ramMebibytes: 16384,
      nics: [{ name: 'NIC1', mac: '52:54:00:aa:00:01', speedGbps: 25 }, { name: 'NIC2', mac: '52:54:00:aa:00:02', speedGbps: 1 }],
      storage: [
        { name: 'Drive 1', sizeBytes: 960_197_124_096, rotational: false, type: 'SSD', vendor: 'Samsung', model: 'MZ7', serialNumber: 'S1' },
        { name: 'Drive 2', sizeBytes: 4_000_787_030_016, rotational: true, type: 'HDD', vendor: 'Seagate', model: 'ST4000', serialNumber: 'H1' },
      ],
      systemVendor: { manufacturer: 'Contoso', productName: 'R7000', serialNumber: 'SER-42' },
      firmware: { bios: { version: '1.7.3', vendor: 'Contoso', date: '2025-01-15' } },
    });
  });

  it('reports identity and the BMC firmware in info()', async () => {
    // Act
    const info = await clientFor(bmc).info();
    // Assess
    expect(info).toMatchObject({ manufacturer: 'Contoso', model: 'R7000', serialNumber: 'SER-42', bmcId: `BMC-${id}`, firmwareVersion: expect.any(String) });
  });

  it('inserts, replaces and ejects a CD image through the InsertMedia/EjectMedia actions', async () => {
    // Prepare
    const c = clientFor(bmc);
    // Act
    await c.insertVirtualMedia('http://127.0.0.1:8080/first.iso');
    await c.insertVirtualMedia('https://127.0.0.1:8443/live.iso');
    const inserted = bmc.state(id).virtualMedia.find((v) => v.id === 'CD1');
    await c.ejectVirtualMedia();
    // Assess
    expect(inserted).toMatchObject({ image: 'https://127.0.0.1:8443/live.iso', inserted: true, transferProtocolType: 'HTTPS' });
    expect(bmc.state(id).virtualMedia.find((v) => v.id === 'CD1')).toMatchObject({ image: null, inserted: false });
    expect(await c.virtualMedia()).toEqual({ inserted: false });
  });

  it('deletes its session on close()', async () => {
    // Prepare
    const c = clientFor(bmc, { auth: 'session' });
    await c.powerState();
    const during = bmc.sessionCount();
    // Act
    await c.close();
    // Assess
    expect(during).toBeGreaterThan(0);
    expect(c.authInUse()).toBe('session');
    expect(bmc.sessionCount()).toBe(during - 1);
  });

  it('logs in again once when the BMC forgot the session', async () => {
    // Prepare
    const c = clientFor(bmc, { auth: 'session' });
    await c.powerState();
    bmc.expireSessions();
    const before = bmc.requests.length;
    // Act
    const state = await c.powerState();
    // Assess
    expect(state).toMatch(/^(on|off)$/);
    expect(bmc.requests.slice(before).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 401', 'POST 201', 'GET 200']);
  });

  it('sends Basic credentials on every request when auth is basic', async () => {
    // Prepare
    const c = clientFor(bmc, { auth: 'basic' });
    const before = bmc.requests.length;
    // Act
    await c.powerState();
    // Assess
    const mine = bmc.requests.slice(before).filter((r) => r.auth !== 'none');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.auth === 'basic')).toBe(true);
  });

  it('throws BmcAuthError without the password when the credentials are wrong', async () => {
    // Prepare
    const c = clientFor(bmc, { password: 'wrong-password' });
    // Act
    const err = await c.powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcAuthError);
    expect(err.message).not.toContain('wrong-password');
  });
});

describe('createRedfishClient › TLS trust', () => {
  let bmc: RedfishEmulator;
  beforeAll(async () => { bmc = await emulator(); }, 30_000);

  it('rejects the self-signed certificate with BmcCertificateError when nothing is pinned', async () => {
    // Act
    const err = await clientFor(bmc, { tls: {} }).powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcCertificateError);
    expect(err.message).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED/);
  });

  it('accepts the certificate when its PEM is pinned', async () => {
    await expect(clientFor(bmc, { tls: { caPem: bmc.caPem } }).powerState()).resolves.toMatch(/^(on|off)$/);
  });

  it('skips verification for the opted-out client only, never process-wide', async () => {
    // Act
    const insecure = await clientFor(bmc, { tls: { disableCertificateVerification: true } }).powerState();
    const strictAfter = await clientFor(bmc, { tls: {} }).powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e);
    // Assess
    expect(insecure).toMatch(/^(on|off)$/);
    expect(strictAfter).toBeInstanceOf(BmcCertificateError);
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  });

  it('throws a retryable BmcUnreachableError when nothing listens', async () => {
    // Prepare
    const port = await freeTcpPort();
    // Act
    const err = await clientFor(bmc, { baseUrl: `https://127.0.0.1:${port}`, timeoutMs: 3000 }).powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);
    // Assess
    expect(err).toBeInstanceOf(BmcUnreachableError);
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('createRedfishClient › several systems', () => {
  it('asks for a system path when the BMC has several, and drives the named one', async () => {
    // Prepare
    const bmc = await emulator({}, { systems: 2 });
    const second = bmc.systems[1]!;
    // Act
    const err = await clientFor(bmc).powerState().then(() => new Error('resolved unexpectedly'), (e: unknown) => e);
    await clientFor(bmc, { systemPath: second.path }).setPower('on');
    // Assess
    expect(err).toBeInstanceOf(BmcAddressError);
    expect(bmc.state(second.id).power).toBe('On');
    expect(bmc.state(bmc.systems[0]!.id).power).toBe('Off');
  }, 30_000);
});

describe('createRedfishClient › quirk modes', () => {
  it('follows the task monitor to completion when Reset answers 202 (asyncReset)', async () => {
    // Prepare
    const bmc = await emulator({ asyncReset: true }, { taskDurationMs: 200 });
    const c = clientFor(bmc);
    // Act
    await c.setPower('on');
    // Assess
    expect(bmc.state(bmc.systems[0]!.id).power).toBe('On');
    const monitor = bmc.requests.filter((r) => r.path.includes('/TaskMonitors/'));
    expect(monitor.length).toBeGreaterThan(0);
    expect(monitor.at(-1)?.status).toBe(200);
  }, 30_000);

  it("retries without BootSourceOverrideEnabled when the vendor rejects 'Once' (rejectOnce)", async () => {
    // Prepare
    const bmc = await emulator({ rejectOnce: true });
    const c = clientFor(bmc);
    // Act
    await c.setBootDevice('pxe');
    // Assess
    expect(bmc.state(bmc.systems[0]!.id).boot).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    const patches = bmc.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.status)).toEqual([400, 200]);
    expect(patches[1]!.body).toEqual({ Boot: { BootSourceOverrideTarget: 'Pxe' } });
  }, 30_000);

  it('retries without BootSourceOverrideMode when the vendor rejects it (rejectBootMode)', async () => {
    // Prepare
    const bmc = await emulator({ rejectBootMode: true });
    const c = clientFor(bmc);
    // Act
    await c.setBootDevice('disk', { persistent: true, uefi: true });
    // Assess
    expect(bmc.state(bmc.systems[0]!.id).boot).toMatchObject({ target: 'Hdd', enabled: 'Continuous' });
    expect(bmc.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([400, 200]);
  }, 30_000);

  it('always sends If-Match, so a BMC that requires it accepts the PATCH first time (requireIfMatch)', async () => {
    // Prepare
    const bmc = await emulator({ requireIfMatch: true });
    // Act
    await clientFor(bmc).setBootDevice('bios', { persistent: false });
    // Assess
    expect(bmc.state(bmc.systems[0]!.id).boot.target).toBe('BiosSetup');
    expect(bmc.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([200]);
  }, 30_000);

  it('finds virtual media under the Manager when the System has none (virtualMediaUnderManager)', async () => {
    // Prepare
    const bmc = await emulator({ virtualMediaUnderManager: true });
    // Act
    await clientFor(bmc).insertVirtualMedia('http://127.0.0.1:8080/live.iso');
    // Assess
    expect(bmc.state(bmc.systems[0]!.id).virtualMedia[0]).toMatchObject({ inserted: true, image: 'http://127.0.0.1:8080/live.iso' });
    expect(bmc.requests.some((r) => r.path.startsWith('/redfish/v1/Managers/') && r.path.endsWith('InsertMedia'))).toBe(true);
  }, 30_000);

  it('PATCHes Image/Inserted when the virtual media has no actions (noVirtualMediaActions)', async () => {
    // Prepare
    const bmc = await emulator({ noVirtualMediaActions: true });
    const c = clientFor(bmc);
    // Act
    await c.insertVirtualMedia('http://127.0.0.1:8080/live.iso');
    const inserted = bmc.state(bmc.systems[0]!.id).virtualMedia[0];
    await c.ejectVirtualMedia();
    // Assess
    expect(inserted).toMatchObject({ inserted: true, image: 'http://127.0.0.1:8080/live.iso' });
    expect(bmc.state(bmc.systems[0]!.id).virtualMedia[0]).toMatchObject({ inserted: false, image: null });
    expect(bmc.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/CD1')).map((r) => r.status)).toEqual([204, 204]);
  }, 30_000);

  it("falls back to PushPowerButton when 'On' and 'ForceOn' are not allowed (resetTypes)", async () => {
    // Prepare
    const bmc = await emulator({ resetTypes: ['PushPowerButton', 'ForceOff'] });
    const c = clientFor(bmc);
    // Act
    await c.setPower('on');
    // Assess
    expect(bmc.state(bmc.systems[0]!.id).power).toBe('On');
    expect(bmc.requests.filter((r) => r.path.endsWith('Reset')).map((r) => r.body)).toEqual([{ ResetType: 'PushPowerButton' }]);
  }, 30_000);

  it('throws BmcUnsupportedError when no allowed ResetType can do the request', async () => {
    // Prepare
    const bmc = await emulator({ resetTypes: ['ForceOff'] });
    // Act / Assess
    await expect(clientFor(bmc).setPower('on')).rejects.toBeInstanceOf(BmcUnsupportedError);
  }, 30_000);
});
