/** @module inspect/observe: the node, and its inventory once inspection has finished. */
import type { HardwareInventory } from '../../../shared/src/bmc/types.ts';
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { hardwareFromInventory, hardwareFromNodeProperties } from '../../../shared/src/inventory/from-ironic.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import { IronicProvisionState as N } from '../../../shared/src/ironic/states.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';

export interface InspectObserved {
  node: IronicNode | null;
  /** set once Ironic finished inspecting: what it found (undefined = it found nothing, e.g. fake inspection) */
  hardware?: { source: 'ironic-inventory' | 'node-properties' | 'none'; value?: HardwareInventory | undefined } | undefined;
}

export const inspectionFinished = (node: IronicNode): boolean =>
  node.provision_state === N.Manageable && Boolean((node as { inspection_finished_at?: string | null }).inspection_finished_at);

export async function observeInspect(host: StoredHost, deps: HandlerDeps): Promise<InspectObserved> {
  const { node } = await findNode(deps.ironic, host);
  if (!node || !inspectionFinished(node)) return { node };
  const inv = await deps.ironic.getInventory(node.uuid);
  if (inv) return { node, hardware: { source: 'ironic-inventory', value: hardwareFromInventory(inv.inventory) } };
  const ports = await deps.ironic.listPorts({ node: node.uuid });
  const fromProps = hardwareFromNodeProperties(node.properties ?? {}, ports.map((p) => p.address));
  return { node, hardware: fromProps ? { source: 'node-properties', value: fromProps } : { source: 'none' } };
}
