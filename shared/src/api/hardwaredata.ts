/**
 * @module api/hardwaredata: HardwareData `metal3.io/v1alpha1`, the inspection
 * inventory of the BareMetalHost with the same name (upstream short name `hd`).
 */
import * as z from 'zod';
import { ObjectMetaSchema } from './common.ts';
import { API_GROUP_VERSION } from './constants.ts';
import { HardwareDetailsSchema } from './hardware-details.ts';

export const HardwareDataSpecSchema = z
  .object({
    hardware: HardwareDetailsSchema.optional().describe('The inspected hardware of the host with the same name.'),
  })
  .describe('Inventory collected by inspection.');
export type HardwareDataSpec = z.infer<typeof HardwareDataSpecSchema>;

export const HardwareDataSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal('HardwareData'),
  metadata: ObjectMetaSchema,
  spec: HardwareDataSpecSchema.optional(),
});
export type HardwareData = z.infer<typeof HardwareDataSchema>;
