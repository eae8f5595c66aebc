/**
 * @module firmware/plan: the BIOS part of preparing and servicing, pure. Ironic's cached BIOS settings and
 * registry become the host's HostFirmwareSettings status and a shared FirmwareSchema; valid desired
 * settings that differ from the host's become one `bios.apply_configuration` step (out of band: no
 * ramdisk), run by manual cleaning (preparing) or servicing; invalid ones are reported, never sent.
 */
import type { StoredFirmwareSettings } from '../api/firmware.ts';
import { FirmwareConditionType } from '../api/firmware.ts';
import { judgeSettings, readBios, schemaNameOf } from './settings.ts';
import { specFirmwareSettings } from './spec-firmware.ts';
import type { SpecFirmwareField } from './spec-firmware.ts';
import type { Action } from '../handler/actions.ts';
import type { IronicBiosSetting } from '../ironic/types.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import type { ComponentsObserved } from './updates.ts';
import { canonicalJson } from '../canonical-json.ts';

/** What preparing observed of the host's firmware settings. */
export interface FirmwareObserved {
  /** Ironic's cached BIOS settings with their registry (empty: the BIOS interface reads none) */
  bios: IronicBiosSetting[];
  /** the host's HostFirmwareSettings; null when none exists yet */
  settings: StoredFirmwareSettings | null;
  /** Ironic's firmware components and the HostFirmwareComponents; undefined without a firmware interface */
  components?: ComponentsObserved | undefined;
}

export interface FirmwarePlan {
  /** status writes (and an Event when the desired settings newly fail the schema) */
  actions: Action[];
  /** spec.firmware asks for a feature the registry has no setting for: nothing is applied, this is the reason */
  refusal?: string | undefined;
  /** the clean or service step that applies the valid pending settings; undefined when nothing is to apply */
  step?: { interface: 'bios'; step: 'apply_configuration'; args: { settings: { name: string; value: string }[] } } | undefined;
}


/** The HostFirmwareSettings status and the step to apply, for what Ironic read and what the spec asks. */
export function planFirmwareSettings(host: StoredHost, observed: FirmwareObserved | undefined, now: Date, options: { specFirmware?: Partial<Record<SpecFirmwareField, boolean>> | undefined } = {}): FirmwarePlan {
  // no BIOS interface (IPMI, fake): upstream leaves such hosts without settings too
  if (!observed) return { actions: [] };
  if (observed.bios.length === 0) {
    const asked = Object.keys(options.specFirmware ?? {});
    return asked.length > 0 ? { actions: [], refusal: 'spec.firmware needs BIOS settings Ironic can read (a Redfish BMC); this host reports none' } : { actions: [] };
  }
  const hardware = (host.status?.hardware as { systemVendor?: { manufacturer?: string; productName?: string } } | undefined)?.systemVendor;
  const reading = readBios(observed.bios, { vendor: hardware?.manufacturer, model: hardware?.productName });
  const namespace = host.metadata.namespace ?? 'default';
  const schemaRef = { namespace, name: schemaNameOf(reading.schema) };
  const previous = observed.settings?.status;
  // spec.firmware (the BareMetalHost's) is mapped onto the registry; HostFirmwareSettings wins where both name a setting
  const fromSpec = options.specFirmware ? specFirmwareSettings(options.specFirmware, reading.schema.schema) : { settings: {}, problems: [] };
  const verdict = judgeSettings({
    desired: { ...fromSpec.settings, ...(observed.settings?.spec?.settings ?? {}) }, reading, schemaRef, previous, generation: observed.settings?.metadata.generation, now,
  });
  const { lastUpdated: _new, ...next } = verdict.status;
  const { lastUpdated: _old, ...before } = previous ?? {};
  // an unchanged status is not written again (lastUpdated alone would make every look a write)
  const actions: Action[] = canonicalJson(before) === canonicalJson(next) ? [] : [{ do: 'firmwareSettings', schema: { ...schemaRef, spec: reading.schema }, status: verdict.status }];
  const wasInvalid = previous?.conditions?.find((c) => c.type === FirmwareConditionType.Valid);
  const message = verdict.status.conditions?.find((c) => c.type === FirmwareConditionType.Valid)?.message ?? '';
  if (verdict.problems.length > 0 && !(wasInvalid?.status === 'False' && wasInvalid.message === message)) {
    actions.push({ do: 'recordEvent', type: 'Warning', reason: 'InvalidFirmwareSettings', note: `HostFirmwareSettings not applied: ${message}`.slice(0, 1024) });
  }
  if (fromSpec.problems.length > 0) return { actions, refusal: fromSpec.problems.join('; ') };
  if (verdict.pending.length === 0) return { actions };
  return { actions, step: { interface: 'bios', step: 'apply_configuration', args: { settings: verdict.pending } } };
}
