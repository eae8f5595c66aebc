/**
 * @module inspect/observe: the node, and its inventory once inspection has
 * finished; for fast inspection (and direct mode) the BMC's own inventory.
 */
import type { HardwareInventory } from '../../../shared/src/bmc/types.ts';
import { BmcUnsupportedError, messageOf } from '../../../shared/src/errors.ts';
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { hardwareFromInventory, hardwareFromNodeProperties } from '../../../shared/src/inventory/from-ironic.ts';
import { findNode } from '../../../shared/src/ironic/lookup.ts';
import { IronicProvisionState as N } from '../../../shared/src/ironic/states.ts';
import type { IronicNode } from '../../../shared/src/ironic/types.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { currentState } from '../../../shared/src/state-machine/guard.ts';
import type { FirmwareObserved } from '../../../shared/src/firmware/plan.ts';
import { readFirmware } from '../../../shared/src/firmware/read.ts';
import { ProvisioningState as S } from '../../../shared/src/state-machine/states.ts';

/** The BMC's answer to an inventory request; `unsupported`: the protocol has none (IPMI). */
export type BmcInventory =
  | { ok: true; value: HardwareInventory }
  | { ok: false; unsupported: boolean; message: string };

export interface InspectObserved {
  node: IronicNode | null;
  /** set once Ironic finished inspecting: what it found (undefined = it found nothing, e.g. fake inspection) */
  hardware?: { source: 'ironic-inventory' | 'node-properties' | 'bmc-inventory' | 'none'; value?: HardwareInventory | undefined } | undefined;
  /** fast inspection: the inventory read from the BMC (undefined = no BMC client configured) */
  bmcInventory?: BmcInventory | undefined;
  /** preparing: Ironic's cached BIOS settings and the host's HostFirmwareSettings */
  firmware?: FirmwareObserved | undefined;
}

/**
 * Ironic states in which preparing reads the BIOS and firmware caches (refreshed at manage and after
 * cleaning); after a failed cleaning, to forget the firmware updates recorded as started.
 */
const FIRMWARE_READABLE: readonly string[] = [N.Manageable, N.Available, N.CleanFailed];


export const inspectionFinished = (node: IronicNode): boolean =>
  node.provision_state === N.Manageable && Boolean((node as { inspection_finished_at?: string | null }).inspection_finished_at);

/** Inventory straight from the BMC (Redfish), without Ironic and without booting a ramdisk. */
export const isFastInspection = (host: StoredHost, deps: Pick<HandlerDeps, 'config'>): boolean =>
  host.spec.inspectionMode === 'fast' || deps.config.MANAGEMENT_MODE === 'direct';

async function readBmcInventory(host: StoredHost, deps: HandlerDeps): Promise<BmcInventory | undefined> {
  const bmc = host.spec.bmc;
  if (!deps.bmc || !bmc?.address) return undefined;
  try {
    const client = await deps.bmc.forHost(host, bmc.address, bmc.credentialsName, { disableCertificateVerification: bmc.disableCertificateVerification });
    return { ok: true, value: await client.inventory() };
  } catch (e) {
    return { ok: false, unsupported: e instanceof BmcUnsupportedError, message: `BMC ${bmc.address} inventory failed: ${messageOf(e)}` };
  }
}

export async function observeInspect(host: StoredHost, deps: HandlerDeps): Promise<InspectObserved> {
  // direct mode runs without Ironic: never ask it
  const { node } = deps.config.MANAGEMENT_MODE === 'direct' ? { node: null } : await findNode(deps.ironic, host);
  if (currentState(host) === S.Preparing) {
    return node && FIRMWARE_READABLE.includes(node.provision_state ?? '') ? { node, firmware: await readFirmware(host, node, deps) } : { node };
  }
  if (isFastInspection(host, deps) && currentState(host) === S.Inspecting) {
    return { node, bmcInventory: await readBmcInventory(host, deps) };
  }
  if (!node || !inspectionFinished(node)) return { node };
  const inv = await deps.ironic.getInventory(node.uuid);
  if (inv) return { node, hardware: { source: 'ironic-inventory', value: hardwareFromInventory(inv.inventory) } };
  const ports = await deps.ironic.listPorts({ node: node.uuid });
  const fromProps = hardwareFromNodeProperties(node.properties ?? {}, ports.map((p) => p.address));
  return { node, hardware: fromProps ? { source: 'node-properties', value: fromProps } : { source: 'none' } };
}
