/** @module deprovision/observe: the host's Ironic node, if any is left. */
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';

export interface DeprovisionObserved {
  node: IronicNode | null;
  /** direct BMC power is possible (BMC factory configured and the host names a BMC) */
  bmcReachable: boolean;
}

export async function observeDeprovision(host: StoredHost, deps: HandlerDeps): Promise<DeprovisionObserved> {
  // direct mode runs without Ironic: never ask it
  const { node } = deps.config.MANAGEMENT_MODE === 'direct' ? { node: null } : await findNode(deps.ironic, host);
  return { node, bmcReachable: deps.bmc !== undefined && Boolean(host.spec.bmc?.address && host.spec.bmc.credentialsName) };
}
