/**
 * @module provision/decide: deploy spec.image, exactly one deploy request per
 * attempt. The request is made only while Ironic shows the node `available`
 * with our instance_info, and only by the delivery that first records it on
 * the host (`status.deployRequest`, written resourceVersion-checked just
 * before the request): duplicates that read the host before that write lose
 * the race and re-read; those that read it after wait for Ironic.
 * Ironic's own state machine alone is not enough: a deploy that fails at once
 * leaves `deploy failed`, from which a stale duplicate's request is accepted.
 */
import { clearRebootAnnotations } from '../../../shared/src/state-machine/conditions.ts';
import { failIfAbandoned } from '../../../shared/src/handler/abandoned.ts';
import type { Action } from '../../../shared/src/handler/actions.ts';
import type { DecideContext } from '../../../shared/src/handler/types.ts';
import { IronicProvisionState as N } from '../../../shared/src/ironic/states.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { completeWith, continueWith, failWith } from '../../../shared/src/state-machine/outcome.ts';
import type { Outcome } from '../../../shared/src/state-machine/outcome.ts';
import { configDriveOf, deployStepsOf, desiredInstanceInfo, instanceInfoDiff, isLiveIso } from './instance-info.ts';
import type { ProvisionObserved } from './observe.ts';

const BUSY: readonly string[] = [N.Verifying, N.Cleaning, N.CleanWait, N.Deploying, N.DeployWait, N.Deleting];

/**
 * How long a recorded deploy request stands while Ironic still shows `available`: longer than our
 * Ironic client can spend on one request with its retries (3 × 30 s + backoff). After it, the
 * request is taken as lost (its sender died before sending) and made again.
 */
export const DEPLOY_REQUEST_GRACE_MS = 120_000;

export interface DeployRequest { image: string; attempt: number; at: string }

const deployRequestOf = (host: StoredHost): DeployRequest | undefined =>
  (host.status as { deployRequest?: DeployRequest } | undefined)?.deployRequest;

export function decideProvision(host: StoredHost, o: ProvisionObserved, ctx: DecideContext): Outcome<Action> {
  const image = host.spec.image?.url ? host.spec.image : undefined;
  const custom = host.spec.customDeploy?.method ? host.spec.customDeploy : undefined;
  if (!image && !custom) return failWith('spec.image.url is empty and spec.customDeploy names no method');
  if (!o.node) return failWith('no Ironic node for this host; it must be registered again');
  const node: IronicNode = o.node;
  // what this attempt deploys, in the words of a deploy request and of messages
  const target = image ? image.url : `custom deploy step ${custom!.method}`;
  // null removes what an earlier attempt recorded (status changes are merge patches)
  const attempt = { lastAttemptedImage: image ?? null, lastAttemptedCustomDeploy: custom ?? null };
  // a reboot asked before provisioning must not power off the freshly provisioned host (upstream clears them)
  const staleReboots = clearRebootAnnotations(host);
  if (staleReboots) return continueWith('reboot annotations removed before provisioning', [{ do: 'setAnnotations', annotations: staleReboots }]);

  switch (node.provision_state) {
    case N.Manageable:
      return continueWith('providing node before deploy', [{ do: 'provision', node: node.uuid, target: 'provide' }], attempt);
    case N.Available: {
      const actions: Action[] = [];
      if (o.deployInterface !== undefined && node.deploy_interface !== o.deployInterface) {
        actions.push({ do: 'patchNode', node: node.uuid, why: `deploy interface ${o.deployInterface}`, ops: [{ op: 'replace', path: '/deploy_interface', value: o.deployInterface }] });
      }
      const want = desiredInstanceInfo(host, ctx.config, o.deployInterface ?? node.deploy_interface);
      const stale = instanceInfoDiff(want, node.instance_info);
      if (stale.length > 0 || node.instance_uuid !== (host.metadata.uid ?? null)) {
        actions.push({
          do: 'patchNode', node: node.uuid, why: `instance_info (${stale.join(', ') || 'instance_uuid'})`,
          ops: [
            { op: 'add', path: '/instance_info', value: want },
            { op: 'add', path: '/instance_uuid', value: host.metadata.uid },
          ],
        });
      }
      if (actions.length > 0) return continueWith('setting instance_info', actions, attempt);
      const failed = Object.entries(o.validation ?? {})
        .filter(([iface, r]) => (iface === 'boot' || iface === 'deploy') && r.result === false)
        .map(([iface, r]) => `${iface}: ${r.reason ?? 'invalid'}`);
      if (failed.length > 0) return failWith(`host validation error: ${failed.join('; ')}`, [], attempt);
      const thisAttempt = host.status?.provisioningFailCount ?? 0;
      const requested = deployRequestOf(host);
      if (requested && requested.image === target && requested.attempt === thisAttempt) {
        const age = ctx.now.getTime() - Date.parse(requested.at);
        if (age >= 0 && age < DEPLOY_REQUEST_GRACE_MS) return continueWith(`deploy requested ${Math.round(age / 1000)} s ago; waiting for Ironic to take it`, [], attempt);
      }
      const deploySteps = deployStepsOf(host);
      const extras = {
        ...(isLiveIso(host) && !custom ? {} : { configdrive: configDriveOf(host, o.configDrive ?? {}) }),
        ...(deploySteps ? { deploy_steps: deploySteps } : {}),
      };
      const deployRequest: DeployRequest = { image: target, attempt: thisAttempt, at: ctx.now.toISOString() };
      return continueWith(custom ? `deploying with ${target}` : 'deploying image', [
        { do: 'recordStatus', why: 'deploy request', changes: { deployRequest } },
        { do: 'provision', node: node.uuid, target: 'active', extras },
      ], attempt);
    }
    case N.Active:
      return completeWith(custom ? `${target} done` : 'image deployed', [], {
        deployRequest: null,
        provisioning: {
          image: image ?? null,
          customDeploy: custom ?? null,
          rootDeviceHints: (host.spec as { rootDeviceHints?: unknown }).rootDeviceHints ?? null,
          bootMode: (host.spec as { bootMode?: string }).bootMode ?? 'UEFI',
        },
        provisioningFailCount: 0,
        ...attempt,
      });
    case N.DeployFailed:
      return failWith(`Image provisioning failed (${target}): ${node.last_error ?? 'no reason given'}`, [], {
        provisioningFailCount: (host.status?.provisioningFailCount ?? 0) + 1,
      });
    default:
      if (BUSY.includes(node.provision_state ?? '')) return failIfAbandoned(node, ctx) ?? continueWith(`Ironic node is ${node.provision_state}`);
      return failWith(`cannot provision: Ironic node is in state "${node.provision_state}"`);
  }
}
