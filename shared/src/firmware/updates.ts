/**
 * @module firmware/updates: the firmware-update part of preparing and servicing, pure. Ironic's cached
 * firmware components become the host's HostFirmwareComponents status; valid `spec.updates` not yet
 * applied become one `firmware.update` step (upstream's order: after RAID and BIOS settings), run by
 * manual cleaning (preparing) or servicing; invalid ones are reported, never sent.
 *
 * `status.updates` records what was last started: written when the step is sent (the node comes back
 * to the same Ironic state afterwards, so nothing else tells a finished update from one never started)
 * and dropped again when the cleaning or servicing fails, so a fixed spec is applied afresh.
 */
import { FirmwareConditionType } from '../api/firmware.ts';
import type { FirmwareComponentStatus, FirmwareUpdate, HostFirmwareComponentsStatus, StoredFirmwareComponents } from '../api/firmware.ts';
import { canonicalJson } from '../canonical-json.ts';
import type { Action } from '../handler/actions.ts';
import type { IronicFirmwareComponent } from '../ironic/types.ts';
import { condition, kubeTime, problemsMessage } from './settings.ts';
import type { FirmwarePlan } from './plan.ts';

/** What preparing or servicing observed of a host's firmware components. */
export interface ComponentsObserved {
  /** the versions Ironic's firmware interface cached (at manage, inspection and after each update) */
  ironic: IronicFirmwareComponent[];
  /** the host's HostFirmwareComponents; null when none exists yet */
  hfc: StoredFirmwareComponents | null;
}

export type FirmwareUpdateStep = { interface: 'firmware'; step: 'update'; args: { settings: FirmwareUpdate[] } };

export interface UpdatesPlan {
  /** the HostFirmwareComponents status as observed now (updates as last recorded) */
  status: HostFirmwareComponentsStatus;
  /** the status write (and an Event when the spec newly fails validation); empty when nothing changed */
  actions: Action[];
  /** the step that applies the valid updates not yet applied; undefined when there is none */
  step?: FirmwareUpdateStep | undefined;
}

/** Upstream's condition reasons on HostFirmwareComponents. */
export const ComponentsReason = { OK: 'OK', InvalidComponent: 'InvalidComponent' } as const;

/** Upstream accepts `bios`, `bmc` and NIC components (`nic:<id>`). */
const VALID_COMPONENT = /^(bios|bmc|nic:[A-Za-z0-9._:-]+)$/;

/** Why each update cannot be sent (empty: all can). */
export function updateProblems(updates: readonly FirmwareUpdate[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const u of updates) {
    if (!VALID_COMPONENT.test(u.component)) problems.push(`component "${u.component}" is not one of bios, bmc or nic:<id>`);
    else if (seen.has(u.component)) problems.push(`component "${u.component}" is listed twice`);
    seen.add(u.component);
    let url: URL | undefined;
    try { url = new URL(u.url); } catch { url = undefined; }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) problems.push(`url for "${u.component}" is not an http(s) URL`);
  }
  return problems;
}

const same = (a: readonly FirmwareUpdate[] | undefined, b: readonly FirmwareUpdate[] | undefined): boolean =>
  canonicalJson((a ?? []).map(({ component, url }) => ({ component, url }))) === canonicalJson((b ?? []).map(({ component, url }) => ({ component, url })));

/**
 * True when spec.updates lists updates not yet started, unless this very spec (generation) was already
 * judged invalid: an invalid spec is reported once and does not wake the host until it is edited.
 */
export function updatesRequested(hfc: StoredFirmwareComponents | null | undefined): boolean {
  const desired = hfc?.spec?.updates ?? [];
  if (desired.length === 0 || same(desired, hfc?.status?.updates)) return false;
  const valid = hfc?.status?.conditions?.find((c) => c.type === FirmwareConditionType.Valid);
  return !(valid?.status === 'False' && valid.observedGeneration === hfc?.metadata.generation);
}


/** Ironic's component rows as upstream's status.components (initial version kept from the first look). */
export function componentsStatus(ironic: readonly IronicFirmwareComponent[], previous: readonly FirmwareComponentStatus[] | undefined): FirmwareComponentStatus[] {
  return [...ironic].sort((a, b) => a.component.localeCompare(b.component)).map((c) => {
    const before = previous?.find((p) => p.component === c.component);
    const updatedAt = c.last_version_flashed && c.updated_at ? { updatedAt: kubeTime(new Date(c.updated_at)) } : {};
    return {
      component: c.component,
      initialVersion: before?.initialVersion ?? c.initial_version,
      ...(c.current_version ? { currentVersion: c.current_version } : {}),
      ...(c.last_version_flashed ? { lastVersionFlashed: c.last_version_flashed } : {}),
      ...updatedAt,
    };
  });
}

/** The HostFirmwareComponents status and the update step, for what Ironic cached and what the spec asks. */
export function planFirmwareUpdates(observed: ComponentsObserved | undefined, now: Date): UpdatesPlan | undefined {
  // no firmware interface (IPMI, fake, Ironic < 1.86): upstream leaves such hosts without components
  if (!observed || (observed.ironic.length === 0 && !observed.hfc)) return undefined;
  const { hfc } = observed;
  const previous = hfc?.status;
  const desired = hfc?.spec?.updates ?? [];
  const problems = updateProblems(desired);
  const validMessage = problemsMessage(problems);
  const pending = desired.length > 0 && !same(desired, previous?.updates);
  const generation = hfc?.metadata.generation !== undefined ? { observedGeneration: hfc.metadata.generation } : {};
  const status: HostFirmwareComponentsStatus = {
    ...(previous?.updates ? { updates: previous.updates } : {}),
    components: componentsStatus(observed.ironic, previous?.components),
    lastUpdated: kubeTime(now),
    conditions: [
      condition(previous?.conditions, {
        type: FirmwareConditionType.ChangeDetected, status: pending ? 'True' : 'False', reason: ComponentsReason.OK,
        message: pending ? `updates to apply: ${desired.map((u) => u.component).join(', ')}` : '', ...generation,
      }, now),
      condition(previous?.conditions, {
        type: FirmwareConditionType.Valid, status: problems.length === 0 ? 'True' : 'False',
        reason: problems.length === 0 ? ComponentsReason.OK : ComponentsReason.InvalidComponent, message: validMessage, ...generation,
      }, now),
    ],
  };
  const actions = componentsWrite(previous, status);
  const wasInvalid = previous?.conditions?.find((c) => c.type === FirmwareConditionType.Valid);
  if (problems.length > 0 && !(wasInvalid?.status === 'False' && wasInvalid.message === validMessage)) {
    actions.push({ do: 'recordEvent', type: 'Warning', reason: 'InvalidFirmwareUpdates', note: `HostFirmwareComponents not applied: ${problems.join('; ')}`.slice(0, 1024) });
  }
  const step = pending && problems.length === 0 ? { interface: 'firmware' as const, step: 'update' as const, args: { settings: desired.map(({ component, url }) => ({ component, url })) } } : undefined;
  return { status, actions, step };
}

/** The status write when anything but lastUpdated changed (lastUpdated alone would make every look a write). */
function componentsWrite(previous: Partial<HostFirmwareComponentsStatus> | undefined, next: HostFirmwareComponentsStatus): Action[] {
  const { lastUpdated: _new, ...after } = next;
  const { lastUpdated: _old, ...before } = previous ?? {};
  return canonicalJson(before) === canonicalJson(after) ? [] : [{ do: 'firmwareComponents', status: next }];
}

/** The plan's actions with its status write recording the step's updates as started (sent with the step). */
export function updatesStartedActions(plan: UpdatesPlan): Action[] {
  const started: Action = { do: 'firmwareComponents', status: { ...plan.status, updates: plan.step?.args.settings ?? plan.status.updates ?? [] } };
  return [...plan.actions.filter((a) => a.do !== 'firmwareComponents'), started];
}

/** The write that forgets the updates recorded when the failed cleaning or servicing started; none when none were. */
export function updatesFailed(hfc: StoredFirmwareComponents | null | undefined, now: Date): Action[] {
  if (!hfc?.status?.updates) return [];
  const { updates: _dropped, ...rest } = hfc.status;
  return [{ do: 'firmwareComponents', status: { ...rest, lastUpdated: kubeTime(now) } as HostFirmwareComponentsStatus }];
}

/** How the firmware steps read in a host's status message (preparing and servicing say it alike). */
export function describeFirmwareSteps(settings: FirmwarePlan['step'], updates: FirmwareUpdateStep | undefined): string[] {
  return [
    ...(settings ? [`applying BIOS settings ${settings.args.settings.map((s) => s.name).join(', ')}`] : []),
    ...(updates ? [`updating firmware (${updates.args.settings.map((u) => u.component).join(', ')})`] : []),
  ];
}
