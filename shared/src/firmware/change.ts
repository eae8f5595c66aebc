/**
 * @module firmware/change: does a host's HostFirmwareSettings ask for a change? Pure; the watcher
 * asks it to wake the host, the shell asks it again (never trusting the event) before acting.
 */
import { FirmwareConditionType } from '../api/firmware.ts';
import type { StoredFirmwareComponents, StoredFirmwareSettings, StoredUpdatePolicy } from '../api/firmware.ts';
import { pendingSettings } from './settings.ts';
import { updatesRequested } from './updates.ts';

/**
 * True when the desired settings differ from those Ironic last read, unless this very spec
 * (generation) was already judged invalid: an invalid spec is reported once, never applied, and
 * does not wake the host again until it is edited.
 */
export function firmwareChangeRequested(hfs: StoredFirmwareSettings | null | undefined): boolean {
  const desired = hfs?.spec?.settings ?? {};
  const current = hfs?.status?.settings;
  // no status yet: Ironic has not been read, the next preparing will
  if (current === undefined || Object.keys(desired).length === 0) return false;
  if (pendingSettings(desired, current).length === 0) return false;
  const valid = hfs?.status?.conditions?.find((c) => c.type === FirmwareConditionType.Valid);
  return !(valid?.status === 'False' && valid.observedGeneration === hfs?.metadata.generation);
}

/** Upstream: a provisioned host's firmware settings may change only when its HostUpdatePolicy says `onReboot`. */
export const settingsServicingAllowed = (policy: StoredUpdatePolicy | null | undefined): boolean => policy?.spec?.firmwareSettings === 'onReboot';

/** Upstream: a provisioned host's firmware may be updated only when its HostUpdatePolicy says `onReboot`. */
export const updatesServicingAllowed = (policy: StoredUpdatePolicy | null | undefined): boolean => policy?.spec?.firmwareUpdates === 'onReboot';

/** Which firmware changes a host's objects ask for, and whether its policy lets each be serviced. */
export interface FirmwareAsks {
  /** the HostFirmwareSettings asks for settings the host does not have */
  settings: boolean;
  /** the HostFirmwareComponents lists updates not yet started */
  updates: boolean;
  /** the HostUpdatePolicy allows BIOS settings on a provisioned host */
  settingsAllowed: boolean;
  /** the HostUpdatePolicy allows firmware updates on a provisioned host */
  updatesAllowed: boolean;
}

export function firmwareAsks(hfs: StoredFirmwareSettings | null | undefined, hfc: StoredFirmwareComponents | null | undefined, policy: StoredUpdatePolicy | null | undefined): FirmwareAsks {
  return { settings: firmwareChangeRequested(hfs), updates: updatesRequested(hfc), settingsAllowed: settingsServicingAllowed(policy), updatesAllowed: updatesServicingAllowed(policy) };
}

/** The guard facts: a change asked for, and whether the policy allows servicing some change that is asked for. */
export function firmwareFacts(a: FirmwareAsks): { firmwareChangeRequested: boolean; servicingAllowed: boolean } {
  return { firmwareChangeRequested: a.settings || a.updates, servicingAllowed: (a.settings && a.settingsAllowed) || (a.updates && a.updatesAllowed) };
}
