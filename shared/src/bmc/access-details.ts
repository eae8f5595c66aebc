/**
 * @module bmc/access-details: BMC address → Ironic driver, `driver_info` and
 * hardware interfaces, as upstream's baremetal-operator registers a node
 * (`pkg/hardwareutils/bmc/*.go`, `pkg/provisioner/ironic/register.go`).
 *
 * Interface choices are configuration: upstream's defaults, overridable per BMC
 * type by a site (or the test bed, where no deploy agent can boot).
 */
import { type BmcAddress, type BmcType, parseBmcAddress } from './address.ts';
import { BmcUnsupportedError } from '../errors.ts';
import type { BmcCredentials } from './types.ts';

/** Ironic hardware interfaces; `undefined` = leave it to Ironic's default for the driver. */
export interface IronicInterfaces {
  boot: string;
  deploy: string | undefined;
  inspect: string | undefined;
  management: string | undefined;
  power: string | undefined;
  raid: string;
  vendor: string | undefined;
  bios: string | undefined;
  firmware: string | undefined;
}
export type InterfaceName = keyof IronicInterfaces;

/** A site's choice for one interface: a name, or `null` to leave it to Ironic. */
export type InterfaceOverrides = Partial<Record<InterfaceName, string | null>>;

export interface IronicDriverConfig {
  /** Overrides for every BMC type (e.g. `{ firmware: null }` for Ironic < API 1.86, which has no firmware interface). */
  all?: InterfaceOverrides;
  /** Overrides per BMC type, applied after `all` (e.g. ipmi: `{ boot: 'pxe', deploy: 'ramdisk' }`). */
  byType?: Partial<Record<BmcType, InterfaceOverrides>>;
  /** `ipmi_cipher_suite` for IPMI drivers (OpenIPMI's ipmi_sim needs 3). */
  ipmiCipherSuite?: number;
  /** `redfish_verify_ca` when certificates are verified: a CA bundle path Ironic can read. */
  redfishCaBundlePath?: string;
  /** Accept the test-only `fake://` scheme (Ironic `fake-hardware`). */
  allowFake?: boolean;
}

export interface IronicDriverOptions {
  /** `spec.bmc.disableCertificateVerification` */
  disableCertificateVerification?: boolean;
  /** `spec.image`: a live-iso image is booted by Ironic's ramdisk deploy interface. */
  image?: { format?: string | undefined } | undefined;
  /** `spec.customDeploy`: deployed by Ironic's custom-agent deploy interface. */
  customDeploy?: { method: string } | undefined;
  /** `spec.inspectionMode`: `fast` uses Ironic's out-of-band redfish inspect interface. */
  inspectionMode?: string | undefined;
  config?: IronicDriverConfig;
}

export type DriverInfo = Record<string, string | number | boolean>;

export interface IronicDriver {
  /** Ironic hardware type */
  driver: 'ipmi' | 'redfish' | 'idrac' | 'fake-hardware';
  /** Contains the password: never log it. */
  driverInfo: DriverInfo;
  interfaces: IronicInterfaces;
}

const IRONIC_DRIVER: Readonly<Record<BmcType, IronicDriver['driver']>> = {
  ipmi: 'ipmi',
  libvirt: 'ipmi',
  redfish: 'redfish',
  'redfish-virtualmedia': 'redfish',
  'redfish-uefihttp': 'redfish',
  'idrac-redfish': 'idrac',
  'idrac-virtualmedia': 'idrac',
  fake: 'fake-hardware',
};

const IDRAC = 'idrac-redfish';
const FAKE = 'fake';

/** Upstream's interface choices per BMC type, before per-image and per-site adjustments. */
export const UPSTREAM_INTERFACES: Readonly<Record<BmcType, IronicInterfaces>> = {
  ipmi: { boot: 'ipxe', deploy: undefined, inspect: 'agent', management: undefined, power: undefined, raid: 'no-raid', vendor: undefined, bios: undefined, firmware: undefined },
  libvirt: { boot: 'ipxe', deploy: undefined, inspect: 'agent', management: undefined, power: undefined, raid: 'no-raid', vendor: undefined, bios: undefined, firmware: undefined },
  redfish: { boot: 'ipxe', deploy: undefined, inspect: 'agent', management: undefined, power: undefined, raid: 'redfish', vendor: undefined, bios: undefined, firmware: 'redfish' },
  'redfish-virtualmedia': { boot: 'redfish-virtual-media', deploy: undefined, inspect: 'agent', management: undefined, power: undefined, raid: 'redfish', vendor: undefined, bios: undefined, firmware: 'redfish' },
  'redfish-uefihttp': { boot: 'redfish-https', deploy: undefined, inspect: 'agent', management: undefined, power: undefined, raid: 'redfish', vendor: undefined, bios: undefined, firmware: 'redfish' },
  'idrac-redfish': { boot: 'ipxe', deploy: undefined, inspect: 'agent', management: IDRAC, power: IDRAC, raid: IDRAC, vendor: IDRAC, bios: IDRAC, firmware: 'redfish' },
  'idrac-virtualmedia': { boot: 'idrac-redfish-virtual-media', deploy: undefined, inspect: 'agent', management: IDRAC, power: IDRAC, raid: IDRAC, vendor: IDRAC, bios: IDRAC, firmware: 'redfish' },
  fake: { boot: FAKE, deploy: FAKE, inspect: FAKE, management: FAKE, power: FAKE, raid: FAKE, vendor: FAKE, bios: FAKE, firmware: undefined },
};

/**
 * The Ironic driver, driver_info and interfaces for a host's BMC.
 * Throws BmcAddressError / BmcUnsupportedError (from the address, or fast
 * inspection without a Redfish BMC).
 */
export function ironicDriverFor(
  address: string | BmcAddress,
  credentials: BmcCredentials,
  options: IronicDriverOptions = {},
): IronicDriver {
  const config = options.config ?? {};
  const bmc = typeof address === 'string' ? parseBmcAddress(address, { allowFake: config.allowFake === true }) : address;
  if (bmc.type === 'fake' && config.allowFake !== true) {
    throw new BmcUnsupportedError('BMC scheme "fake" is for tests only and is not enabled', { context: { scheme: bmc.scheme } });
  }
  return {
    driver: IRONIC_DRIVER[bmc.type],
    driverInfo: driverInfoFor(bmc, credentials, options, config),
    interfaces: interfacesFor(bmc, options, config),
  };
}

function driverInfoFor(bmc: BmcAddress, credentials: BmcCredentials, options: IronicDriverOptions, config: IronicDriverConfig): DriverInfo {
  const insecure = options.disableCertificateVerification === true;
  switch (bmc.protocol) {
    case 'ipmi':
      return {
        ipmi_address: bmc.host,
        ipmi_port: bmc.port ?? 623,
        ipmi_username: credentials.username,
        ipmi_password: credentials.password,
        ipmi_priv_level: bmc.privilegeLevel ?? 'ADMINISTRATOR',
        ...(insecure ? { ipmi_verify_ca: false } : {}),
        ...(config.ipmiCipherSuite !== undefined ? { ipmi_cipher_suite: config.ipmiCipherSuite } : {}),
      };
    case 'redfish':
      return {
        redfish_address: bmc.baseUrl ?? `https://${bmc.hostPort}`,
        ...(bmc.systemPath !== undefined ? { redfish_system_id: bmc.systemPath } : {}),
        redfish_username: credentials.username,
        redfish_password: credentials.password,
        ...(insecure
          ? { redfish_verify_ca: false }
          : config.redfishCaBundlePath !== undefined
            ? { redfish_verify_ca: config.redfishCaBundlePath }
            : {}),
      };
    case 'fake':
      // fake-hardware validates nothing; nothing secret goes to Ironic
      return {};
  }
}

function interfacesFor(bmc: BmcAddress, options: IronicDriverOptions, config: IronicDriverConfig): IronicInterfaces {
  const chosen: IronicInterfaces = { ...UPSTREAM_INTERFACES[bmc.type] };
  applyOverrides(chosen, config.all);
  applyOverrides(chosen, config.byType?.[bmc.type]);
  if (bmc.type === 'fake') return chosen;

  // what the host asks for wins over site defaults, as upstream's register step does
  if (options.customDeploy?.method) chosen.deploy = 'custom-agent';
  else if (options.image?.format === 'live-iso') chosen.deploy = 'ramdisk';

  if (options.inspectionMode === 'fast') {
    if (bmc.protocol !== 'redfish') {
      throw new BmcUnsupportedError(`inspectionMode "fast" needs a Redfish-based BMC; "${bmc.scheme}" is not one`, {
        context: { scheme: bmc.scheme },
      });
    }
    chosen.inspect = 'redfish';
  }
  return chosen;
}

function applyOverrides(target: IronicInterfaces, overrides: InterfaceOverrides | undefined): void {
  if (overrides === undefined) return;
  for (const [name, value] of Object.entries(overrides) as [InterfaceName, string | null | undefined][]) {
    if (value === undefined) continue;
    if (value === null && (name === 'boot' || name === 'raid')) continue; // always chosen explicitly, as upstream
    (target as Record<InterfaceName, string | undefined>)[name] = value ?? undefined;
  }
}

/** The interfaces as Ironic node fields (`boot_interface`, ...), leaving out those Ironic chooses. */
export function toNodeInterfaceFields(interfaces: IronicInterfaces): Partial<Record<`${InterfaceName}_interface`, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(interfaces)) if (value !== undefined) out[`${name}_interface`] = value;
  return out;
}
