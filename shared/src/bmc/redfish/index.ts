/** @module bmc/redfish: our Redfish client (ky 2 + undici 7). */
export { createRedfishClient, toPowerState, type RedfishClient, type RedfishClientOptions, type VirtualMediaStatus } from './client.ts';
export { BmcCertificateError, parseDmtfError, describeDmtfError } from './errors.ts';
export { toHardwareInventory, cpuArch, type RedfishInventoryParts } from './inventory.ts';
export type { RedfishAuthMode, RedfishTlsOptions } from './transport.ts';
export type { VirtualMediaKind } from './virtual-media.ts';
