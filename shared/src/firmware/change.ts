/**
 * @module firmware/change: does a host's HostFirmwareSettings ask for a change? Pure; the watcher
 * asks it to wake the host, the shell asks it again (never trusting the event) before acting.
 */
import { FirmwareConditionType } from '../api/firmware.ts';
import type { StoredFirmwareSettings, StoredUpdatePolicy } from '../api/firmware.ts';
import { pendingSettings } from './settings.ts';

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
