/**
 * @module ironic/lookup: find a host's Ironic node without creating duplicates
 * (BMO's order: status.provisioning.ID → name `<ns>~<name>` → boot MAC port).
 */
import type { HostView } from '../state-machine/host-view.ts';
import type { IronicClient, IronicNode } from './types.ts';

/** Ironic node name for a host, as upstream: `<namespace>~<name>`. */
export const nodeNameFor = (host: HostView): string => `${host.metadata.namespace ?? 'default'}~${host.metadata.name}`;

export interface NodeLookup {
  node: IronicNode | null;
  /** a node found only through the boot MAC that belongs to another host */
  macConflict?: string | undefined;
}

export async function findNode(ironic: IronicClient, host: HostView): Promise<NodeLookup> {
  const id = host.status?.provisioning?.ID;
  if (id) {
    const byId = await ironic.getNode(id);
    if (byId) return { node: byId };
  }
  const byName = await ironic.getNode(nodeNameFor(host));
  if (byName) return { node: byName };
  const mac = host.spec.bootMACAddress;
  if (mac) {
    const [port] = await ironic.listPorts({ address: mac.toLowerCase() });
    if (port) {
      const owner = await ironic.getNode(port.node_uuid);
      if (owner && owner.name && owner.name !== nodeNameFor(host)) {
        return { node: null, macConflict: `MAC address ${mac} conflicts with existing node ${owner.name}` };
      }
      if (owner) return { node: owner };
    }
  }
  return { node: null };
}
