/** @module firmware/read: what preparing and servicing observe of a host's BIOS settings (Ironic, Kubernetes). */
import type { HandlerDeps } from '../handler/types.ts';
import type { IronicNode } from '../ironic/types.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import type { FirmwareObserved } from './plan.ts';

export async function readFirmware(host: StoredHost, node: IronicNode, deps: Pick<HandlerDeps, 'ironic' | 'hosts'>): Promise<FirmwareObserved> {
  const bios = await deps.ironic.getBiosSettings(node.uuid);
  // no settings, no HostFirmwareSettings: hosts without a BIOS interface never need the kind installed
  return { bios, settings: bios.length > 0 ? await deps.hosts.getFirmwareSettings(host) : null };
}
