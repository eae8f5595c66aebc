/**
 * A live ISO on a simulated machine through OUR functions: a `redfish-virtualmedia://` host with
 * inspection and cleaning disabled is provisioned with `format: live-iso`; Ironic's ramdisk deploy
 * inserts the ISO as virtual media and boots it. The machine boots from the CD, no agent runs and
 * nothing is written to its disk.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inState, REDFISH_PASSWORD, REDFISH_USER, startAgentBed } from './agent-bed.ts';
import type { AgentBed } from './agent-bed.ts';
import { partitionsOf, readDisk } from '../../bed/agent-machine/disk-images.ts';

describe('agent machine › live-iso by Redfish virtual media through our functions', () => {
  let bed: AgentBed;

  beforeAll(async () => {
    bed = await startAgentBed({ machines: [{}], files: { '/images/live.iso': 8192 } });
    await bed.createSecret('bmc-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
  }, 240_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('boots the ISO from virtual media without starting an agent or writing the disk', async () => {
    // Prepare
    const machine = bed.machines[0]!;
    const iso = bed.imageUrl('/images/live.iso');
    await bed.createHost('live-0', {
      online: true, bootMACAddress: machine.mac, inspectionMode: 'disabled', automatedCleaningMode: 'disabled',
      bmc: { address: bed.bmcAddress(0).replace(/^redfish:/, 'redfish-virtualmedia:'), credentialsName: 'bmc-creds' },
    });
    await bed.drive('live-0', inState('available'), 120_000);
    // Act
    await bed.mergeHost('live-0', { spec: { image: { url: iso, format: 'live-iso' } } });
    await bed.drive('live-0', inState('provisioned'), 180_000);
    // Assess
    expect(await bed.nodeOf('live-0')).toMatchObject({ provision_state: 'active', boot_interface: 'redfish-virtual-media', deploy_interface: 'ramdisk' });
    const state = bed.redfish!.state(bed.redfish!.systems[0]!.id);
    expect(state.virtualMedia.find((v) => v.id === 'CD1')).toMatchObject({ inserted: true, image: iso });
    expect(machine.boots.at(-1)).toMatchObject({ device: 'cd', choice: { kind: 'virtual-media' } });
    expect(machine.boots.some((b) => b.choice.kind === 'agent')).toBe(false);
    expect(machine.agentRunning()).toBe(false);
    expect(await partitionsOf(machine.disks[0]!.file)).toBeNull();
    expect((await readDisk(machine.disks[0]!.file, 0, 4 * 1024 ** 2)).every((b) => b === 0)).toBe(true);
  }, 320_000);
});
