/**
 * @module events/schemas: the zod schema of each event type's `data`.
 * Payloads carry references and observed state only: never credentials,
 * user data or spec contents. `.strict()` makes an extra field (say, a
 * password someone put in) a validation error rather than something we pass on.
 */
import * as z from 'zod';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { RequestedEventType } from './types.ts';
import { EventType } from './types.ts';

export const HostRefSchema = z
  .object({
    namespace: z.string().min(1).max(63),
    name: z.string().min(1).max(253),
    uid: z.string().min(1).max(64),
    generation: z.number().int().nonnegative(),
    resourceVersion: z.string().max(64),
  })
  .strict();

export const IronicObservedSchema = z
  .object({
    uuid: z.string().min(1).max(64),
    provisionState: z.string().max(64).nullable(),
    targetProvisionState: z.string().max(64).nullable(),
    powerState: z.string().max(64).nullable(),
    targetPowerState: z.string().max(64).nullable(),
    /** Ironic's last_error, shortened; Ironic never puts driver secrets there */
    lastError: z.string().max(2048).nullable(),
    /** set when no conductor has held the node in its conductor state for too long (see `abandonedSince`) */
    abandonedSince: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const EmitReason = z.enum([
  /** generation, annotations, finalizers or deletion changed */
  'spec-changed',
  /** status.provisioning.state changed */
  'state-changed',
  /** the host's Ironic node moved (poller) */
  'ironic-progress',
  /** periodic resync found work still due */
  'resync',
  /** an error backoff expired */
  'backoff-expired',
  /** handed on by the function that finished the previous step */
  'reply',
  /** sent by a system outside metal3-functions */
  'external',
  /** the host's BMC credentials Secret changed */
  'credentials-changed',
]);
export type EmitReason = z.infer<typeof EmitReason>;

export const RequestedDataSchema = z
  .object({
    host: HostRefSchema,
    observed: z
      .object({
        provisioningState: z.string().max(64),
        errorCount: z.number().int().nonnegative(),
        ironic: IronicObservedSchema.optional(),
        /** resourceVersion of the BMC credentials Secret, when the sender tracks it (never its data) */
        credentialsVersion: z.string().max(64).optional(),
        /** the sender saw a HostFirmwareSettings asking for a change (a hint: the function reads it again) */
        firmwareChange: z.literal(true).optional(),
      })
      .strict(),
    reason: EmitReason,
  })
  .strict();
export type RequestedData = z.infer<typeof RequestedDataSchema>;

/** One schema per type (all "requested" events share a shape today; each may diverge). */
export const Schemas = Object.fromEntries(TRANSITION_NAMES.map((t) => [EventType[t], RequestedDataSchema])) as Record<
  RequestedEventType,
  typeof RequestedDataSchema
>;

/** A HostClaim reference: the same shape as a host's. */
export const ClaimRefSchema = HostRefSchema;

/** `data` of `io.metal3.hostclaim.claim.requested`: which claim to look at, and why. */
export const ClaimRequestedDataSchema = z
  .object({
    claim: ClaimRefSchema,
    observed: z
      .object({
        /** status.phase of the claim when the event was built */
        phase: z.string().max(32),
        /** the host whose change caused the event, when one did (`<namespace>/<name>`) */
        host: z.string().max(317).optional(),
      })
      .strict(),
    reason: EmitReason,
  })
  .strict();
export type ClaimRequestedData = z.infer<typeof ClaimRequestedDataSchema>;
