/**
 * @module bmc/redfish/schemas: zod schemas for only the Redfish fields we read.
 *
 * Unknown fields pass through; a wrong type on a field we read fails at the edge.
 * Optional almost everywhere: vendors omit what the schema allows them to omit.
 */
import * as z from 'zod';

const Ref = z.object({ '@odata.id': z.string() });
const Status = z.object({ State: z.string().nullish(), Health: z.string().nullish() }).partial();

export const ServiceRootSchema = z.object({
  Systems: Ref.optional(),
  Managers: Ref.optional(),
  SessionService: Ref.optional(),
  Links: z.object({ Sessions: Ref.optional() }).partial().optional(),
  Vendor: z.string().nullish(),
  RedfishVersion: z.string().nullish(),
});

export const CollectionSchema = z.object({ Members: z.array(Ref).default([]) });

const ResetAction = z.object({
  target: z.string(),
  'ResetType@Redfish.AllowableValues': z.array(z.string()).optional(),
});

export const SystemSchema = z.object({
  '@odata.id': z.string().optional(),
  Id: z.string().optional(),
  Manufacturer: z.string().nullish(),
  Model: z.string().nullish(),
  SerialNumber: z.string().nullish(),
  HostName: z.string().nullish(),
  BiosVersion: z.string().nullish(),
  PowerState: z.string().nullish(),
  Boot: z.object({
    BootSourceOverrideTarget: z.string().nullish(),
    BootSourceOverrideEnabled: z.string().nullish(),
    BootSourceOverrideMode: z.string().nullish(),
    'BootSourceOverrideTarget@Redfish.AllowableValues': z.array(z.string()).optional(),
  }).partial().optional(),
  ProcessorSummary: z.object({ Count: z.number().nullish(), LogicalProcessorCount: z.number().nullish(), Model: z.string().nullish() }).partial().optional(),
  MemorySummary: z.object({ TotalSystemMemoryGiB: z.number().nullish() }).partial().optional(),
  Processors: Ref.optional(),
  Memory: Ref.optional(),
  EthernetInterfaces: Ref.optional(),
  SimpleStorage: Ref.optional(),
  Storage: Ref.optional(),
  Bios: Ref.optional(),
  VirtualMedia: Ref.optional(),
  Links: z.object({ ManagedBy: z.array(Ref).optional() }).partial().optional(),
  Actions: z.object({ '#ComputerSystem.Reset': ResetAction.optional() }).partial().optional(),
});
export type RedfishSystem = z.infer<typeof SystemSchema>;

export const ManagerSchema = z.object({
  Id: z.string().optional(),
  Manufacturer: z.string().nullish(),
  Model: z.string().nullish(),
  FirmwareVersion: z.string().nullish(),
  VirtualMedia: Ref.optional(),
});
export type RedfishManager = z.infer<typeof ManagerSchema>;

export const ProcessorSchema = z.object({
  ProcessorType: z.string().nullish(),
  ProcessorArchitecture: z.string().nullish(),
  InstructionSet: z.string().nullish(),
  Model: z.string().nullish(),
  MaxSpeedMHz: z.number().nullish(),
  TotalCores: z.number().nullish(),
  TotalThreads: z.number().nullish(),
  Status: Status.nullish(),
});
export type RedfishProcessor = z.infer<typeof ProcessorSchema>;

export const MemorySchema = z.object({ CapacityMiB: z.number().nullish(), Status: Status.nullish() });
export type RedfishMemory = z.infer<typeof MemorySchema>;

export const EthernetInterfaceSchema = z.object({
  Id: z.string().optional(),
  Name: z.string().nullish(),
  MACAddress: z.string().nullish(),
  PermanentMACAddress: z.string().nullish(),
  SpeedMbps: z.number().nullish(),
  Status: Status.nullish(),
  IPv4Addresses: z.array(z.object({ Address: z.string().nullish() }).partial()).nullish(),
});
export type RedfishEthernetInterface = z.infer<typeof EthernetInterfaceSchema>;

export const DriveSchema = z.object({
  Id: z.string().optional(),
  Name: z.string().nullish(),
  CapacityBytes: z.number().nullish(),
  MediaType: z.string().nullish(),
  Protocol: z.string().nullish(),
  Manufacturer: z.string().nullish(),
  Model: z.string().nullish(),
  SerialNumber: z.string().nullish(),
  Status: Status.nullish(),
});
export type RedfishDrive = z.infer<typeof DriveSchema>;

export const StorageSchema = z.object({ Drives: z.array(Ref).default([]) });

export const SimpleStorageSchema = z.object({
  Devices: z.array(z.object({
    Name: z.string().nullish(), Manufacturer: z.string().nullish(), Model: z.string().nullish(),
    CapacityBytes: z.number().nullish(), Status: Status.nullish(),
  })).default([]),
});
export type RedfishSimpleStorage = z.infer<typeof SimpleStorageSchema>;

export const BiosSchema = z.object({ Attributes: z.record(z.string(), z.unknown()).nullish() });

export const VirtualMediaSchema = z.object({
  '@odata.id': z.string().optional(),
  Id: z.string().optional(),
  MediaTypes: z.array(z.string()).default([]),
  Image: z.string().nullish(),
  Inserted: z.boolean().nullish(),
  Actions: z.object({
    '#VirtualMedia.InsertMedia': z.object({ target: z.string() }).optional(),
    '#VirtualMedia.EjectMedia': z.object({ target: z.string() }).optional(),
  }).partial().optional(),
});
export type RedfishVirtualMedia = z.infer<typeof VirtualMediaSchema>;

export const TaskSchema = z.object({
  TaskState: z.string().nullish(),
  TaskStatus: z.string().nullish(),
  Messages: z.array(z.object({ Message: z.string().nullish(), MessageId: z.string().nullish() }).partial()).nullish(),
});

/** DMTF error body: `{"error": {"code", "message", "@Message.ExtendedInfo": [...]}}`. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().nullish(),
    message: z.string().nullish(),
    '@Message.ExtendedInfo': z.array(z.object({
      MessageId: z.string().nullish(),
      Message: z.string().nullish(),
      RelatedProperties: z.array(z.string()).nullish(),
    }).partial()).nullish(),
  }),
});
export type RedfishErrorBody = z.infer<typeof ErrorBodySchema>;
