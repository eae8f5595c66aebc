/** @module power/observe: the node's power as Ironic reports it. */
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';

export interface PowerObserved {
  node: IronicNode | null;
  /** direct BMC power state, only when there is no node */
  bmcPower?: 'on' | 'off' | { error: string } | undefined;
}

export async function observePower(host: StoredHost, deps: HandlerDeps): Promise<PowerObserved> {
  const { node } = await findNode(deps.ironic, host);
  if (node || !deps.bmc || !host.spec.bmc?.address) return { node };
  // no Ironic node (detached host): the BMC is the only source of truth for power
  try {
    const client = await deps.bmc.forHost(host, host.spec.bmc.address, host.spec.bmc.credentialsName, {
      disableCertificateVerification: host.spec.bmc.disableCertificateVerification,
    });
    return { node, bmcPower: await client.powerState() };
  } catch (e) {
    return { node, bmcPower: { error: (e as Error).message } };
  }
}
