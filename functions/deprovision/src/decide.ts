/**
 * @module deprovision/decide: undeploy + cleaning (deprovisioning), hard power
 * off before delete, and Ironic node deletion (deleting), as upstream BMO.
 */
import { abandonment } from '../../../shared/src/handler/abandoned.ts';
import { provideActions } from '../../../shared/src/handler/actions.ts';
import type { Action } from '../../../shared/src/handler/actions.ts';
import { isRetryOfRecordedFailure } from '../../../shared/src/handler/retry.ts';
import type { DecideContext } from '../../../shared/src/handler/types.ts';
import { IronicPowerState as P, IronicProvisionState as N, isPowerChangeInProgress, isProvisionOperationRunning } from '../../../shared/src/ironic/states.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { completeWith, continueWith, failWith } from '../../../shared/src/state-machine/outcome.ts';
import type { Outcome } from '../../../shared/src/state-machine/outcome.ts';
import { clearRebootAnnotations } from '../../../shared/src/state-machine/conditions.ts';
import { ProvisioningState as S } from '../../../shared/src/state-machine/states.ts';
import type { DeprovisionObserved } from './observe.ts';

/** Upstream gives up cleaning/powering off during a delete after this many errors. */
export const DELETE_GIVE_UP_AFTER = 3;

const BUSY: readonly string[] = [N.Verifying, N.Deploying, N.DeployWait, N.Deleting, N.Cleaning, N.CleanWait, N.Inspecting, N.InspectWait, N.Adopting];
const UNDEPLOYABLE: readonly string[] = [N.Active, N.DeployFailed, N.DeployWait, N.Error];

const deleting = (h: StoredHost): boolean => Boolean(h.metadata.deletionTimestamp);
const givingUp = (h: StoredHost): boolean => deleting(h) && (h.status?.errorCount ?? 0) > DELETE_GIVE_UP_AFTER;

/** What the status keeps after a clean undeploy: no deployed image. */
const undeployed = { provisioning: { image: null, customDeploy: null, rootDeviceHints: null } };

function decideDeprovisioning(host: StoredHost, node: IronicNode | null, ctx: DecideContext): Outcome<Action> {
  if (!node) return completeWith('no Ironic node: nothing deployed', [], undeployed);
  if (givingUp(host)) return completeWith(`giving up on host clean up after ${DELETE_GIVE_UP_AFTER} attempts`, [], undeployed);
  const state = node.provision_state ?? '';
  const abandoned = abandonment(node, ctx);
  if (abandoned) {
    // no API verb leaves a conductor state: a delete goes on (the node is deleted in maintenance, as upstream
    // does once it gives up), anything else reports it
    if (deleting(host)) return completeWith(`${abandoned}; nothing can undeploy it, going on with the delete`, [], undeployed);
    return failWith(abandoned);
  }
  if (UNDEPLOYABLE.includes(state)) {
    // `deploy failed` keeps its target (`active`) while nothing runs: undeploy it, do not wait
    if (isProvisionOperationRunning(node)) return continueWith(`Ironic node is ${state} → ${node.target_provision_state}`);
    return continueWith('undeploying', [{ do: 'provision', node: node.uuid, target: 'deleted' }]);
  }
  switch (state) {
    case N.Available:
      return completeWith('node cleaned and available', [], undeployed);
    case N.Manageable:
      return continueWith('providing node (cleaning)', provideActions(host, node));
    case N.Enroll:
      // never got past registration: nothing was deployed
      return completeWith('node never registered: nothing to clean', [], undeployed);
    case N.CleanFailed:
      if (!isRetryOfRecordedFailure(host, node)) return failWith(`Cleaning failed: ${node.last_error ?? 'no reason given'}`);
      return continueWith('retrying cleaning', [{ do: 'provision', node: node.uuid, target: 'manage' }]);
    default:
      if (BUSY.includes(state)) return continueWith(`Ironic node is ${state}`);
      return failWith(`cannot deprovision: Ironic node is in state "${state}"`);
  }
}

function decidePowerOff(host: StoredHost, o: DeprovisionObserved, ctx: DecideContext): Outcome<Action> {
  const node = o.node;
  // upstream skips this step for such hosts; Ironic would refuse the power off anyway
  if (host.spec.disablePowerOff === true) return completeWith('power off skipped: spec.disablePowerOff', []);
  if (givingUp(host)) return completeWith(`giving up on power off after ${DELETE_GIVE_UP_AFTER} attempts`, [], { poweredOn: false });
  if (!node) {
    // no node left (or never created): power off through the BMC itself when we can
    const bmc = host.spec.bmc;
    if (o.bmcReachable && bmc && host.status?.poweredOn) {
      return completeWith('powered off through the BMC', [{ do: 'bmcPower', address: bmc.address, credentialsSecret: bmc.credentialsName, action: 'off', disableCertificateVerification: bmc.disableCertificateVerification === true }], { poweredOn: false });
    }
    return completeWith('no Ironic node to power off', [], { poweredOn: false });
  }
  if (node.power_state === P.Off && !node.target_power_state) return completeWith('powered off', [], { poweredOn: false });
  // an orphaned target (no conductor holds the node) never finishes: the power off below asks again
  if (isPowerChangeInProgress(node)) return continueWith(`Ironic is changing power to ${node.target_power_state}`);
  // wait only while Ironic works; a failed state keeps its target (e.g. `clean failed` after a conductor
  // restart) and would otherwise be waited on forever
  if (BUSY.includes(node.provision_state ?? '') && !abandonment(node, ctx)) return continueWith(`Ironic is busy (${node.provision_state} → ${node.target_provision_state ?? '-'})`);
  if (node.provision_state === N.Enroll) return completeWith('node in enroll: power not managed', [], { poweredOn: false });
  return continueWith('powering off before delete', [{ do: 'power', node: node.uuid, target: 'power off' }]);
}

function decideDeleting(host: StoredHost, node: IronicNode | null, ctx: DecideContext): Outcome<Action> {
  if (!node) return completeWith('Ironic node deleted');
  const state = node.provision_state ?? '';
  // Ironic holds an exclusive lock while verifying; transient states finish by themselves, unless abandoned
  const waitable = !abandonment(node, ctx);
  if (waitable && (state === N.Verifying || (BUSY.includes(state) && !givingUp(host)))) return continueWith(`waiting for Ironic (${state}) before delete`);
  const actions: Action[] = [];
  if ((state === N.Available || state === N.Manageable) && node.instance_uuid) {
    actions.push({ do: 'patchNode', node: node.uuid, why: 'clear stale instance_uuid', ops: [{ op: 'remove', path: '/instance_uuid' }] });
  }
  if (![N.Enroll, N.Manageable, N.Available].includes(state as never) && !node.maintenance) {
    // any other state: maintenance first, then Ironic accepts the delete (upstream)
    actions.push({ do: 'maintenance', node: node.uuid, on: true, reason: 'BareMetalHost deleted' });
  }
  actions.push({ do: 'deleteNode', node: node.uuid });
  return continueWith('deleting Ironic node', actions);
}

export function decideDeprovision(host: StoredHost, o: DeprovisionObserved, ctx: DecideContext): Outcome<Action> {
  switch (ctx.state) {
    case S.Deprovisioning: {
      const outcome = decideDeprovisioning(host, o.node, ctx);
      // reboot annotations do not outlive the deployment they were for (upstream clears them once deprovisioned)
      const staleReboots = clearRebootAnnotations(host);
      if (outcome.kind !== 'complete' || !staleReboots) return outcome;
      return { ...outcome, actions: [...outcome.actions, { do: 'setAnnotations', annotations: staleReboots }] };
    }
    case S.PoweringOffBeforeDelete: return decidePowerOff(host, o, ctx);
    case S.Deleting: return decideDeleting(host, o.node, ctx);
    default: return failWith(`deprovision does not work in state "${ctx.state}"`);
  }
}
