/**
 * @module enroll/decide: registration as one pure decision over (host, observed).
 * Order matters: finalizer before any Ironic node exists, so deletion can always clean up.
 */
import { abandonment } from '../../../shared/src/handler/abandoned.ts';
import { provideActions } from '../../../shared/src/handler/actions.ts';
import type { Action } from '../../../shared/src/handler/actions.ts';
import type { DecideContext } from '../../../shared/src/handler/types.ts';
import { isRetryOfRecordedFailure } from '../../../shared/src/handler/retry.ts';
import { toNodeInterfaceFields } from '../../../shared/src/bmc/access-details.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { IronicProvisionState as N } from '../../../shared/src/ironic/states.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { completeWith, continueWith, failWith } from '../../../shared/src/state-machine/outcome.ts';
import type { Outcome } from '../../../shared/src/state-machine/outcome.ts';
import { HOST_FINALIZER, ProvisioningState as S } from '../../../shared/src/state-machine/states.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import { desiredInstanceInfo } from '../../provision/src/instance-info.ts';
import type { EnrollObserved } from './observe.ts';

/** Ironic boot_mode capability per spec.bootMode (upstream mapping). */
/** Ironic's first API version with `disable_power_off`. */
export const DISABLE_POWER_OFF_VERSION = '1.95';
const atLeast = (version: string, wanted: string): boolean => {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = wanted.split('.').map(Number);
  return a > c || (a === c && b >= d);
};

export function bootModeCapability(bootMode: string | undefined): string {
  if (bootMode === 'legacy') return 'boot_mode:bios';
  if (bootMode === 'UEFISecureBoot') return 'boot_mode:uefi,secure_boot:true';
  return 'boot_mode:uefi';
}

const goodVersionOf = (host: StoredHost): string | undefined =>
  (host.status as { goodCredentials?: { credentialsVersion?: string } } | undefined)?.goodCredentials?.credentialsVersion;

/** In a stable state: the credentials Secret changed, so Ironic gets the new ones (no state change). */
function decideReRegister(host: StoredHost, o: EnrollObserved): Outcome<Action> {
  if (!o.credentials.ok) return failWith(o.credentials.message);
  if (!o.driver.ok) return failWith(o.driver.message);
  const creds = o.credentials;
  const ref = { credentials: { name: creds.secretName, namespace: host.metadata.namespace ?? 'default' }, credentialsVersion: creds.resourceVersion };
  const status = { goodCredentials: ref, triedCredentials: ref };
  // nothing to do is not a success to record: completing would clear an error nothing has fixed
  if (goodVersionOf(host) === creds.resourceVersion) return continueWith('credentials unchanged', []);
  if (!o.node) return completeWith('no Ironic node: nothing to update', [], status);
  return completeWith('credentials changed: driver_info updated', [
    { do: 'patchNode', node: o.node.uuid, why: 'new BMC credentials', ops: [{ op: 'replace', path: '/driver_info', value: o.driver.value.driverInfo }] },
  ], status);
}

/**
 * Detach (`baremetalhost.metal3.io/detached`): Ironic lets go of the node without touching the machine:
 * maintenance, then delete (Ironic neither undeploys, cleans nor powers off a node deleted in maintenance).
 * operationalStatus `detached` stays until the annotation goes; then the host registers and adopts again.
 */
function decideDetach(node: IronicNode | null): Outcome<Action> {
  if (!node) return completeWith('detached: Ironic no longer manages the host', [], { operationalStatus: 'detached', goodCredentials: null, provisioning: { ID: '' } });
  return continueWith('detaching: deleting the Ironic node in maintenance', [
    ...(node.maintenance ? [] : [{ do: 'maintenance', node: node.uuid, on: true, reason: 'detached from metal3' } as const]),
    { do: 'deleteNode', node: node.uuid },
  ]);
}

/**
 * Registered again after a detach or a restored status: the node is brought to the host's state without
 * redeploying anything. Provisioned hosts are adopted (Ironic `adopt`: manageable → active, nothing
 * written); an available host is provided (cleaning as its spec asks).
 */
function decideReattach(host: StoredHost, node: IronicNode, ctx: DecideContext, good: Record<string, unknown>): Outcome<Action> {
  const provisioned = ctx.state === S.Provisioned || ctx.state === S.ExternallyProvisioned;
  const state = node.provision_state ?? '';
  if (provisioned) {
    if (state === N.Active) return completeWith('registered again and adopted (Ironic node active)', [], good);
    if (state === N.AdoptFailed) return failWith(`adoption failed: ${node.last_error ?? 'no reason given'}`, [], good);
    if (state === N.Adopting) return continueWith('Ironic is adopting the node', [], good);
    if (state !== N.Manageable) return continueWith(`waiting for the Ironic node (${state}) before adoption`, [], good);
    // the image that is on the disk, so Ironic's view matches the machine
    const deployed = host.status?.provisioning?.image ?? host.spec.image;
    const customDeploy = host.status?.provisioning?.customDeploy ?? host.spec.customDeploy;
    const info = deployed || customDeploy?.method ? desiredInstanceInfo({ ...host, spec: { ...host.spec, image: deployed, customDeploy } }, ctx.config, node.deploy_interface ?? undefined) : {};
    return continueWith('adopting the deployed host (no deploy)', [
      ...(Object.keys(info).length > 0 ? [{ do: 'patchNode', node: node.uuid, why: 'instance_info of the deployed image', ops: [{ op: 'add', path: '/instance_info', value: info }] } as const] : []),
      { do: 'provision', node: node.uuid, target: 'adopt' },
    ], good);
  }
  if (state === N.Available) return completeWith('registered again (Ironic node available)', [], good);
  if (state === N.CleanFailed) return failWith(`cleaning failed: ${node.last_error ?? 'no reason given'}`, [], good);
  if (state !== N.Manageable) return continueWith(`waiting for the Ironic node (${state})`, [], good);
  return continueWith('providing the node again', provideActions(host, node), good);
}

export function decideEnroll(host: StoredHost, o: EnrollObserved, ctx: DecideContext): Outcome<Action> {
  const reattaching = ctx.due.kind === 'maintain' && ctx.due.edge.when === 'registrationLost';
  if (ctx.due.kind === 'maintain' && ctx.due.edge.when === 'detachRequested') return decideDetach(o.node);
  if (ctx.due.kind === 'maintain' && !reattaching) return decideReRegister(host, o);
  if (!(host.metadata.finalizers ?? []).includes(HOST_FINALIZER)) {
    return continueWith('adding finalizer', [{ do: 'setFinalizers', finalizers: [...(host.metadata.finalizers ?? []), HOST_FINALIZER] }]);
  }
  if (!o.credentials.ok) return failWith(o.credentials.message);
  if (!o.driver.ok) return failWith(o.driver.message);
  if (o.macConflict) return failWith(o.macConflict);
  const powerOffDisabled = host.spec.disablePowerOff === true;
  if (powerOffDisabled && o.ironicMaxVersion !== undefined && !atLeast(o.ironicMaxVersion, DISABLE_POWER_OFF_VERSION)) {
    return failWith(`spec.disablePowerOff needs Ironic API ${DISABLE_POWER_OFF_VERSION} (disable_power_off); this Ironic offers up to ${o.ironicMaxVersion}`);
  }
  const creds = o.credentials;
  const tried = {
    triedCredentials: { credentials: { name: creds.secretName, namespace: host.metadata.namespace ?? 'default' }, credentialsVersion: creds.resourceVersion },
  };
  const driver = o.driver.value;

  if (ctx.config.MANAGEMENT_MODE === 'direct') {
    // no Ironic: power and inventory only, through the BMC the check just reached
    if (!o.bmcCheck) return failWith('direct mode needs direct BMC access, and no BMC client is configured', [], tried);
    if (!o.bmcCheck.ok) return failWith(o.bmcCheck.message, [], tried);
    return completeWith('BMC reachable: registered for direct management (no Ironic node)', [], { ...tried, goodCredentials: tried.triedCredentials });
  }

  // new credentials are a new attempt: a registration error recorded with the old ones no longer holds
  const triedBefore = (host.status as { triedCredentials?: { credentialsVersion?: string } } | undefined)?.triedCredentials?.credentialsVersion;
  const credentialsChanged = triedBefore !== undefined && triedBefore !== creds.resourceVersion;
  const fresh = credentialsChanged && host.status?.operationalStatus === 'error'
    ? { operationalStatus: 'OK', errorType: null, errorMessage: '', errorCount: 0 }
    : {};

  if (!o.node) {
    if (o.bmcCheck && !o.bmcCheck.ok) return failWith(o.bmcCheck.message, [], tried);
    const spec = host.spec as StoredHost['spec'] & { bootMode?: string; architecture?: string };
    return continueWith('creating Ironic node', [{
      do: 'createNode',
      body: {
        name: nodeNameFor(host),
        driver: driver.driver,
        driver_info: driver.driverInfo,
        ...toNodeInterfaceFields(driver.interfaces),
        automated_clean: host.spec.automatedCleaningMode !== 'disabled',
        ...(powerOffDisabled ? { disable_power_off: true } : {}),
        properties: {
          capabilities: bootModeCapability(spec.bootMode),
          ...(spec.architecture ? { cpu_arch: spec.architecture } : {}),
        },
        extra: { metal3_uid: host.metadata.uid ?? '' },
      },
    }], { ...tried, ...fresh });
  }

  const node = o.node;
  const status: Record<string, unknown> = { ...tried };
  if (host.status?.provisioning?.ID !== node.uuid) status.provisioning = { ID: node.uuid };

  // Ironic holds older credentials than the Secret (BMO: tried ≠ Secret): hand them over and verify again
  if (credentialsChanged && node.provision_state !== N.Verifying) {
    const actions: Action[] = [
      { do: 'patchNode', node: node.uuid, why: 'new BMC credentials', ops: [{ op: 'replace', path: '/driver_info', value: driver.driverInfo }] },
    ];
    if (node.provision_state === N.Enroll) actions.push({ do: 'provision', node: node.uuid, target: 'manage' });
    return continueWith('credentials changed: updating driver_info', actions, { ...status, ...fresh, goodCredentials: null });
  }

  // the flag follows the spec both ways (an older node may lack the field: false)
  if ((node.disable_power_off === true) !== powerOffDisabled) {
    return continueWith(`${powerOffDisabled ? 'disabling' : 'enabling'} power off in Ironic (spec.disablePowerOff)`, [
      { do: 'patchNode', node: node.uuid, why: 'spec.disablePowerOff', ops: [{ op: 'replace', path: '/disable_power_off', value: powerOffDisabled }] },
    ], status);
  }

  const mac = host.spec.bootMACAddress?.toLowerCase();
  if (mac && !o.ports.some((p) => p.address.toLowerCase() === mac)) {
    return continueWith('creating boot MAC port', [{ do: 'createPort', node: node.uuid, address: mac }], status);
  }

  const good = { ...status, goodCredentials: tried.triedCredentials };
  if (reattaching && node.provision_state !== N.Enroll && node.provision_state !== N.Verifying) return decideReattach(host, node, ctx, good);
  switch (node.provision_state) {
    case N.Enroll:
      // a failed verify leaves the node in enroll with last_error; report it once, retry after the backoff
      if (node.last_error && !isRetryOfRecordedFailure(host, node)) return failWith(`BMC verification failed: ${node.last_error}`, [], status);
      return continueWith('verifying BMC access (manage)', [{ do: 'provision', node: node.uuid, target: 'manage' }], status);
    case N.Verifying: {
      // nothing is deployed before registration ends: an abandoned node is replaced, not reported
      const abandoned = abandonment(node, ctx);
      if (abandoned) {
        return continueWith(`${abandoned}; deleting it to register again`, [
          { do: 'maintenance', node: node.uuid, on: true, reason: 'abandoned while verifying; re-registering' },
          { do: 'deleteNode', node: node.uuid },
        ], status);
      }
      return continueWith('Ironic is verifying BMC access', [], status);
    }
    case N.Manageable:
    case N.Available:
    case N.Active:
      return completeWith(`registered (Ironic node ${node.provision_state})`, [], good);
    default:
      // inspecting, cleaning, deploying...: a re-registration of a host that is further along
      return completeWith(`registered (Ironic node ${node.provision_state})`, [], good);
  }
}
