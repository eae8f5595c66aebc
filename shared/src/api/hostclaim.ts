/**
 * @module api/hostclaim: the HostClaim and HostDeployPolicy kinds (`metal3.io/v1alpha1`).
 *
 * Wire names follow upstream's baremetal-operator (`hostclaim_types.go`,
 * `hostdeploypolicy_types.go`) and metal3-docs (`docs/user-guide/src/bmo/hostclaim.md`):
 * a tenant's HostClaim asks for an image, config-drive Secrets of its own namespace,
 * power and a host selector; a HostDeployPolicy in the hosts' namespace says which
 * claim namespaces may use its hosts. Status fields beyond upstream's (`phase`, `state`,
 * `hardware`, `addresses`, `errorMessage`) mirror the bound host for the tenant, who
 * cannot read it.
 */
import * as z from 'zod';
import { ConditionSchema, ObjectReferenceSchema, SecretReferenceSchema, dateTime } from './common.ts';
import { CustomDeploySchema, ImageSchema } from './baremetalhost.ts';
import type { ObjectMetaView } from './object-meta.ts';

/** Finalizer on every HostClaim we manage (upstream's name): a claim goes only once its host is released. */
export const HOST_CLAIM_FINALIZER = 'metal3.io/hostclaim';

/** Label selector operators (apimachinery `selection.Operator` as label selectors use them). */
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export const HostSelectorRequirementSchema = z.object({
  key: z.string().min(1).describe('Label key on the BareMetalHost.'),
  operator: z.enum(SELECTOR_OPERATORS).describe('In, NotIn, Exists or DoesNotExist.'),
  values: z.array(z.string()).default([]).describe('Values for In and NotIn; empty for Exists and DoesNotExist.'),
});
export type HostSelectorRequirement = z.infer<typeof HostSelectorRequirementSchema>;

export const HostSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional().describe('Labels a chosen BareMetalHost must carry, with these values.'),
  matchExpressions: z.array(HostSelectorRequirementSchema).optional().describe('Label requirements a chosen BareMetalHost must meet (ANDed).'),
  inNamespace: z.string().optional().describe('Only hosts of this namespace; any namespace whose HostDeployPolicy allows the claim when unset.'),
});
export type HostSelector = z.infer<typeof HostSelectorSchema>;

export const HostClaimSpecSchema = z.object({
  online: z.boolean().optional().describe('Should the host be powered on? Provisioning starts once it is true and an image is set.'),
  poweredOn: z.boolean().optional().describe('Upstream\'s CRD name for online; online wins when both are set.'),
  image: ImageSchema.optional().describe('Image to provision on the bound host; removing it deprovisions the host (still bound).'),
  userData: SecretReferenceSchema.optional().describe('Secret of the claim\'s namespace copied to the host as config-drive user data.'),
  networkData: SecretReferenceSchema.optional().describe('Secret of the claim\'s namespace copied to the host as config-drive network data.'),
  metaData: SecretReferenceSchema.optional().describe('Secret of the claim\'s namespace copied to the host as config-drive meta data.'),
  customDeploy: CustomDeploySchema.optional().describe('Custom deploy step the bound host runs instead of, or with, the image.'),
  hostSelector: HostSelectorSchema.optional().describe('Which BareMetalHosts may be bound; changing it so the bound host no longer matches releases that host.'),
  consumerRef: ObjectReferenceSchema.optional().describe('What uses this claim (e.g. a Metal3Machine).'),
  failureDomain: z.string().optional().describe('Cluster API failure domain (accepted for upstream compatibility; not acted on).'),
});
export type HostClaimSpec = z.infer<typeof HostClaimSpecSchema>;

/** namespace/name of a bound object (upstream `ObjectReference` of the claim status). */
export const BoundReferenceSchema = z.object({
  namespace: z.string().describe('Namespace of the bound object.'),
  name: z.string().describe('Name of the bound object.'),
});
export type BoundReference = z.infer<typeof BoundReferenceSchema>;

/** Our claim phases: Pending (no host yet), Bound, Releasing (the host is being handed back). */
export const CLAIM_PHASES = ['', 'Pending', 'Bound', 'Releasing'] as const;

export const HostAddressSchema = z.object({
  type: z.enum(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']).describe('Address kind, as Cluster API machine addresses.'),
  address: z.string().describe('The address.'),
});
export type HostAddress = z.infer<typeof HostAddressSchema>;

/** What a tenant may know about the hardware: no BMC, serial numbers or MACs of other hosts. */
export const HardwareSummarySchema = z.object({
  cpuArch: z.string().optional().describe('CPU architecture.'),
  cpuCount: z.int().min(0).optional().describe('Logical CPUs.'),
  ramMebibytes: z.int().min(0).optional().describe('Memory in MiB.'),
  storageGigabytes: z.int().min(0).optional().describe('Total disk size in GB.'),
  nicCount: z.int().min(0).optional().describe('Network interfaces.'),
  manufacturer: z.string().optional().describe('System vendor.'),
  productName: z.string().optional().describe('System product name.'),
});
export type HardwareSummary = z.infer<typeof HardwareSummarySchema>;

export const HostClaimStatusSchema = z.object({
  phase: z.enum(CLAIM_PHASES).optional().describe('Pending, Bound or Releasing.'),
  lastUpdated: dateTime().optional().describe('When the status was last written.'),
  conditions: z.array(ConditionSchema).optional().describe('Associated (a host is bound) and Provisioned.'),
  bareMetalHost: BoundReferenceSchema.optional().describe('The bound (or, while Pending, reserved) BareMetalHost.'),
  hardwareData: BoundReferenceSchema.optional().describe('The HardwareData of the bound host.'),
  hostUID: z.string().optional().describe('UID of the bound BareMetalHost.'),
  poweredOn: z.boolean().optional().describe('The bound host\'s detected power state.'),
  state: z.string().optional().describe('The bound host\'s provisioning state.'),
  errorMessage: z.string().optional().describe('The bound host\'s last error, or why the claim is not bound.'),
  hardware: HardwareSummarySchema.optional().describe('Summary of the bound host\'s inspected hardware.'),
  addresses: z.array(HostAddressSchema).optional().describe('Addresses of the bound host from its inspection.'),
  observedGeneration: z.int().min(0).optional().meta({ format: 'int64' }).describe('metadata.generation last acted on.'),
});
export type HostClaimStatus = z.infer<typeof HostClaimStatusSchema>;

export const NameValuePairSchema = z.object({
  name: z.string().min(1).describe('Label name the claim\'s namespace must carry.'),
  value: z.string().optional().describe('When set, the label must have this value.'),
});

export const HostClaimNamespacesSchema = z.object({
  names: z.array(z.string()).optional().describe('Namespaces whose claims may bind these hosts.'),
  nameMatches: z.string().optional().describe('Regular expression searched in the claim\'s namespace name ("prod" also matches "not-prod"; anchor it).'),
  hasLabels: z.array(NameValuePairSchema).optional().describe('Labels the claim\'s namespace must all carry.'),
});
export type HostClaimNamespaces = z.infer<typeof HostClaimNamespacesSchema>;

export const HostDeployPolicySpecSchema = z.object({
  hostClaimNamespaces: HostClaimNamespacesSchema.optional().describe('Which claim namespaces may bind the BareMetalHosts of this namespace; unset allows none, {} allows all.'),
});
export type HostDeployPolicySpec = z.infer<typeof HostDeployPolicySpecSchema>;

/** A HostClaim as read from the API server. */
export interface StoredClaim {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaView;
  spec: HostClaimSpec;
  status?: HostClaimStatus | undefined;
}

/** A HostDeployPolicy as read from the API server. */
export interface StoredPolicy {
  metadata: { name: string; namespace?: string | undefined };
  spec?: HostDeployPolicySpec | undefined;
}

/** The claim's desired power: `online`, else upstream's `poweredOn`, else off. */
export const claimWantsOnline = (spec: HostClaimSpec): boolean => spec.online ?? spec.poweredOn ?? false;
