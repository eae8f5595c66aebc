/**
 * spec.customDeploy through OUR functions on a simulated machine: Ironic's custom-agent deploy
 * interface boots the real ironic-python-agent and runs the deploy step the host names, here the
 * bed's own `write_bed_marker` (our hardware manager's step, as a site ships its own in its
 * ramdisk). The step writes what it was given at the start of the root disk; the test reads it back.
 * Removing customDeploy deprovisions the host as removing an image does.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, startAgentBed } from './agent-bed.ts';
import type { AgentBed } from './agent-bed.ts';
import { readDisk } from '../../bed/agent-machine/disk-images.ts';

const MARKER = 'METAL3-BED-CUSTOM-DEPLOY ';

/** The step's record at the start of the disk, or undefined when the disk does not start with one. */
async function markerOn(file: string): Promise<{ step: string; node: string; image_source: string | null } | undefined> {
  const head = (await readDisk(file, 0, 4096)).toString('latin1');
  if (!head.startsWith(MARKER)) return undefined;
  return JSON.parse(head.slice(MARKER.length, head.indexOf('\n'))) as { step: string; node: string; image_source: string | null };
}

describe('agent machines › spec.customDeploy runs the named deploy step through our functions, a real IPA and Ironic', () => {
  let bed: AgentBed;

  beforeAll(async () => {
    bed = await startAgentBed({ machines: [{}], files: { '/images/for-the-step.raw': 1024 } });
    await bed.createSecret('bmc-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
    await bed.createHost('cd0', { online: true, bootMACAddress: bed.machines[0]!.mac, automatedCleaningMode: 'disabled', bmc: { address: bed.bmcAddress(0), credentialsName: 'bmc-creds' } });
    await bed.drive('cd0', inState('available'), 240_000);
  }, 300_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('deploys with the custom step and no image, records it, and deprovisions when customDeploy goes', async () => {
    // Prepare
    const disk = bed.machines[0]!.disks[0]!;
    expect(await markerOn(disk.file)).toBeUndefined();
    // Act
    await bed.mergeHost('cd0', { spec: { customDeploy: { method: 'write_bed_marker' } } });
    const provisioned = await bed.drive('cd0', inState('provisioned'), 300_000);
    // Assess: the step ran on this host's node, and the host records the custom deploy, no image
    const node = await bed.nodeOf('cd0');
    expect(node?.deploy_interface).toBe('custom-agent');
    expect(await markerOn(disk.file)).toEqual({ step: 'write_bed_marker', node: node!.uuid, image_source: null });
    expect(provisioned!.status!.provisioning).toMatchObject({ state: 'provisioned', customDeploy: { method: 'write_bed_marker' } });
    expect(provisioned!.status!.provisioning).not.toHaveProperty('image');
    // Act: customDeploy removed
    await bed.mergeHost('cd0', { spec: { customDeploy: null } });
    const released = await bed.drive('cd0', inState('available'), 300_000);
    // Assess
    expect(released!.status!.provisioning).not.toHaveProperty('customDeploy');
  }, 700_000);

  it('hands the step the image the spec names, without a checksum, as upstream does', async () => {
    // Act
    const url = bed.imageUrl('/images/for-the-step.raw');
    await bed.mergeHost('cd0', { spec: { customDeploy: { method: 'write_bed_marker' }, image: { url, format: 'raw' } } });
    const provisioned = await bed.drive('cd0', inState('provisioned'), 300_000);
    // Assess
    expect(await markerOn(bed.machines[0]!.disks[0]!.file)).toMatchObject({ step: 'write_bed_marker', image_source: url });
    expect(provisioned!.status!.provisioning).toMatchObject({ customDeploy: { method: 'write_bed_marker' }, image: { url, format: 'raw' } });
  }, 500_000);

  it('a step the agent does not have ends in a provisioning error naming it', async () => {
    // Prepare
    await bed.mergeHost('cd0', { spec: { customDeploy: null, image: null } });
    await bed.drive('cd0', inState('available'), 300_000);
    // Act
    await bed.mergeHost('cd0', { spec: { customDeploy: { method: 'no_such_step' } } });
    const failed = await bed.drive('cd0', inError('provisioning error'), 300_000);
    // Assess
    expect(failed!.status!.errorMessage).toMatch(/no_such_step/);
  }, 700_000);
});
