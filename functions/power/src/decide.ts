/**
 * @module power/decide: spec.online enforced in stable states. Through Ironic
 * when the host has a node (so the two never fight); through the BMC only for
 * hosts Ironic does not manage (MANAGEMENT_MODE=direct).
 * status.poweredOn always shows what Ironic (or the BMC) reports.
 */
import { abandonment } from '../../../shared/src/handler/abandoned.ts';
import type { Action } from '../../../shared/src/handler/actions.ts';
import { isRetryOfRecordedFailure } from '../../../shared/src/handler/retry.ts';
import type { DecideContext } from '../../../shared/src/handler/types.ts';
import { IronicPowerState as P, isPowerChangeInProgress, isProvisionOperationRunning } from '../../../shared/src/ironic/states.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { completeWith, continueWith, failWith, retryIn } from '../../../shared/src/state-machine/outcome.ts';
import type { Outcome } from '../../../shared/src/state-machine/outcome.ts';
import { desiredPoweredOn, isRebootable, rebootRequest, rebootsServed } from '../../../shared/src/state-machine/conditions.ts';
import { Annotation } from '../../../shared/src/state-machine/states.ts';
import type { PowerObserved } from './observe.ts';

/** Upstream retries power changes refused while Ironic is busy after 3 s. */
export const BUSY_RETRY_MS = 3_000;

/** No Ironic node: the BMC directly, but only in direct mode. */
function decideDirect(host: StoredHost, o: PowerObserved, want: boolean): Outcome<Action> {
  const bmc = host.spec.bmc;
  if (!o.direct) return failWith('no Ironic node for this host: power goes through Ironic; it must be registered again');
  if (o.bmcPower === undefined || !bmc) return failWith(`${o.direct} host: direct power needs the BMC address and a BMC client, and there is none`);
  if (typeof o.bmcPower === 'object') return failWith(o.bmcPower.error);
  const on = o.bmcPower === 'on';
  if (on === want) return completeWith(`BMC reports power ${o.bmcPower} (${o.direct})`, [], { poweredOn: on });
  return completeWith(`powering ${want ? 'on' : 'off'} through the BMC (${o.direct})`, [
    { do: 'bmcPower', address: bmc.address, credentialsSecret: bmc.credentialsName, action: want ? 'on' : 'off', disableCertificateVerification: bmc.disableCertificateVerification === true },
  ], { poweredOn: want });
}

/**
 * spec.disablePowerOff: Ironic refuses any power off, so a reboot annotation is served by one Ironic
 * reboot (soft unless hard is asked) and the host stays on. The one-shot annotation is removed with
 * it (upstream); a keyed one stays until its owner removes it, and is recorded as served in our own
 * annotation so it causes one reboot, not one per look (the record follows the keys present).
 */
function rebootInsteadOfPowerOff(host: StoredHost, node: NonNullable<PowerObserved['node']>, status: { poweredOn: boolean }): Outcome<Action> | undefined {
  const reboot = rebootRequest(host);
  const served = rebootsServed(host);
  const record = (keys: string[]) => ({ [Annotation.RebootsServed]: keys.length > 0 ? JSON.stringify(keys) : undefined });
  if (!reboot || !isRebootable(host)) {
    if (served.length === 0) return undefined;
    return continueWith('reboot annotations gone: forgetting the reboots served', [{ do: 'setAnnotations', annotations: record([]) }], status);
  }
  const pending = reboot.heldBy.filter((k) => !served.includes(k));
  const keep = [...served.filter((k) => reboot.heldBy.includes(k)), ...pending];
  if (!reboot.oneShot && pending.length === 0) {
    const done = `reboot done, the host stays on (spec.disablePowerOff; held by ${reboot.heldBy.join(', ')})`;
    return keep.length === served.length ? completeWith(done, [], status) : completeWith(done, [{ do: 'setAnnotations', annotations: record(keep) }], status);
  }
  return continueWith(`reboot (${reboot.mode}) instead of power off (spec.disablePowerOff)`, [
    { do: 'power', node: node.uuid, target: reboot.mode === 'soft' ? P.SoftRebooting : P.Rebooting },
    { do: 'setAnnotations', annotations: { ...record(keep), ...(reboot.oneShot ? { [Annotation.RebootPrefix]: undefined } : {}) } },
  ], status);
}

export function decidePower(host: StoredHost, o: PowerObserved, ctx: DecideContext): Outcome<Action> {
  // a reboot annotation on a provisioned host wants it off until the annotations are gone
  const reboot = rebootRequest(host);
  const want = desiredPoweredOn(host);
  const rebooting = reboot !== undefined && want !== host.spec.online;
  const node = o.node;
  if (!node) return decideDirect(host, o, want);
  const observedOn = node.power_state === P.On;
  const status = { poweredOn: observedOn };
  if (isPowerChangeInProgress(node)) return continueWith(`Ironic is changing power to ${node.target_power_state}`, [], status);
  // the one-shot reboot has done its part once the host is off (upstream removes it then)
  if (reboot?.oneShot && node.power_state === P.Off) {
    return continueWith(`reboot: the host is off; ${Annotation.RebootPrefix} removed`, [{ do: 'setAnnotations', annotations: { [Annotation.RebootPrefix]: undefined } }], status);
  }
  // upstream: power changes are refused while a provisioning operation runs
  if (isProvisionOperationRunning(node)) {
    // an abandoned node is reported by the function that owns its state; retrying here would never end
    const abandoned = abandonment(node, ctx);
    if (abandoned) return continueWith(`${abandoned}; power waits`, [], status);
    return retryIn(BUSY_RETRY_MS, `Ironic node busy (${node.provision_state} → ${node.target_provision_state})`);
  }
  if (host.spec.disablePowerOff === true) {
    const reboot = rebootInsteadOfPowerOff(host, node, status);
    if (reboot) return reboot;
  }
  // an orphaned target (no conductor holds the node) is asked again below
  if (node.power_state !== null && observedOn === want && !node.target_power_state) {
    const held = rebooting && reboot.heldBy.length > 0 ? ` (reboot held by ${reboot.heldBy.join(', ')})` : '';
    return completeWith(`power is ${node.power_state}${held}`, [], status);
  }
  // a soft power off that Ironic gave up on (its soft power off timeout) falls back to a hard one (upstream)
  if (rebooting && reboot.mode === 'soft' && observedOn && /soft/i.test(node.last_error ?? '') && !node.target_power_state) {
    return continueWith(`reboot: soft power off failed (${node.last_error}); powering off hard`, [{ do: 'power', node: node.uuid, target: P.Off }], status);
  }
  // Ironic clears last_error when a power action starts and sets it when one fails:
  // report a failure once, and after the backoff try again (a newer failure is reported again)
  if (node.last_error && node.power_state !== null) {
    const inError = host.status?.operationalStatus === 'error';
    if (!inError || !isRetryOfRecordedFailure(host, node)) return failWith(`power ${want ? 'on' : 'off'} failed: ${node.last_error}`, [], status);
  }
  if (rebooting) {
    const target = reboot.mode === 'soft' ? P.SoftPowerOff : P.Off;
    return continueWith(`reboot (${reboot.mode}): powering off`, [{ do: 'power', node: node.uuid, target }], status);
  }
  return continueWith(`powering ${want ? 'on' : 'off'}`, [{ do: 'power', node: node.uuid, target: want ? P.On : P.Off }], status);
}
