/** `metal3-bmc` run as a child process against a real ipmi_sim. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIpmiSim, type SimulatedBmc } from '../../../test/bed/ipmi-sim.ts';
import { freeUdpPort } from '../../../test/bed/ports.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/metal3-bmc.js');

interface Result { code: number; stdout: string; stderr: string; ms: number }

describe('metal3-bmc CLI against ipmi_sim', () => {
  let sim: SimulatedBmc;
  let dir: string;
  const seen: string[] = [];

  /** Runs the bin shim itself (shebang), with the pinned node first on PATH. */
  const cli = (args: string[], env: Record<string, string | undefined> = {}): Promise<Result> => {
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(BIN, args, {
        timeout: 30_000,
        env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, BMC_USERNAME: sim.username, BMC_PASSWORD: sim.password, ...env },
      }, (err, stdout, stderr) => {
        seen.push(stdout, stderr);
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr, ms: Date.now() - started });
      });
    });
  };

  beforeAll(async () => {
    sim = await startIpmiSim();
    dir = await mkdtemp(join(tmpdir(), 'metal3-bmc-cli-'));
  });

  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('powers the host on and reads power on', async () => {
    const on = await cli([sim.address, 'power', 'on']);
    expect(on).toMatchObject({ code: 0, stdout: 'power on: ok\n' });
    expect(await sim.power()).toBe('on');
    expect((await cli([sim.address, 'power', 'status'])).stdout).toBe('power on\n');
  });

  it('prints JSON with --json', async () => {
    await sim.setPower(false);
    const r = await cli([sim.address, 'power', 'status', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, result: 'off' });
  });

  it('sets the boot device and reads it back', async () => {
    expect((await cli([sim.address, 'bootdev', 'cdrom', '--persistent'])).code).toBe(0);
    expect(await sim.bootDevice()).toBe('cdrom');
    const r = await cli([sim.address, 'bootdev', '--json']);
    expect(JSON.parse(r.stdout).result.device).toBe('cdrom');
  });

  it('prints BMC identity with info', async () => {
    const r = await cli([sim.address, 'info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/firmwareVersion: 9\.08/);
  });

  it('reads the password from --password-file', async () => {
    const file = join(dir, 'pw');
    await writeFile(file, `${sim.password}\n`, { mode: 0o600 });
    const r = await cli([sim.address, 'power', 'status', '--password-file', file], { BMC_PASSWORD: undefined });
    expect(r.code).toBe(0);
  });

  it('exits 3 on a wrong password and never prints it', async () => {
    const r = await cli([sim.address, 'power', 'status'], { BMC_PASSWORD: 'wrong-pass-xyz' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/authentication failed/);
    expect(r.stdout + r.stderr).not.toContain('wrong-pass-xyz');
  });

  it('exits 4 when the BMC is unreachable, within the timeout bound', async () => {
    const port = await freeUdpPort();
    const r = await cli([`ipmi://127.0.0.1:${port}`, 'power', 'status', '--timeout', '200', '--retries', '1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('exits 5 for inventory over IPMI', async () => {
    expect((await cli([sim.address, 'inventory'])).code).toBe(5);
  });

  it('refuses a --password flag with exit 2 and does not echo its value', async () => {
    const r = await cli([sim.address, 'power', 'status', '--password', 'flag-secret-123']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--password is refused/);
    expect(r.stdout + r.stderr).not.toContain('flag-secret-123');
    expect((await cli([sim.address, 'power', 'status', '--password=flag-secret-123'])).code).toBe(2);
  });

  it('exits 2 on usage errors (unknown command, bad device, no username, malformed address)', async () => {
    expect((await cli([sim.address, 'explode'])).code).toBe(2);
    expect((await cli([sim.address, 'bootdev', 'floppy'])).code).toBe(2);
    expect((await cli([sim.address, 'power', 'status'], { BMC_USERNAME: undefined })).code).toBe(2);
    expect((await cli(['ipmi://[::1', 'power', 'status'])).code).toBe(2);
  });

  it('never printed the BMC password in any run', () => {
    expect(seen.join('\n')).not.toContain(sim.password);
  });
});
