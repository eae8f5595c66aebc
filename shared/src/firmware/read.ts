/** @module firmware/read: what preparing and servicing observe of a host's BIOS settings and firmware components (Ironic, Kubernetes). */
import type { HandlerDeps } from '../handler/types.ts';
import type { IronicNode } from '../ironic/types.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import type { FirmwareObserved } from './plan.ts';

/** A firmware interface that can update (redfish); absent on Ironic < 1.86, `no-firmware` for IPMI and fake. */
export const canUpdateFirmware = (node: IronicNode): boolean => Boolean(node.firmware_interface) && node.firmware_interface !== 'no-firmware';

export async function readFirmware(host: StoredHost, node: IronicNode, deps: Pick<HandlerDeps, 'ironic' | 'hosts'>): Promise<FirmwareObserved> {
  const bios = await deps.ironic.getBiosSettings(node.uuid);
  // no settings, no HostFirmwareSettings: hosts without a BIOS interface never need the kind installed
  const settings = bios.length > 0 ? await deps.hosts.getFirmwareSettings(host) : null;
  if (!canUpdateFirmware(node)) return { bios, settings };
  const [ironic, hfc] = await Promise.all([deps.ironic.getFirmwareComponents(node.uuid), deps.hosts.getFirmwareComponents(host)]);
  return { bios, settings, components: { ironic, hfc } };
}
