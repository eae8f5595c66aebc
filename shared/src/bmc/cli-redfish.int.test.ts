/** `metal3-bmc` run as a child process against our Redfish emulator (TLS with a pinned CA). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedfishEmulator, type RedfishEmulator } from '../../../test/bed/redfish-emulator/index.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/metal3-bmc.js');

describe('metal3-bmc CLI against the Redfish emulator', () => {
  let emulator: RedfishEmulator;
  const password = 'rf-cli-pass-42';
  const seen: string[] = [];

  const cli = (args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], {
        timeout: 60_000, env: { PATH: process.env.PATH ?? '', BMC_USERNAME: 'root', BMC_PASSWORD: password, ...env },
      }, (err, stdout, stderr) => {
        seen.push(stdout, stderr);
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
    });

  beforeAll(async () => {
    emulator = await startRedfishEmulator({ username: 'root', password });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('powers on and reads power through Redfish with the pinned CA', async () => {
    // Prepare
    const system = emulator.systems[0]!;
    emulator.setPower(system.id, 'Off');
    // Act
    const on = await cli([system.address, 'power', 'on', '--ca-file', emulator.caPath]);
    const status = await cli([system.address, 'power', 'status', '--ca-file', emulator.caPath, '--json']);
    // Assess
    expect(on.code).toBe(0);
    expect(emulator.state(system.id).power).toBe('On');
    expect(JSON.parse(status.stdout)).toEqual({ ok: true, result: 'on' });
  });

  it('sets a persistent UEFI pxe boot override', async () => {
    const system = emulator.systems[0]!;
    const r = await cli([system.address, 'bootdev', 'pxe', '--persistent', '--uefi', '--ca-file', emulator.caPath]);
    expect(r.code).toBe(0);
    expect(emulator.state(system.id).boot).toMatchObject({ target: 'Pxe', enabled: 'Continuous', mode: 'UEFI' });
  });

  it('prints the inventory as JSON', async () => {
    const r = await cli([emulator.systems[0]!.address, 'inventory', '--ca-file', emulator.caPath, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).result).toHaveProperty('cpu');
  });

  it('exits 3 on a wrong password', async () => {
    const r = await cli([emulator.systems[0]!.address, 'power', 'status', '--ca-file', emulator.caPath], { BMC_PASSWORD: 'nope-wrong-1' });
    expect(r.code).toBe(3);
  });

  it('refuses the self-signed certificate without --ca-file or --insecure', async () => {
    const r = await cli([emulator.systems[0]!.address, 'power', 'status']);
    expect(r.code).not.toBe(0);
    expect((await cli([emulator.systems[0]!.address, 'power', 'status', '--insecure'])).code).toBe(0);
  });

  it('never printed the password', () => {
    expect(seen.join('\n')).not.toContain(password);
  });
});
