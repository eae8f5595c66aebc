/** @module ironic/device-hints: upstream's device hints (rootDeviceHints, software RAID member disks) as Ironic's hint maps. Pure. */

export interface RootDeviceHints {
  deviceName?: string; hctl?: string; model?: string; vendor?: string; serialNumber?: string;
  minSizeGigabytes?: number; wwn?: string; wwnWithExtension?: string; wwnVendorExtension?: string; rotational?: boolean;
}

/** rootDeviceHints → Ironic root_device with its operators (upstream `BuildTargetRootDeviceHints`). */
export function rootDeviceOf(h: RootDeviceHints | undefined): Record<string, unknown> | undefined {
  if (!h) return undefined;
  const out: Record<string, unknown> = {};
  if (h.deviceName) out[h.deviceName.startsWith('/dev/disk/by-path/') ? 'by_path' : 'name'] = `s== ${h.deviceName}`;
  if (h.hctl) out.hctl = `s== ${h.hctl}`;
  if (h.model) out.model = `<in> ${h.model}`;
  if (h.vendor) out.vendor = `<in> ${h.vendor}`;
  if (h.serialNumber) out.serial = `s== ${h.serialNumber}`;
  if (h.minSizeGigabytes) out.size = `>= ${h.minSizeGigabytes}`;
  if (h.wwn) out.wwn = `s== ${h.wwn}`;
  if (h.wwnWithExtension) out.wwn_with_extension = `s== ${h.wwnWithExtension}`;
  if (h.wwnVendorExtension) out.wwn_vendor_extension = `s== ${h.wwnVendorExtension}`;
  if (h.rotational !== undefined) out.rotational = h.rotational;
  return Object.keys(out).length > 0 ? out : undefined;
}
