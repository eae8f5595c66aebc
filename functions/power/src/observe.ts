/**
 * @module power/observe: the node's power as Ironic reports it; for a host
 * without a node that may be powered directly (detached, direct mode), the BMC's.
 */
import { messageOf } from '../../../shared/src/errors.ts';
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { isDirectMode } from './direct.ts';

export interface PowerObserved {
  node: IronicNode | null;
  /** why the BMC may be used directly (no node); undefined: power only through Ironic */
  direct?: 'direct mode' | undefined;
  /** direct BMC power state, read only when `direct` is set */
  bmcPower?: 'on' | 'off' | { error: string } | undefined;
}

export async function observePower(host: StoredHost, deps: HandlerDeps): Promise<PowerObserved> {
  // direct mode runs without Ironic: never ask it
  const { node } = isDirectMode(deps.config) ? { node: null } : await findNode(deps.ironic, host);
  if (node) return { node };
  const direct = isDirectMode(deps.config) ? 'direct mode' : undefined;
  if (!direct || !deps.bmc || !host.spec.bmc?.address) return { node, direct };
  // no Ironic node: the BMC is the only source of truth for power
  try {
    const client = await deps.bmc.forHost(host, host.spec.bmc.address, host.spec.bmc.credentialsName, {
      disableCertificateVerification: host.spec.bmc.disableCertificateVerification,
    });
    return { node, direct, bmcPower: await client.powerState() };
  } catch (e) {
    return { node, direct, bmcPower: { error: `BMC ${host.spec.bmc.address} power status failed: ${messageOf(e)}` } };
  }
}
