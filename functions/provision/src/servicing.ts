/**
 * @module provision/servicing: firmware changes on a provisioned host (upstream's "servicing"), as
 * Ironic service steps. Only while the host is being rebooted (off, and asked to be on) and only what
 * its HostUpdatePolicy allows (`firmwareSettings: onReboot`); nothing is sent otherwise.
 * operationalStatus is `servicing` while Ironic works, a failure is a `servicing error`, and a later
 * spec (or none left to apply) ends it with `service` again, which returns the node to active.
 */
import type { StoredUpdatePolicy } from '../../../shared/src/api/firmware.ts';
import { settingsServicingAllowed } from '../../../shared/src/firmware/change.ts';
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

  const allowed = settingsServicingAllowed(o.policy);
  const plan = planFirmwareSettings(host, o.firmware, ctx.now);
  const step = allowed ? plan.step : undefined;
  const service = (steps: unknown[]): Action => ({ do: 'provision', node: node.uuid, target: 'service', extras: { service_steps: steps, disable_ramdisk: true } });

  if (node.provision_state === N.ServiceFailed) {
    // Ironic saves the state before the error, under its lock: wait for the reason
    if (node.reservation && !node.last_error) return continueWith('Ironic is still recording the servicing failure', plan.actions, SERVICING);
    const recorded = host.status?.errorType === ErrorType.Servicing;
    if (!recorded || !isRetryOfRecordedFailure(host, node)) return failWith(`servicing failed: ${node.last_error ?? 'no reason given'}`);
    // Ironic puts a node whose service step failed in maintenance, which refuses the next `service`
    if (node.maintenance) return continueWith('clearing the maintenance a servicing failure left', [...plan.actions, { do: 'maintenance', node: node.uuid, on: false }], SERVICING);
    // retry with what the spec asks now; with nothing left, an empty `service` returns the node to active
    return continueWith(step ? 'servicing again with the current settings' : 'ending the failed servicing', [...plan.actions, service(step ? [step] : [])], SERVICING);
  }
  // node active
  if (step && host.status?.operationalStatus !== OperationalStatus.Servicing) {
    return continueWith(`servicing: applying BIOS settings ${step.args.settings.map((s) => s.name).join(', ')}`, [...plan.actions, service([step])], SERVICING);
  }
  return completeWith(host.status?.operationalStatus === OperationalStatus.Servicing ? 'servicing finished' : 'nothing to service', plan.actions, { operationalStatus: OperationalStatus.OK });
}
