/**
 * @module api/common: Kubernetes building blocks shared by our CRD schemas
 * (ObjectMeta, SecretReference, ObjectReference, Condition, Taint, timestamps).
 *
 * CRD-facing rules (see notes knative-and-libraries §7): no regex flags, `.loose()`
 * only where unknown fields must survive, integers bounded explicitly.
 */
import * as z from 'zod';

/**
 * Marks a defaulted field that the CRD must still list as `required` (upstream
 * declares e.g. `status.errorCount` with both). zod's input-mode JSON Schema
 * drops defaulted fields from `required`; `toCrdSchema` puts them back.
 */
export const CRD_REQUIRED = 'x-metal3-required';

/** RFC 3339 timestamp as Kubernetes writes it (`2026-08-20T10:00:00Z`). */
export const dateTime = () => z.iso.datetime({ offset: true });

/** A 6-byte MAC, colon separated; both hex cases spelled out (a regex flag would be lost in the CRD). */
export const MAC_PATTERN = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
export const macAddress = () => z.string().regex(MAC_PATTERN, 'must be a MAC address like 00:1a:2b:3c:4d:5e');
/** EUI-48 or EUI-64 with colons: what upstream's bootMACAddress pattern (and net.ParseMAC) lets through. */
export const HARDWARE_ADDRESS_PATTERN = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}((:[0-9a-fA-F]{2}){2})?$/;
export const hardwareAddress = () => z.string().regex(HARDWARE_ADDRESS_PATTERN, 'must be a MAC address (EUI-48 or EUI-64) like 00:1a:2b:3c:4d:5e');

/** Object metadata: only what we read is typed, everything else passes through. */
export const ObjectMetaSchema = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.int().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    finalizers: z.array(z.string()).optional(),
  })
  .loose();
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

/** core/v1 SecretReference. Our hosts only read Secrets of their own namespace. */
export const SecretReferenceSchema = z
  .object({
    name: z.string().optional().describe('Name of the Secret.'),
    namespace: z.string().optional().describe('Namespace of the Secret; must be the host\'s own namespace when set.'),
  })
  .meta({ 'x-kubernetes-map-type': 'atomic' });
export type SecretReference = z.infer<typeof SecretReferenceSchema>;

/** core/v1 ObjectReference. */
export const ObjectReferenceSchema = z
  .object({
    apiVersion: z.string().optional().describe('API version of the referent.'),
    kind: z.string().optional().describe('Kind of the referent.'),
    name: z.string().optional().describe('Name of the referent.'),
    namespace: z.string().optional().describe('Namespace of the referent.'),
    uid: z.string().optional().describe('UID of the referent.'),
    resourceVersion: z.string().optional().describe('Resource version of the referent this reference was made to.'),
    fieldPath: z.string().optional().describe('A part of the referent, e.g. spec.containers[2], when not the whole object.'),
  })
  .meta({ 'x-kubernetes-map-type': 'atomic' });
export type ObjectReference = z.infer<typeof ObjectReferenceSchema>;

/** core/v1 Taint. */
export const TaintSchema = z.object({
  key: z.string().describe('Taint key.'),
  value: z.string().optional().describe('Taint value.'),
  effect: z.string().describe('NoSchedule, PreferNoSchedule or NoExecute.'),
  timeAdded: dateTime().optional().describe('When the taint was added (NoExecute taints only).'),
});

/** metav1.Condition, with the apiserver's own limits. */
export const ConditionSchema = z.object({
  type: z
    .string()
    .max(316)
    .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/)
    .describe('Condition type in CamelCase, e.g. Ready.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
  observedGeneration: z.int().min(0).optional().meta({ format: 'int64' }).describe('metadata.generation the condition was set for.'),
  lastTransitionTime: dateTime().describe('When the status last changed.'),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe('CamelCase reason for the last transition.'),
  message: z.string().max(32768).describe('Human-readable details.'),
});
export type Condition = z.infer<typeof ConditionSchema>;
