/** Pure RAID planning: spec.raid against status.provisioning.raid and the node's RAID interface (upstream raid.go). */
import { describe, expect, it } from '@jest/globals';
import { logicalDisksOf, planRaid, raidChangeRequested, raidInterfaceFor } from './plan.ts';
import type { RaidPlanInput, RaidSpec } from './plan.ts';

const MIRROR = { level: '1', name: 'root', sizeGibibytes: 100, numberOfPhysicalDisks: 2 };
const STRIPE = { level: '0', name: 'scratch' };
const input = (desired: RaidSpec | null | undefined, over: Partial<RaidPlanInput> = {}): RaidPlanInput =>
  ({ desired, applied: undefined, raidInterface: 'redfish', hasRootDeviceHints: false, ...over });

describe('planRaid', () => {
  it.each([
    { case: 'no spec.raid', desired: undefined, applied: undefined },
    { case: 'hardwareRAIDVolumes null: keep what the controller has', desired: { hardwareRAIDVolumes: null }, applied: undefined },
    { case: 'hardwareRAIDVolumes unset', desired: {}, applied: { hardwareRAIDVolumes: [MIRROR] } },
    { case: 'the same volumes already applied', desired: { hardwareRAIDVolumes: [MIRROR] }, applied: { hardwareRAIDVolumes: [{ ...MIRROR }] } },
    { case: '[] already applied', desired: { hardwareRAIDVolumes: [] }, applied: { hardwareRAIDVolumes: [] } },
  ])('leaves RAID alone: $case', ({ desired, applied }) => {
    // Act + Assess
    expect(planRaid(input(desired, { applied }))).toEqual({ kind: 'unchanged' });
  });

  it('builds new volumes: delete then create, the first volume the root volume', () => {
    // Act
    const plan = planRaid(input({ hardwareRAIDVolumes: [MIRROR, STRIPE] }));
    // Assess
    expect(plan).toEqual({
      kind: 'apply',
      target: [
        { size_gb: 100, raid_level: '1', volume_name: 'root', number_of_physical_disks: 2, is_root_volume: true },
        { size_gb: 'MAX', raid_level: '0', volume_name: 'scratch' },
      ],
      steps: [{ interface: 'raid', step: 'delete_configuration' }, { interface: 'raid', step: 'create_configuration' }],
      applied: { hardwareRAIDVolumes: [MIRROR, STRIPE] },
    });
  });

  it('deletes only when hardwareRAIDVolumes is [] and volumes were applied before', () => {
    // Act
    const plan = planRaid(input({ hardwareRAIDVolumes: [] }, { applied: { hardwareRAIDVolumes: [MIRROR] } }));
    // Assess
    expect(plan).toEqual({ kind: 'apply', target: [], steps: [{ interface: 'raid', step: 'delete_configuration' }], applied: { hardwareRAIDVolumes: [] } });
  });

  it('deletes when hardwareRAIDVolumes is [] and nothing is recorded as applied (the controller may hold volumes)', () => {
    // Act + Assess
    expect(planRaid(input({ hardwareRAIDVolumes: [] }))).toMatchObject({ kind: 'apply', steps: [{ step: 'delete_configuration' }] });
  });

  it('applies again when the volumes changed', () => {
    // Act
    const plan = planRaid(input({ hardwareRAIDVolumes: [{ ...MIRROR, level: '0' }] }, { applied: { hardwareRAIDVolumes: [MIRROR] } }));
    // Assess
    expect(plan).toMatchObject({ kind: 'apply', target: [{ raid_level: '0', is_root_volume: true }] });
  });

  it('does not mark a root volume when root device hints choose the disk', () => {
    // Act + Assess
    expect(planRaid(input({ hardwareRAIDVolumes: [MIRROR] }, { hasRootDeviceHints: true }))).toMatchObject({ kind: 'apply', target: [{ raid_level: '1' }] });
    const plan = planRaid(input({ hardwareRAIDVolumes: [MIRROR] }, { hasRootDeviceHints: true }));
    expect(plan.kind === 'apply' && plan.target[0]).not.toHaveProperty('is_root_volume');
  });

  it.each([
    { case: 'hardware volumes on a node without a RAID interface', desired: { hardwareRAIDVolumes: [MIRROR] }, raidInterface: 'no-raid', reason: /RAID interface "no-raid" cannot configure RAID/ },
    { case: 'no RAID interface reported', desired: { hardwareRAIDVolumes: [MIRROR] }, raidInterface: undefined, reason: /"no-raid" cannot configure RAID/ },
    { case: 'hardware volumes on the agent (software) RAID interface', desired: { hardwareRAIDVolumes: [MIRROR] }, raidInterface: 'agent', reason: /"agent" builds software RAID only/ },
    { case: 'a first software volume that is not RAID-1', desired: { softwareRAIDVolumes: [{ level: '0' }] }, raidInterface: 'redfish', reason: /first software RAID volume must be level "1", not "0"/ },
    { case: 'hardware and software volumes together', desired: { hardwareRAIDVolumes: [MIRROR], softwareRAIDVolumes: [{ level: '1' }] }, raidInterface: 'redfish', reason: /cannot both be set/ },
    { case: 'two volumes with one name', desired: { hardwareRAIDVolumes: [MIRROR, { level: '0', name: 'root' }] }, raidInterface: 'redfish', reason: /volumes 0 and 1 are both named "root"/ },
  ])('refuses, sending nothing: $case', ({ desired, raidInterface, reason }) => {
    // Act
    const plan = planRaid(input(desired, { raidInterface }));
    // Assess
    expect(plan.kind).toBe('refused');
    expect(plan.kind === 'refused' && plan.reason).toMatch(reason);
  });

  it('runs nothing for an empty hardware list on a node without RAID (no-raid has no RAID steps), and records it', () => {
    // Act + Assess
    expect(planRaid(input({ hardwareRAIDVolumes: [] }, { raidInterface: 'no-raid' }))).toEqual({ kind: 'apply', target: [], steps: [], applied: { hardwareRAIDVolumes: [] } });
  });
});

describe('raidChangeRequested', () => {
  it.each([
    { case: 'no spec', desired: undefined, applied: undefined, want: false },
    { case: 'null hardware volumes', desired: { hardwareRAIDVolumes: null }, applied: { hardwareRAIDVolumes: [MIRROR] }, want: false },
    { case: 'new volumes', desired: { hardwareRAIDVolumes: [MIRROR] }, applied: undefined, want: true },
    { case: 'applied, keys in another order', desired: { hardwareRAIDVolumes: [{ sizeGibibytes: 100, numberOfPhysicalDisks: 2, name: 'root', level: '1' }] }, applied: { hardwareRAIDVolumes: [MIRROR] }, want: false },
    { case: '[] where volumes were applied', desired: { hardwareRAIDVolumes: [] }, applied: { hardwareRAIDVolumes: [MIRROR] }, want: true },
    { case: 'software volumes', desired: { softwareRAIDVolumes: [{ level: '1' }] }, applied: undefined, want: true },
    { case: 'software volumes already built', desired: { softwareRAIDVolumes: [{ level: '1' }] }, applied: { softwareRAIDVolumes: [{ level: '1' }] }, want: false },
    { case: '[] where software volumes were built', desired: { softwareRAIDVolumes: [] }, applied: { softwareRAIDVolumes: [{ level: '1' }] }, want: true },
    { case: 'software [] with none built', desired: { softwareRAIDVolumes: [] }, applied: undefined, want: false },
    { case: 'software null keeps what was built', desired: { softwareRAIDVolumes: null }, applied: { softwareRAIDVolumes: [{ level: '1' }] }, want: false },
  ])('$case → $want', ({ desired, applied, want }) => {
    // Act + Assess
    expect(raidChangeRequested(desired, applied)).toBe(want);
  });
});

describe('logicalDisksOf', () => {
  it('maps rotational to the disk type and passes controller and physical disks through', () => {
    // Act
    const built = logicalDisksOf([{ level: '5', sizeGibibytes: 0, rotational: true, controller: 'RAID.Integrated.1-1', physicalDisks: ['Disk.Bay.0', 'Disk.Bay.1', 'Disk.Bay.2'] }, { level: '0', rotational: false }], { hasRootDeviceHints: false });
    // Assess
    expect(built).toEqual({
      disks: [
        { size_gb: 'MAX', raid_level: '5', disk_type: 'hdd', controller: 'RAID.Integrated.1-1', physical_disks: ['Disk.Bay.0', 'Disk.Bay.1', 'Disk.Bay.2'], is_root_volume: true },
        { size_gb: 'MAX', raid_level: '0', disk_type: 'ssd' },
      ],
    });
  });
});

describe('planRaid › software RAID (built by the agent)', () => {
  const hints = (deviceName: string) => ({ deviceName });

  it('switches the node to the agent RAID interface and sends upstream\'s steps, disks on the software controller', () => {
    // Act
    const plan = planRaid(input({ softwareRAIDVolumes: [{ level: '1', sizeGibibytes: 10, physicalDisks: [hints('/dev/sda'), hints('/dev/sdb')] }, { level: '0' }] }, { raidInterface: 'redfish' }));
    // Assess
    expect(plan).toEqual({
      kind: 'apply', raidInterface: 'agent',
      target: [
        { size_gb: 10, raid_level: '1', controller: 'software', physical_disks: [{ name: 's== /dev/sda' }, { name: 's== /dev/sdb' }], is_root_volume: true },
        { size_gb: 'MAX', raid_level: '0', controller: 'software' },
      ],
      steps: [{ interface: 'raid', step: 'delete_configuration' }, { interface: 'deploy', step: 'erase_devices_metadata' }, { interface: 'raid', step: 'create_configuration' }],
      applied: { softwareRAIDVolumes: [{ level: '1', sizeGibibytes: 10, physicalDisks: [hints('/dev/sda'), hints('/dev/sdb')] }, { level: '0' }] },
    });
  });

  it('makes the volume marked rootVolume the root volume, even with root device hints', () => {
    // Act
    const plan = planRaid(input({ softwareRAIDVolumes: [{ level: '1' }, { level: '1', rootVolume: true }] }, { raidInterface: 'agent', hasRootDeviceHints: true }));
    // Assess
    expect(plan.kind === 'apply' && plan.target.map((d) => d.is_root_volume)).toEqual([undefined, true]);
    expect(plan.kind === 'apply' && plan.raidInterface).toBeUndefined();
  });

  it('deletes built software volumes for [] with the agent (no create step)', () => {
    // Act
    const plan = planRaid(input({ softwareRAIDVolumes: [] }, { raidInterface: 'redfish', applied: { softwareRAIDVolumes: [{ level: '1' }] } }));
    // Assess
    expect(plan).toEqual({
      kind: 'apply', raidInterface: 'agent', target: [],
      steps: [{ interface: 'raid', step: 'delete_configuration' }, { interface: 'deploy', step: 'erase_devices_metadata' }],
      applied: { softwareRAIDVolumes: [] },
    });
  });

  it('asks for the agent interface also on a node without RAID (IPMI), as upstream', () => {
    // Act + Assess
    expect(raidInterfaceFor('no-raid', { softwareRAIDVolumes: [{ level: '1' }] }, undefined)).toBe('agent');
    expect(raidInterfaceFor('redfish', { hardwareRAIDVolumes: [MIRROR] }, undefined)).toBe('redfish');
  });
});
