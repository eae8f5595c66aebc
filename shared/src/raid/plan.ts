/**
 * @module raid/plan: the RAID part of preparing, pure. `spec.raid` against what
 * `status.provisioning.raid` says was applied becomes Ironic's target_raid_config
 * (`PUT /v1/nodes/{id}/states/raid`) and the clean steps upstream runs in the same
 * manual cleaning as the BIOS settings: `raid.delete_configuration`, then
 * `raid.create_configuration` (baremetal-operator `pkg/provisioner/ironic/raid.go`).
 * Software RAID is built by ironic-python-agent: as upstream, the node's RAID interface
 * is switched to `agent` for it (and while deleting it), the member disks' metadata is
 * erased between the two steps, and the volumes name the `software` controller.
 */
import { canonicalJson } from '../canonical-json.ts';
import { rootDeviceOf } from '../ironic/device-hints.ts';
import type { RootDeviceHints } from '../ironic/device-hints.ts';

/** One `spec.raid.hardwareRAIDVolumes[]` entry (structural: the zod-derived type satisfies it). */
export interface HardwareRaidVolume {
  sizeGibibytes?: number | undefined;
  level: string;
  name?: string | undefined;
  rotational?: boolean | undefined;
  numberOfPhysicalDisks?: number | undefined;
  controller?: string | undefined;
  physicalDisks?: string[] | undefined;
}

/** One `spec.raid.softwareRAIDVolumes[]` entry. */
export interface SoftwareRaidVolume {
  sizeGibibytes?: number | undefined;
  level: string;
  physicalDisks?: RootDeviceHints[] | undefined;
  rootVolume?: boolean | undefined;
}

/** `spec.raid` / `status.provisioning.raid`. */
export interface RaidSpec {
  hardwareRAIDVolumes?: HardwareRaidVolume[] | null | undefined;
  softwareRAIDVolumes?: SoftwareRaidVolume[] | null | undefined;
}

/** Ironic's RAID interfaces upstream tells apart. */
export const RaidInterface = {
  /** the BMC type cannot configure RAID (IPMI) */
  None: 'no-raid',
  /** software RAID built by ironic-python-agent */
  Agent: 'agent',
} as const;

/** One logical disk of Ironic's target_raid_config (`ironic/drivers/raid_config_schema.json`). */
export interface LogicalDisk {
  size_gb: number | 'MAX';
  raid_level: string;
  volume_name?: string;
  is_root_volume?: boolean;
  disk_type?: 'hdd' | 'ssd';
  number_of_physical_disks?: number;
  controller?: string;
  /** hardware: the controller's drive names; software: device hints of the member disks */
  physical_disks?: (string | Record<string, unknown>)[];
}

export type RaidCleanStep =
  | { interface: 'raid'; step: 'delete_configuration' | 'create_configuration' }
  /** software RAID: the old members' metadata goes before the new array is built (upstream) */
  | { interface: 'deploy'; step: 'erase_devices_metadata' };

export type RaidPlan =
  /** nothing to change: no hardware volumes asked for (null keeps what the controller has) or they were applied */
  | { kind: 'unchanged' }
  /** the spec asks for RAID this node cannot build: nothing is sent, this is the reason */
  | { kind: 'refused'; reason: string }
  /**
   * `target`: the logical disks to PUT as target_raid_config (empty: only delete);
   * `steps`: the clean steps (empty: nothing to run, only `applied` to record);
   * `applied`: what `status.provisioning.raid` records once cleaning started;
   * `raidInterface`: the node's RAID interface must become this first (software RAID: `agent`)
   */
  | { kind: 'apply'; target: LogicalDisk[]; steps: RaidCleanStep[]; applied: RaidSpec; raidInterface?: string | undefined };

export interface RaidPlanInput {
  /** spec.raid */
  desired: RaidSpec | null | undefined;
  /** status.provisioning.raid: what the last preparing applied */
  applied: RaidSpec | null | undefined;
  /** the Ironic node's raid_interface */
  raidInterface: string | null | undefined;
  /** spec.rootDeviceHints is set: the first volume is then not made the root volume (upstream) */
  hasRootDeviceHints: boolean;
}

const hardwareOf = (raid: RaidSpec | null | undefined): HardwareRaidVolume[] | null => raid?.hardwareRAIDVolumes ?? null;
const softwareOf = (raid: RaidSpec | null | undefined): SoftwareRaidVolume[] => raid?.softwareRAIDVolumes ?? [];

/**
 * Whether spec.raid asks for something status.provisioning.raid does not record as applied:
 * hardware volumes that differ (`[]` differs from nothing: it deletes), software volumes that differ,
 * or no software volumes where some were built (they are deleted).
 * The watcher's re-prepare edge reads it, so an available host whose RAID spec changed is prepared again.
 */
export function raidChangeRequested(desired: RaidSpec | null | undefined, applied: RaidSpec | null | undefined): boolean {
  const hardware = hardwareOf(desired);
  if (hardware !== null && canonicalJson(hardware) !== canonicalJson(hardwareOf(applied) ?? undefined)) return true;
  if (desired?.softwareRAIDVolumes == null) return false;
  return canonicalJson(softwareOf(desired)) !== canonicalJson(softwareOf(applied));
}

/**
 * The RAID interface the node needs (upstream `CheckRAIDInterface`): `agent` while software volumes are
 * asked for or recorded as built (deleting them is the agent's work too), else the BMC type's own.
 */
export function raidInterfaceFor(current: string, desired: RaidSpec | null | undefined, applied: RaidSpec | null | undefined): string {
  if (softwareOf(desired).length > 0) return RaidInterface.Agent;
  if (desired?.softwareRAIDVolumes != null && softwareOf(applied).length > 0) return RaidInterface.Agent;
  return current;
}

/** Upstream's checks (`CheckRAIDInterface`, `buildTargetSoftwareRAIDCfg`): which RAID the node can build at all. */
function refusalFor(raidInterface: string, desired: RaidSpec): string | undefined {
  const hardware = hardwareOf(desired) ?? [];
  const software = softwareOf(desired);
  if (hardware.length > 0 && software.length > 0) return 'spec.raid: hardwareRAIDVolumes and softwareRAIDVolumes cannot both be set';
  if (raidInterface === RaidInterface.None && hardware.length > 0) return `spec.raid: RAID volumes are set, but the node's RAID interface "${raidInterface}" cannot configure RAID`;
  if (raidInterface === RaidInterface.Agent && hardware.length > 0) return `spec.raid.hardwareRAIDVolumes: the node's RAID interface "${raidInterface}" builds software RAID only`;
  if (software.length > 0 && software[0]!.level !== '1') return `spec.raid.softwareRAIDVolumes: the first software RAID volume must be level "1", not "${software[0]!.level}"`;
  return undefined;
}

/** Software volumes → Ironic logical disks on the `software` controller; the root volume as upstream marks it. */
function softwareDisksOf(volumes: readonly SoftwareRaidVolume[], options: { hasRootDeviceHints: boolean }): LogicalDisk[] {
  const disks = volumes.map((v): LogicalDisk => {
    const disk: LogicalDisk = { size_gb: v.sizeGibibytes ? v.sizeGibibytes : 'MAX', raid_level: v.level, controller: 'software' };
    const members = (v.physicalDisks ?? []).map((h) => rootDeviceOf(h)).filter((h): h is Record<string, unknown> => h !== undefined);
    if (members.length > 0) disk.physical_disks = members;
    return disk;
  });
  const chosen = volumes.findIndex((v) => v.rootVolume === true);
  if (chosen >= 0) disks[chosen]!.is_root_volume = true;
  else if (disks.length > 0 && !options.hasRootDeviceHints) disks[0]!.is_root_volume = true;
  return disks;
}

/** Hardware volumes → Ironic logical disks; the first is the root volume unless root device hints choose the disk. */
export function logicalDisksOf(volumes: readonly HardwareRaidVolume[], options: { hasRootDeviceHints: boolean }): { disks: LogicalDisk[] } | { problem: string } {
  const seen = new Map<string, number>();
  const disks: LogicalDisk[] = [];
  for (const [i, v] of volumes.entries()) {
    if (v.name) {
      const first = seen.get(v.name);
      if (first !== undefined) return { problem: `spec.raid.hardwareRAIDVolumes: volumes ${first} and ${i} are both named "${v.name}"` };
      seen.set(v.name, i);
    }
    // upstream: an unset or zero size takes what the disks give
    const disk: LogicalDisk = { size_gb: v.sizeGibibytes ? v.sizeGibibytes : 'MAX', raid_level: v.level };
    if (v.name) disk.volume_name = v.name;
    if (v.rotational !== undefined) disk.disk_type = v.rotational ? 'hdd' : 'ssd';
    if (v.numberOfPhysicalDisks !== undefined) disk.number_of_physical_disks = v.numberOfPhysicalDisks;
    if (v.controller) disk.controller = v.controller;
    if (v.physicalDisks && v.physicalDisks.length > 0) disk.physical_disks = [...v.physicalDisks];
    disks.push(disk);
  }
  if (disks.length > 0 && !options.hasRootDeviceHints) disks[0]!.is_root_volume = true;
  return { disks };
}

/** What preparing does about RAID for this spec, status and node. */
export function planRaid({ desired, applied, raidInterface, hasRootDeviceHints }: RaidPlanInput): RaidPlan {
  if (!desired || !raidChangeRequested(desired, applied)) return { kind: 'unchanged' };
  const current = raidInterface ?? RaidInterface.None;
  const refusal = refusalFor(current, desired);
  if (refusal) return { kind: 'refused', reason: refusal };
  const target = raidInterfaceFor(current, desired, applied);
  const switched = target !== current ? { raidInterface: target } : {};
  if (desired.softwareRAIDVolumes != null && (softwareOf(desired).length > 0 || softwareOf(applied).length > 0)) {
    const software = softwareOf(desired);
    const steps: RaidCleanStep[] = [{ interface: 'raid', step: 'delete_configuration' }, { interface: 'deploy', step: 'erase_devices_metadata' }];
    if (software.length > 0) steps.push({ interface: 'raid', step: 'create_configuration' });
    return { kind: 'apply', target: softwareDisksOf(software, { hasRootDeviceHints }), steps, applied: { softwareRAIDVolumes: structuredClone(software) }, ...switched };
  }
  const hardware = hardwareOf(desired) ?? [];
  // no-raid has no RAID steps: an empty list asks for nothing it could do (upstream); recorded so it is not asked again
  if (current === RaidInterface.None) return { kind: 'apply', target: [], steps: [], applied: { hardwareRAIDVolumes: [] } };
  const built = logicalDisksOf(hardware, { hasRootDeviceHints });
  if ('problem' in built) return { kind: 'refused', reason: built.problem };
  // delete first: create_configuration adds to what exists, and only the asked-for volumes should remain
  const steps: RaidCleanStep[] = [{ interface: 'raid', step: 'delete_configuration' }];
  if (built.disks.length > 0) steps.push({ interface: 'raid', step: 'create_configuration' });
  return { kind: 'apply', target: built.disks, steps, applied: { hardwareRAIDVolumes: structuredClone(hardware) } };
}
