/**
 * @module inspect/decide: inspecting (Ironic inspect → inventory, or the
 * BMC's own inventory for `inspectionMode: fast` and direct mode) and
 * preparing (Ironic provide, automated cleaning) as pure decisions.
 */
import { failIfAbandoned } from '../../../shared/src/handler/abandoned.ts';
import { provideActions } from '../../../shared/src/handler/actions.ts';
import type { Action } from '../../../shared/src/handler/actions.ts';
import { isRetryOfRecordedFailure } from '../../../shared/src/handler/retry.ts';
import type { DecideContext } from '../../../shared/src/handler/types.ts';
import { IronicProvisionState as N } from '../../../shared/src/ironic/states.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { completeWith, continueWith, failWith } from '../../../shared/src/state-machine/outcome.ts';
import type { Outcome } from '../../../shared/src/state-machine/outcome.ts';
import { Annotation, ProvisioningState as S } from '../../../shared/src/state-machine/states.ts';
import { planFirmwareSettings } from '../../../shared/src/firmware/plan.ts';
import type { SpecFirmwareField } from '../../../shared/src/firmware/spec-firmware.ts';
import { planRaid } from '../../../shared/src/raid/plan.ts';
import { describeFirmwareSteps, planFirmwareUpdates, updatesFailed, updatesStartedActions } from '../../../shared/src/firmware/updates.ts';
import type { InspectObserved } from './observe.ts';

/** `inspect.metal3.io/hardwaredetails` as upstream: JSON HardwareDetails, used when inspection gives none. */
export function hardwareDetailsAnnotation(host: StoredHost): Record<string, unknown> | undefined {
  const raw = host.metadata.annotations?.[Annotation.HardwareDetails];
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `node.fault` Ironic sets with maintenance when a clean step fails. */
const CLEAN_FAILURE = 'clean failure';

const BUSY: readonly string[] = [N.Verifying, N.Inspecting, N.InspectWait, N.Cleaning, N.CleanWait, N.Deleting];

function decideInspecting(host: StoredHost, o: InspectObserved, ctx: DecideContext): Outcome<Action> {
  const node = o.node as IronicNode;
  const requested = host.metadata.annotations?.[Annotation.Inspect] !== undefined;
  switch (node.provision_state) {
    case N.Available:
      // re-inspection of an offered host: Ironic inspects only manageable nodes
      return continueWith('moving node to manageable for inspection', [{ do: 'provision', node: node.uuid, target: 'manage' }]);
    case N.InspectFailed:
      if (!isRetryOfRecordedFailure(host, node)) return failWith(`inspection failed: ${node.last_error ?? 'no reason given'}`);
      return continueWith('retrying inspection', [{ do: 'provision', node: node.uuid, target: 'manage' }]);
    case N.Manageable: {
      if (o.hardware === undefined || requested) {
        const actions: Action[] = [{ do: 'provision', node: node.uuid, target: 'inspect' }];
        // upstream removes the re-inspect annotation once inspection starts
        if (requested) actions.push({ do: 'setAnnotations', annotations: { [Annotation.Inspect]: undefined } });
        return continueWith('starting Ironic inspection', actions);
      }
      return finishInspection(host, o);
    }
    default:
      if (BUSY.includes(node.provision_state ?? '')) return failIfAbandoned(node, ctx) ?? continueWith(`Ironic node is ${node.provision_state}`);
      return failWith(`cannot inspect: Ironic node is in state "${node.provision_state}"`);
  }
}

function finishInspection(host: StoredHost, o: InspectObserved): Outcome<Action> {
  const fromAnnotation = hardwareDetailsAnnotation(host);
  const found = o.hardware?.value;
  const hardware = (found as Record<string, unknown> | undefined) ?? fromAnnotation;
  const actions: Action[] = [];
  if (hardware) actions.push({ do: 'hardwareData', hardware });
  if (fromAnnotation !== undefined) actions.push({ do: 'setAnnotations', annotations: { [Annotation.HardwareDetails]: undefined } });
  const why = found ? `inventory from ${o.hardware?.source}` : fromAnnotation ? 'hardware details from annotation' : 'Ironic returned no inventory';
  return completeWith(`inspection finished (${why})`, actions, hardware ? { hardware } : undefined);
}

/**
 * Fast inspection: the inventory the BMC itself reports (Redfish), no Ironic
 * inspection and no ramdisk. In direct mode an IPMI BMC has none: the
 * hardwaredetails annotation (or nothing) is all there is.
 */
function decideFastInspection(host: StoredHost, o: InspectObserved, direct: boolean): Outcome<Action> {
  const inv = o.bmcInventory;
  if (inv === undefined) return failWith('fast inspection reads the inventory from the BMC, and no BMC client is configured');
  if (!inv.ok && !(direct && inv.unsupported)) return failWith(`fast inspection failed: ${inv.message}`);
  const done = finishInspection(host, { node: o.node, hardware: inv.ok ? { source: 'bmc-inventory', value: inv.value } : { source: 'none' } });
  // upstream removes the re-inspect annotation once inspection has run
  if (host.metadata.annotations?.[Annotation.Inspect] === undefined) return done;
  return { ...done, actions: [...done.actions, { do: 'setAnnotations', annotations: { [Annotation.Inspect]: undefined } }] };
}

function decidePreparing(host: StoredHost, o: InspectObserved, ctx: DecideContext): Outcome<Action> {
  const node = o.node as IronicNode;
  const actions: Action[] = [];
  // inspection disabled: the annotation may still carry the hardware details (upstream)
  const fromAnnotation = hardwareDetailsAnnotation(host);
  const status = fromAnnotation ? { hardware: fromAnnotation } : undefined;
  if (fromAnnotation) actions.push({ do: 'hardwareData', hardware: fromAnnotation }, { do: 'setAnnotations', annotations: { [Annotation.HardwareDetails]: undefined } });
  const firmware = planFirmwareSettings(host, o.firmware, ctx.now, { specFirmware: (host.spec as { firmware?: Partial<Record<SpecFirmwareField, boolean>> | null }).firmware ?? undefined });
  actions.push(...firmware.actions);
  if (firmware.refusal) return failWith(firmware.refusal, actions);
  const raid = planRaid({
    desired: host.spec.raid, applied: host.status?.provisioning?.raid, raidInterface: node.raid_interface,
    hasRootDeviceHints: (host.spec as { rootDeviceHints?: unknown }).rootDeviceHints != null,
  });
  if (raid.kind === 'refused') return failWith(raid.reason, actions);
  const raidSteps = raid.kind === 'apply' ? raid.steps : [];
  const updates = planFirmwareUpdates(o.firmware?.components, ctx.now);
  // a RAID spec with nothing to run on this node (no-raid, no volumes) is only recorded, so it is not asked for again
  const settled = raid.kind === 'apply' && raidSteps.length === 0 ? { ...status, provisioning: { raid: raid.applied } } : status;
  // upstream's order, one manual cleaning: RAID, then BIOS settings, then firmware updates
  const steps = [...raidSteps, ...(firmware.step ? [firmware.step] : []), ...(updates?.step ? [updates.step] : [])];
  switch (node.provision_state) {
    case N.Manageable:
      // Ironic puts a node whose clean step failed in maintenance, which refuses the next cleaning (upstream clears it)
      if (node.maintenance && node.fault === CLEAN_FAILURE) {
        return continueWith('clearing the maintenance a cleaning failure left', [...actions, { do: 'maintenance', node: node.uuid, on: false }], status);
      }
      if (steps.length > 0) {
        if (raid.kind === 'apply' && raidSteps.length > 0) {
          // software RAID is the agent's: the node's RAID interface is switched first (upstream), while it is manageable
          if (raid.raidInterface) actions.push({ do: 'patchNode', node: node.uuid, ops: [{ op: 'replace', path: '/raid_interface', value: raid.raidInterface }], why: `RAID interface ${raid.raidInterface} for software RAID` });
          if (raid.target.length > 0) actions.push({ do: 'targetRaidConfig', node: node.uuid, logicalDisks: raid.target as unknown as Record<string, unknown>[] });
        }
        if (updates) actions.push(...(updates.step ? updatesStartedActions(updates) : updates.actions));
        // Ironic's RAID and firmware-update clean steps run with the deploy ramdisk up; BIOS settings alone are out of band
        const needsRamdisk = raidSteps.length > 0 || updates?.step !== undefined;
        actions.push({ do: 'provision', node: node.uuid, target: 'clean', extras: { clean_steps: steps, ...(needsRamdisk ? {} : { disable_ramdisk: true }) } });
        const what = [
          ...(raidSteps.length > 0 ? [`building RAID (${raidSteps.map((s) => s.step).join(', ')})`] : []),
          ...describeFirmwareSteps(firmware.step, updates?.step),
        ];
        // the RAID is recorded once cleaning started (upstream): the next look after cleaning finds nothing left to build
        return continueWith(`${what.join(', ')} by manual cleaning`, actions, raid.kind === 'apply' && raidSteps.length > 0 ? { ...status, provisioning: { raid: raid.applied } } : status);
      }
      if (updates) actions.push(...updates.actions);
      actions.push(...provideActions(host, node));
      return continueWith('providing node (automated cleaning per spec)', actions, settled);
    case N.CleanFailed:
      // Ironic saves the state before the error, under its lock: wait for the reason
      if (node.reservation && !node.last_error) return continueWith('Ironic is still recording the cleaning failure', actions, status);
      // the RAID recorded when cleaning started was not built: forget it, so the retry builds it again (upstream)
      // so are the firmware updates recorded as started
      if (!isRetryOfRecordedFailure(host, node)) {
        return failWith(`cleaning failed: ${node.last_error ?? 'no reason given'}`, updatesFailed(o.firmware?.components?.hfc, ctx.now), host.status?.provisioning?.raid ? { provisioning: { raid: null } } : undefined);
      }
      return continueWith('retrying cleaning', [{ do: 'provision', node: node.uuid, target: 'manage' }]);
    case N.InspectFailed:
      // our inspection already finished; this one was started by a duplicate request that Ironic
      // held until its lock freed (at-least-once delivery) and then broke off (e.g. a conductor restart)
      return continueWith('a second inspection failed after ours completed; back to manageable', [...actions, { do: 'provision', node: node.uuid, target: 'manage' }], status);
    case N.Available:
      // new settings for an offered host: Ironic cleans manageable nodes only
      if (steps.length > 0) return continueWith('moving node to manageable for manual cleaning', [...actions, { do: 'provision', node: node.uuid, target: 'manage' }], status);
      if (updates) actions.push(...updates.actions);
      return completeWith('node available', actions, settled);
    default:
      if (BUSY.includes(node.provision_state ?? '')) return failIfAbandoned(node, ctx) ?? continueWith(`Ironic node is ${node.provision_state}`, actions, status);
      return failWith(`cannot prepare: Ironic node is in state "${node.provision_state}"`);
  }
}

/** Direct mode: no Ironic, so nothing to clean; only hardware details from the annotation. */
function decideDirectPreparing(host: StoredHost): Outcome<Action> {
  const fromAnnotation = hardwareDetailsAnnotation(host);
  if (!fromAnnotation) return completeWith('direct mode: nothing to prepare');
  return completeWith('direct mode: hardware details from annotation', [
    { do: 'hardwareData', hardware: fromAnnotation }, { do: 'setAnnotations', annotations: { [Annotation.HardwareDetails]: undefined } },
  ], { hardware: fromAnnotation });
}

export function decideInspect(host: StoredHost, o: InspectObserved, ctx: DecideContext): Outcome<Action> {
  const direct = ctx.config.MANAGEMENT_MODE === 'direct';
  if (direct && ctx.state === S.Preparing) return decideDirectPreparing(host);
  if (!o.node && !direct) return failWith('no Ironic node for this host; it must be registered again');
  if (ctx.state === S.Inspecting && (direct || host.spec.inspectionMode === 'fast')) return decideFastInspection(host, o, direct);
  return ctx.state === S.Preparing ? decidePreparing(host, o, ctx) : decideInspecting(host, o, ctx);
}
