/**
 * @module redfish-emulator/raid: Storage Volumes of a hardware RAID controller.
 * A create names the RAID type and the drives (`Links.Drives`); the controller
 * refuses a type it does not build, too few or too many drives, a drive already
 * in a volume, or a size above what the drives give. `@Redfish.OperationApplyTime`
 * `Immediate` (the default) builds at once (201); `OnReset` answers 202 with a
 * task and builds at the system's next reset, as controllers that need a reboot do.
 */
import type { RedfishFailure } from './errors.ts';
import { Failures } from './errors.ts';

export const SUPPORTED_RAID_TYPES = ['RAID0', 'RAID1', 'RAID5', 'RAID10'] as const;
export type RaidType = (typeof SUPPORTED_RAID_TYPES)[number];

export interface VolumeState {
  id: string;
  name: string;
  raidType: RaidType;
  capacityBytes: number;
  driveIds: string[];
}

export interface PendingVolumeOp {
  kind: 'create' | 'delete';
  volume: VolumeState;
  taskId: string;
}

/** Drives each RAID type takes, and the usable size they give. */
const RULES: Record<RaidType, { ok: (n: number) => boolean; need: string; usable: (sizes: number[]) => number }> = {
  RAID0: { ok: (n) => n >= 1, need: 'at least 1 drive', usable: (s) => s.reduce((a, b) => a + b, 0) },
  RAID1: { ok: (n) => n === 2, need: 'exactly 2 drives', usable: (s) => Math.min(...s) },
  RAID5: { ok: (n) => n >= 3, need: 'at least 3 drives', usable: (s) => (s.length - 1) * Math.min(...s) },
  RAID10: { ok: (n) => n >= 4 && n % 2 === 0, need: 'an even number of drives, at least 4', usable: (s) => (s.length / 2) * Math.min(...s) },
};

export interface CreateVolumeInput {
  body: Record<string, unknown>;
  drives: ReadonlyMap<string, { id: string; sizeBytes: number }>;
  /** drives already in a volume (or in one pending) */
  usedDriveIds: ReadonlySet<string>;
  nextId: string;
}

/** Validates a create request; the volume to build, or the controller's refusal. */
export function planVolume({ body, drives, usedDriveIds, nextId }: CreateVolumeInput): VolumeState | RedfishFailure {
  const raid = body.RAIDType ?? body.VolumeType;
  if (raid === undefined) return Failures.createFailedMissingReqProperties('RAIDType');
  if (typeof raid !== 'string' || !(SUPPORTED_RAID_TYPES as readonly string[]).includes(raid)) return Failures.propertyValueNotInList(String(raid), 'Volumes/RAIDType');
  const links = (body.Links as { Drives?: unknown } | undefined)?.Drives;
  if (!Array.isArray(links) || links.length === 0) return Failures.createFailedMissingReqProperties('Links/Drives');
  const ids: string[] = [];
  for (const l of links) {
    const path = (l as { '@odata.id'?: unknown } | null)?.['@odata.id'];
    const id = typeof path === 'string' ? path.split('/').pop()! : '';
    const drive = drives.get(id);
    if (!drive || typeof path !== 'string' || !path.endsWith(`/Drives/${id}`)) return Failures.propertyValueNotInList(String(path), 'Links/Drives');
    if (usedDriveIds.has(id) || ids.includes(id)) return Failures.resourceInUse(`drive ${id} is already part of a volume`);
    ids.push(id);
  }
  const rule = RULES[raid as RaidType];
  if (!rule.ok(ids.length)) return Failures.propertyValueConflict(`${raid} with ${ids.length} drive(s)`, `${raid} needs ${rule.need}`);
  const usable = rule.usable(ids.map((id) => drives.get(id)!.sizeBytes));
  const wanted = body.CapacityBytes;
  if (wanted !== undefined && (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted <= 0)) return Failures.propertyValueTypeError(String(wanted), 'CapacityBytes');
  if (typeof wanted === 'number' && wanted > usable) return Failures.propertyValueOutOfRange(String(wanted), 'CapacityBytes');
  const name = typeof body.Name === 'string' && body.Name.length > 0 ? body.Name.slice(0, 64) : `Volume ${nextId}`;
  return { id: nextId, name, raidType: raid as RaidType, capacityBytes: typeof wanted === 'number' ? wanted : usable, driveIds: ids };
}

export type ApplyTime = 'Immediate' | 'OnReset';

/** `@Redfish.OperationApplyTime` of a create or delete. */
export function applyTimeOf(body: Record<string, unknown> | undefined): ApplyTime | RedfishFailure {
  const t = body?.['@Redfish.OperationApplyTime'];
  if (t === undefined || t === 'Immediate') return 'Immediate';
  if (t === 'OnReset') return 'OnReset';
  return Failures.propertyValueNotInList(String(t), '@Redfish.OperationApplyTime');
}
