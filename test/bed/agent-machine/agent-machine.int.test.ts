/**
 * The simulated machine itself, without Ironic: its namespace holds eth0 with the boot MAC and
 * its address, reachable from the root namespace only over the bed's bridge; its loop disk has
 * the asked size; stop() removes every trace. And the IPA venv's guard: IPA's own device listing
 * returns only the machine's disk, and commands or opens naming any other device are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AGENT_PATH, createAgentMachine, ensureIpaInstalled, startProvisioningNetwork } from './index.ts';
import type { AgentMachine, ProvisioningNetwork } from './index.ts';

const run = promisify(execFile);
const GiB = 1024 ** 3;

describe('agent machine › namespace, veth, loop disks and the IPA guard', () => {
  let network: ProvisioningNetwork;
  let machine: AgentMachine;
  let venv: string;

  beforeAll(async () => {
    network = await startProvisioningNetwork();
    machine = await createAgentMachine({ network, mac: '02:4D:33:AA:00:01', diskSizesBytes: [5 * GiB, 6 * GiB], ironicDir: '/nonexistent' });
    venv = await ensureIpaInstalled();
  }, 180_000);

  afterAll(async () => {
    await machine?.stop();
    await network?.stop();
  }, 30_000);

  it('has eth0 with the boot MAC and its address in its own namespace, reachable over the bed\'s bridge', async () => {
    // Act
    const { stdout } = await run('ip', ['-n', machine.netns, '-j', 'addr', 'show']);
    const links = JSON.parse(stdout) as { ifname: string; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
    // Assess
    expect(links.map((l) => l.ifname).sort()).toEqual(['eth0', 'lo']);
    const eth0 = links.find((l) => l.ifname === 'eth0')!;
    expect(eth0.address).toBe('02:4d:33:aa:00:01');
    // IPv4: the bed's address only (IPv6 has just the link-local one the kernel adds)
    expect(eth0.addr_info.filter((a) => a.family === 'inet')).toEqual([expect.objectContaining({ local: machine.ip, prefixlen: 24 })]);
    expect(eth0.addr_info.filter((a) => a.family === 'inet6' && !a.local.startsWith('fe80:'))).toEqual([]);
    expect(machine.ip.startsWith(network.gateway.replace(/\.1$/, '.'))).toBe(true);
    await run('ip', ['netns', 'exec', machine.netns, 'ping', '-c', '1', '-W', '2', network.gateway]).catch(async () => {
      // no ping on the machine: a TCP connect to a closed port is refused, which proves the route
      await expect(run('ip', ['netns', 'exec', machine.netns, 'bash', '-c', `exec 3<>/dev/tcp/${network.gateway}/9`])).rejects.toMatchObject({ stderr: expect.stringMatching(/refused/i) });
    });
  });

  it('has loop disks of the asked sizes, backed by its own files', async () => {
    for (const [i, size] of [5 * GiB, 6 * GiB].entries()) {
      const disk = machine.disks[i]!;
      const { stdout } = await run('blockdev', ['--getsize64', disk.device]);
      expect(Number(stdout.trim())).toBe(size);
      const { stdout: back } = await run('losetup', ['-n', '-O', 'BACK-FILE', disk.device]);
      expect(back.trim()).toBe(disk.file);
    }
  });

  it('IPA sees only the machine\'s disks, and is refused every other device, host-wide programs and shells', async () => {
    // Prepare
    const script = `
import json, ironic_python_agent.config
from oslo_concurrency import processutils
from ironic_python_agent import hardware
import metal3_bed_machine.manager as m
out = {'disks': sorted(d.name for d in hardware.list_all_block_devices()), 'refused': {}}
for name, argv, shell in [('other disk', ['blockdev', '--getsize64', '/dev/vda'], False), ('by-path', ['wipefs', '/dev/disk/by-path/x'], False),
                          ('new file in /dev', ['dd', 'if=/dev/zero', 'of=${machine.disks[0]!.device}p9', 'count=1'], False),
                          ('poweroff', ['poweroff'], False), ('efibootmgr', ['efibootmgr'], False), ('shell', 'echo o > /proc/sysrq-trigger', True)]:
    try:
        processutils.execute(*(argv if isinstance(argv, list) else [argv]), shell=shell)
        out['refused'][name] = False
    except processutils.ProcessExecutionError as e:
        out['refused'][name] = 'refused by the test bed' in (e.stderr or '')
try:
    open('/dev/vda', 'rb'); out['open other'] = False
except PermissionError:
    out['open other'] = True
out['own disk size'] = int(processutils.execute('blockdev', '--getsize64', '${machine.disks[0]!.device}')[0])
print(json.dumps(out))
`;
    // Act
    const { stdout } = await run(join(venv, 'bin', 'python3'), ['-c', script], { env: { PATH: AGENT_PATH, METAL3_BED_DISKS: machine.disks.map((d) => d.device).join(',') } });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { disks: string[]; refused: Record<string, boolean>; 'open other': boolean; 'own disk size': number };
    // Assess
    expect(result.disks).toEqual(machine.disks.map((d) => d.device).sort());
    expect(result.refused).toEqual({ 'other disk': true, 'by-path': true, 'new file in /dev': true, poweroff: true, efibootmgr: true, shell: true });
    expect(result['open other']).toBe(true);
    expect(result['own disk size']).toBe(5 * GiB);
    expect(existsSync(`${machine.disks[0]!.device}p9`)).toBe(false);
  }, 60_000);

  it('stop() deletes the namespace, detaches the loop devices and removes their files', async () => {
    // Prepare
    const other = await createAgentMachine({ network, mac: '02:4d:33:aa:00:02', ironicDir: '/nonexistent' });
    const { netns, disks } = other;
    // Act
    await other.stop();
    // Assess
    const { stdout: namespaces } = await run('ip', ['netns', 'list']);
    expect(namespaces).not.toContain(netns);
    const { stdout: loops } = await run('losetup', ['-n', '-O', 'NAME,BACK-FILE']);
    expect(loops).not.toContain(disks[0]!.file);
    expect(existsSync(disks[0]!.file)).toBe(false);
  }, 60_000);
});
