/**
 * @module state-machine/host-view: the slice of a BareMetalHost the pure core reads.
 *
 * Structural on purpose: the full zod-derived `BareMetalHost` type satisfies it,
 * and table-driven tests can build one in a line.
 */
import type { ObjectMetaView } from '../api/object-meta.ts';
import type { RaidSpec } from '../raid/plan.ts';
import type { ErrorType, OperationalStatus, ProvisioningState } from './states.ts';

export interface ImageView {
  url: string;
  checksum?: string | undefined;
  checksumType?: string | undefined;
  format?: string | undefined;
}

export interface HostView {
  metadata: ObjectMetaView;
  spec: {
    online: boolean;
    bmc?: { address: string; credentialsName: string; disableCertificateVerification?: boolean | undefined } | undefined;
    bootMACAddress?: string | undefined;
    image?: ImageView | undefined;
    externallyProvisioned?: boolean | undefined;
    inspectionMode?: string | undefined;
    automatedCleaningMode?: string | undefined;
    customDeploy?: { method: string } | undefined;
    /** reboots replace power off (Ironic `disable_power_off`, API ≥ 1.95) */
    disablePowerOff?: boolean | undefined;
    /** RAID volumes to build while preparing */
    raid?: RaidSpec | null | undefined;
  };
  status?: {
    provisioning?: { state?: ProvisioningState | string | undefined; ID?: string | undefined; image?: ImageView | undefined; customDeploy?: { method: string } | undefined; raid?: RaidSpec | undefined } | undefined;
    operationalStatus?: OperationalStatus | string | undefined;
    errorType?: ErrorType | string | undefined;
    errorMessage?: string | undefined;
    errorCount?: number | undefined;
    provisioningFailCount?: number | undefined;
    /** image of the current or last provisioning attempt (upstream v0.14 field) */
    lastAttemptedImage?: ImageView | undefined;
    /** custom deploy step of the current or last provisioning attempt (ours, beside lastAttemptedImage) */
    lastAttemptedCustomDeploy?: { method: string } | undefined;
    poweredOn?: boolean | undefined;
    lastUpdated?: string | undefined;
  } | undefined;
}
