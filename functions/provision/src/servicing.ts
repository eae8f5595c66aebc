/**
 * @module provision/servicing: firmware changes on a provisioned host (upstream's "servicing"), as
 * Ironic service steps. Only while the host is being rebooted (off, and asked to be on) and only what
 * its HostUpdatePolicy allows (`firmwareSettings: onReboot` for BIOS settings, `firmwareUpdates:
 * onReboot` for firmware updates); nothing is sent otherwise.
 * operationalStatus is `servicing` while Ironic works, a failure is a `servicing error`, and a later
 * spec (or none left to apply) ends it with `service` again, which returns the node to active.
 */
import type { StoredUpdatePolicy } from '../../../shared/src/api/firmware.ts';
import { settingsServicingAllowed, updatesServicingAllowed } from '../../../shared/src/firmware/change.ts';
import { describeFirmwareSteps, planFirmwareUpdates, updatesFailed, updatesStartedActions } from '../../../shared/src/firmware/updates.ts';
import { planFirmwareSettings } from '../../../shared/src/firmware/plan.ts';
import type { FirmwareObserved } from '../../../shared/src/firmware/plan.ts';
import { readFirmware } from '../../../shared/src/firmware/read.ts';
import type { Action } from '../../../shared/src/handler/actions.ts';
import { failIfAbandoned } from '../../../shared/src/handler/abandoned.ts';
import { isRetryOfRecordedFailure } from '../../../shared/src/handler/retry.ts';
import type { DecideContext, HandlerDeps } from '../../../shared/src/handler/types.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import { IronicProvisionState as N } from '../../../shared/src/ironic/states.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { completeWith, continueWith, failWith } from '../../../shared/src/state-machine/outcome.ts';
import type { Outcome } from '../../../shared/src/state-machine/outcome.ts';
import { ErrorType, OperationalStatus } from '../../../shared/src/state-machine/states.ts';

export interface ServicingObserved {
  node: IronicNode | null;
  /** read while the node rests (active, service failed): Ironic's BIOS cache and the HostFirmwareSettings */
  firmware?: FirmwareObserved | undefined;
  policy?: StoredUpdatePolicy | null | undefined;
}

const RESTING: readonly string[] = [N.Active, N.ServiceFailed];
const BUSY: readonly string[] = [N.Servicing, N.ServiceWait];

export async function observeServicing(host: StoredHost, deps: HandlerDeps): Promise<ServicingObserved> {
  const { node } = await findNode(deps.ironic, host);
  if (!node || !RESTING.includes(node.provision_state ?? '')) return { node };
  return { node, firmware: await readFirmware(host, node, deps), policy: await deps.hosts.getUpdatePolicy(host) };
}

const SERVICING = { operationalStatus: OperationalStatus.Servicing };

export function decideServicing(host: StoredHost, o: ServicingObserved, ctx: DecideContext): Outcome<Action> {
  const node = o.node;
  if (!node) return failWith('no Ironic node for this host; it must be registered again');
  if (BUSY.includes(node.provision_state ?? '')) return failIfAbandoned(node, ctx) ?? continueWith(`Ironic node is ${node.provision_state}`, [], SERVICING);
  if (!RESTING.includes(node.provision_state ?? '')) return failWith(`cannot service: Ironic node is in state "${node.provision_state}"`);

  const plan = planFirmwareSettings(host, o.firmware, ctx.now);
  const updates = planFirmwareUpdates(o.firmware?.components, ctx.now);
  // each kind of change only as far as the policy allows it (upstream); both run without a ramdisk
  const settingsStep = settingsServicingAllowed(o.policy) ? plan.step : undefined;
  const updatesStep = updatesServicingAllowed(o.policy) ? updates?.step : undefined;
  const steps = [...(settingsStep ? [settingsStep] : []), ...(updatesStep ? [updatesStep] : [])];
  const service = (sent: unknown[]): Action => ({ do: 'provision', node: node.uuid, target: 'service', extras: { service_steps: sent, disable_ramdisk: true } });
  /** the status writes of this look: updates recorded as started when their step is sent */
  const statusActions = [...plan.actions, ...(updates ? (updatesStep ? updatesStartedActions(updates) : updates.actions) : [])];
  const what = describeFirmwareSteps(settingsStep, updatesStep).join(', ');

  if (node.provision_state === N.ServiceFailed) {
    // Ironic saves the state before the error, under its lock: wait for the reason
    if (node.reservation && !node.last_error) return continueWith('Ironic is still recording the servicing failure', plan.actions, SERVICING);
    const recorded = host.status?.errorType === ErrorType.Servicing;
    // the firmware updates recorded when servicing started did not happen: forget them, so a fixed spec is sent afresh
    if (!recorded || !isRetryOfRecordedFailure(host, node)) return failWith(`servicing failed: ${node.last_error ?? 'no reason given'}`, updatesFailed(o.firmware?.components?.hfc, ctx.now));
    // Ironic puts a node whose service step failed in maintenance, which refuses the next `service`
    if (node.maintenance) return continueWith('clearing the maintenance a servicing failure left', [...plan.actions, { do: 'maintenance', node: node.uuid, on: false }], SERVICING);
    // retry with what the spec asks now; with nothing left, an empty `service` returns the node to active
    return continueWith(steps.length > 0 ? `servicing again: ${what}` : 'ending the failed servicing', [...statusActions, service(steps)], SERVICING);
  }
  // node active
  if (steps.length > 0 && host.status?.operationalStatus !== OperationalStatus.Servicing) {
    return continueWith(`servicing: ${what}`, [...statusActions, service(steps)], SERVICING);
  }
  return completeWith(host.status?.operationalStatus === OperationalStatus.Servicing ? 'servicing finished' : 'nothing to service', [...plan.actions, ...(updates?.actions ?? [])], { operationalStatus: OperationalStatus.OK });
}
