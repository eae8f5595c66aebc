/**
 * @module bmc/types: the one seam every BMC protocol client implements.
 *
 * Functions talk to a BMC directly only for credential checks, power of hosts
 * without an Ironic node, and fast inventory; everything else goes through Ironic.
 */

export type PowerState = 'on' | 'off';

/** Power requests, named after what the operator asks for (metal3-bmc power <action>). */
export type PowerAction = 'on' | 'off' | 'soft-off' | 'cycle' | 'reset';

export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios';

export interface BootDeviceSetting {
  device: BootDevice | 'none' | 'other';
  /** true: every boot; false: next boot only */
  persistent: boolean;
  uefi: boolean;
}

export interface SetBootDeviceOptions {
  persistent?: boolean;
  uefi?: boolean;
}

/** What `metal3-bmc info` prints: identity of the BMC and the system behind it. */
export interface BmcInfo {
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  /** IPMI: device id / revision; Redfish: Manager id */
  bmcId?: string;
  powerState?: PowerState;
}

/** Inventory in BareMetalHost `status.hardware` shape (upstream field names). */
export interface HardwareInventory {
  cpu?: { arch?: string; model?: string; clockMegahertz?: number; flags?: string[]; count?: number };
  nics?: { name?: string; model?: string; mac?: string; ip?: string; speedGbps?: number; pxe?: boolean }[];
  ramMebibytes?: number;
  storage?: {
    name?: string; rotational?: boolean; sizeBytes?: number; vendor?: string; model?: string;
    serialNumber?: string; wwn?: string; hctl?: string; type?: 'HDD' | 'SSD' | 'NVME';
  }[];
  systemVendor?: { manufacturer?: string; productName?: string; serialNumber?: string };
  firmware?: { bios?: { date?: string; vendor?: string; version?: string } };
  hostname?: string;
}

export interface BmcCredentials {
  username: string;
  /** never logged; clients register it with `redact` */
  password: string;
}

/**
 * A session with one BMC. Implementations reuse their session across calls and
 * release it on `close()`. Errors are from `shared/src/errors.ts`: BmcAuthError,
 * BmcUnreachableError, BmcCommandError, BmcUnsupportedError, BmcProtocolError.
 */
export interface BmcClient {
  readonly protocol: 'ipmi' | 'redfish';
  powerState(): Promise<PowerState>;
  setPower(action: PowerAction): Promise<void>;
  bootDevice(): Promise<BootDeviceSetting>;
  setBootDevice(device: BootDevice, options?: SetBootDeviceOptions): Promise<void>;
  info(): Promise<BmcInfo>;
  /** Out-of-band inventory; IPMI clients throw BmcUnsupportedError. */
  inventory(): Promise<HardwareInventory>;
  close(): Promise<void>;
}
