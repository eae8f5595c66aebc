/**
 * The README's main command as a user runs it: `scripts/demo.ts` (what `npm run demo` starts) with
 * one fake host and one agent host, a simulated machine running a real ironic-python-agent behind
 * our Redfish emulator. The demo itself checks the agent host's status.hardware against the
 * machine and the image's bytes on its disk, and exits non-zero when a check or a host fails; this
 * test reads its output as a user would.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');

describe('npm run demo with agent hosts', () => {
  it('takes a fake host and an agent host through their lifecycle and prints the hardware IPA found', async () => {
    // Act
    const { stdout } = await run(process.execPath, [join(REPO, 'scripts', 'demo.ts'), '--fake', '1', '--ipmi', '0', '--agents', '1'], {
      cwd: REPO, timeout: 480_000, maxBuffer: 64 * 1024 * 1024
    });
    // Assess: every host finished, nothing dead-lettered
    expect(stdout).toContain('1 fake-hardware + 0 ipmi + 1 agent hosts');
    expect(stdout).toMatch(/^all 2 hosts finished their lifecycle in [\d.]+s$/m);
    expect(stdout).toMatch(/^dead letters: 0$/m);
    expect(stdout).toMatch(/^ {2}ok {3}agent-0 {2}available [\d.]+s, provisioned [\d.]+s, powered off [\d.]+s, powered on [\d.]+s, deprovisioned [\d.]+s, deleted [\d.]+s$/m);
    // the hardware inspection found is the machine's own: its NIC (MAC and address) and its disk
    const found = /^ {2}agent-0 {2}\d+ CPU, \d+ GiB RAM, NIC (\S+) (\S+), disk ([\d.]+ GiB)$/m.exec(stdout);
    const machine = /^ {2}agent-0 {2}\(its machine\) NIC (\S+) (\S+), disk ([\d.]+ GiB); IPA booted (\d+) times$/m.exec(stdout);
    expect(found).not.toBeNull();
    expect(machine).not.toBeNull();
    expect(found!.slice(1, 4)).toEqual(machine!.slice(1, 4));
    // inspection, cleaning after it, the deploy and cleaning after deprovisioning: IPA booted each time
    expect(Number(machine![4])).toBeGreaterThanOrEqual(4);
    // the live table (printed as lines when not a terminal) has the hardware column
    expect(stdout).toMatch(/^HOST +STATE +POWER +ERROR +IN STATE +STEP +HARDWARE$/m);
  }, 600_000);
});
