/**
 * @module redfish-emulator/resources: renders the Redfish resource tree from the emulator state.
 *
 * Shapes follow the DMTF public mockups (public-rackmount1, public-telemetry): a ServiceRoot with
 * Links.Sessions, ComputerSystem with Boot AllowableValues and a Reset action, Processors, Memory,
 * EthernetInterfaces, SimpleStorage and Storage/Drives, Bios, a Manager with Links, VirtualMedia,
 * SessionService, TaskService and a minimal Chassis. Rebuilt per request: the tree is small.
 */
import { attributeRegistryResource, BIOS_REGISTRY_ID } from './bios.ts';
import { BOOT_ENABLED, BOOT_MODES, BOOT_TARGETS, type ResetType, type SystemState, type VirtualMediaState } from './model.ts';
import { SUPPORTED_RAID_TYPES, type VolumeState } from './raid.ts';

export const ROOT = '/redfish/v1';
export type Resource = Record<string, unknown>;

export interface TreeOptions {
  serviceUuid: string;
  virtualMediaUnderManager: boolean;
  /** VirtualMedia without Insert/Eject actions (older BMCs): clients must PATCH */
  noVirtualMediaActions: boolean;
  resetTypes: readonly ResetType[];
  sessions: ReadonlyMap<string, { id: string; userName: string }>;
  tasks: ReadonlyMap<string, TaskView>;
  sessionTimeoutSec: number;
}

export interface TaskView { id: string; state: 'Running' | 'Completed' | 'Exception'; percent: number; startTime: string; endTime?: string; message: string }

const ref = (path: string) => ({ '@odata.id': path });
const collection = (path: string, type: string, name: string, members: string[]): Resource => ({
  '@odata.id': path, '@odata.type': `#${type}.${type}`, Name: name,
  Members: members.map(ref), 'Members@odata.count': members.length,
});
const enabled = { State: 'Enabled', Health: 'OK' };

export const systemPath = (s: SystemState): string => `${ROOT}/Systems/${s.id}`;
export const managerPath = (s: SystemState): string => `${ROOT}/Managers/${s.managerId}`;
export const biosPath = (s: SystemState): string => `${systemPath(s)}/Bios`;
export const volumesPath = (s: SystemState): string => `${systemPath(s)}/Storage/1/Volumes`;
export const firmwareInventoryPath = (s: SystemState, component: 'bios' | 'bmc'): string => `${ROOT}/UpdateService/FirmwareInventory/${component === 'bios' ? 'BIOS' : 'BMC'}-${s.id}`;
export const REGISTRY_FILE_PATH = `${ROOT}/Registries/${BIOS_REGISTRY_ID}`;
export const REGISTRY_JSON_PATH = `${REGISTRY_FILE_PATH}/${BIOS_REGISTRY_ID}.json`;
export const virtualMediaBase = (s: SystemState, underManager: boolean): string =>
  `${underManager ? managerPath(s) : systemPath(s)}/VirtualMedia`;

function virtualMedia(path: string, vm: VirtualMediaState, withActions: boolean): Resource {
  const r: Resource = {
    '@odata.id': path, '@odata.type': '#VirtualMedia.v1_6_0.VirtualMedia', Id: vm.id, Name: `Virtual ${vm.mediaTypes[0]}`,
    MediaTypes: vm.mediaTypes, Image: vm.image, ImageName: vm.imageName, Inserted: vm.inserted,
    WriteProtected: vm.writeProtected, ConnectedVia: vm.inserted ? 'URI' : 'NotConnected',
    TransferProtocolType: vm.transferProtocolType, Status: enabled,
  };
  if (withActions) {
    r.Actions = {
      '#VirtualMedia.InsertMedia': { target: `${path}/Actions/VirtualMedia.InsertMedia` },
      '#VirtualMedia.EjectMedia': { target: `${path}/Actions/VirtualMedia.EjectMedia` },
    };
  }
  return r;
}

function addSystem(tree: Map<string, Resource>, s: SystemState, o: TreeOptions): void {
  const sp = systemPath(s);
  const mp = managerPath(s);
  const cp = `${ROOT}/Chassis/${s.chassisId}`;
  const vmBase = virtualMediaBase(s, o.virtualMediaUnderManager);
  const totalThreads = s.cpu.sockets * s.cpu.threadsPerSocket;
  const system: Resource = {
    '@odata.id': sp, '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem', Id: s.id, Name: s.name,
    SystemType: 'Physical', Manufacturer: s.manufacturer, Model: s.model, SerialNumber: s.serialNumber, UUID: s.uuid,
    HostName: s.hostName, PowerState: s.power, BiosVersion: s.bios.version, Status: enabled, IndicatorLED: 'Off',
    Boot: {
      BootSourceOverrideEnabled: s.boot.enabled, BootSourceOverrideTarget: s.boot.target, BootSourceOverrideMode: s.boot.mode,
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...BOOT_TARGETS],
      'BootSourceOverrideEnabled@Redfish.AllowableValues': [...BOOT_ENABLED],
      'BootSourceOverrideMode@Redfish.AllowableValues': [...BOOT_MODES],
    },
    ProcessorSummary: { Count: s.cpu.sockets, LogicalProcessorCount: totalThreads, Model: s.cpu.model, Status: enabled },
    MemorySummary: { TotalSystemMemoryGiB: s.dimmsMiB.reduce((a, b) => a + b, 0) / 1024, Status: enabled },
    Processors: ref(`${sp}/Processors`), Memory: ref(`${sp}/Memory`), EthernetInterfaces: ref(`${sp}/EthernetInterfaces`),
    SimpleStorage: ref(`${sp}/SimpleStorage`), Storage: ref(`${sp}/Storage`), Bios: ref(`${sp}/Bios`),
    Links: { Chassis: [ref(cp)], ManagedBy: [ref(mp)] },
    Actions: {
      '#ComputerSystem.Reset': { target: `${sp}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': [...o.resetTypes] },
    },
  };
  if (!o.virtualMediaUnderManager) system.VirtualMedia = ref(vmBase);
  tree.set(sp, system);

  // processors
  const procIds = Array.from({ length: s.cpu.sockets }, (_, i) => `CPU${i + 1}`);
  tree.set(`${sp}/Processors`, collection(`${sp}/Processors`, 'ProcessorCollection', 'Processors', procIds.map((p) => `${sp}/Processors/${p}`)));
  procIds.forEach((p, i) => tree.set(`${sp}/Processors/${p}`, {
    '@odata.id': `${sp}/Processors/${p}`, '@odata.type': '#Processor.v1_18_0.Processor', Id: p, Name: 'Processor', Socket: `CPU ${i + 1}`,
    ProcessorType: 'CPU', ProcessorArchitecture: s.cpu.arch, InstructionSet: s.cpu.instructionSet, Manufacturer: s.cpu.manufacturer,
    Model: s.cpu.model, MaxSpeedMHz: s.cpu.maxSpeedMHz, TotalCores: s.cpu.coresPerSocket, TotalThreads: s.cpu.threadsPerSocket, Status: enabled,
  }));

  // memory
  const dimmIds = s.dimmsMiB.map((_, i) => `DIMM${i + 1}`);
  tree.set(`${sp}/Memory`, collection(`${sp}/Memory`, 'MemoryCollection', 'Memory', dimmIds.map((d) => `${sp}/Memory/${d}`)));
  dimmIds.forEach((d, i) => tree.set(`${sp}/Memory/${d}`, {
    '@odata.id': `${sp}/Memory/${d}`, '@odata.type': '#Memory.v1_17_0.Memory', Id: d, Name: `DIMM ${i + 1}`,
    MemoryType: 'DRAM', MemoryDeviceType: 'DDR4', CapacityMiB: s.dimmsMiB[i], OperatingSpeedMhz: 2933, Status: enabled,
  }));

  // NICs
  tree.set(`${sp}/EthernetInterfaces`, collection(`${sp}/EthernetInterfaces`, 'EthernetInterfaceCollection', 'Ethernet Interfaces',
    s.nics.map((n) => `${sp}/EthernetInterfaces/${n.id}`)));
  for (const n of s.nics) {
    tree.set(`${sp}/EthernetInterfaces/${n.id}`, {
      '@odata.id': `${sp}/EthernetInterfaces/${n.id}`, '@odata.type': '#EthernetInterface.v1_12_0.EthernetInterface', Id: n.id,
      Name: `Ethernet ${n.id}`, MACAddress: n.mac, PermanentMACAddress: n.mac, SpeedMbps: n.speedMbps, LinkStatus: n.enabled ? 'LinkUp' : 'LinkDown',
      InterfaceEnabled: n.enabled, Status: { State: n.enabled ? 'Enabled' : 'Disabled', Health: 'OK' },
    });
  }

  // storage: SimpleStorage (older) and Storage + Drives (newer), both describing the same disks
  tree.set(`${sp}/SimpleStorage`, collection(`${sp}/SimpleStorage`, 'SimpleStorageCollection', 'Simple Storage', [`${sp}/SimpleStorage/1`]));
  tree.set(`${sp}/SimpleStorage/1`, {
    '@odata.id': `${sp}/SimpleStorage/1`, '@odata.type': '#SimpleStorage.v1_3_1.SimpleStorage', Id: '1', Name: 'Simple Storage Controller',
    Devices: s.drives.map((d) => ({ Name: d.name, Manufacturer: d.manufacturer, Model: d.model, CapacityBytes: d.sizeBytes, Status: enabled })),
    Status: enabled,
  });
  tree.set(`${sp}/Storage`, collection(`${sp}/Storage`, 'StorageCollection', 'Storage', [`${sp}/Storage/1`]));
  tree.set(`${sp}/Storage/1`, {
    '@odata.id': `${sp}/Storage/1`, '@odata.type': '#Storage.v1_15_0.Storage', Id: '1', Name: 'Storage Controller', Status: enabled,
    Drives: s.drives.map((d) => ref(`${sp}/Storage/1/Drives/${d.id}`)), 'Drives@odata.count': s.drives.length,
    Volumes: ref(volumesPath(s)),
    StorageControllers: [{ MemberId: '0', Name: 'SATA/NVMe RAID controller', Status: enabled, SupportedDeviceProtocols: ['SATA', 'NVMe'], SupportedRAIDTypes: [...SUPPORTED_RAID_TYPES] }],
  });
  tree.set(volumesPath(s), {
    ...collection(volumesPath(s), 'VolumeCollection', 'Volumes', s.volumes.map((v) => `${volumesPath(s)}/${v.id}`)),
    '@Redfish.OperationApplyTimeSupport': { '@odata.type': '#Settings.v1_3_5.OperationApplyTimeSupport', SupportedValues: ['Immediate', 'OnReset'] },
  });
  for (const v of s.volumes) tree.set(`${volumesPath(s)}/${v.id}`, volumeResource(s, v));
  for (const d of s.drives) {
    tree.set(`${sp}/Storage/1/Drives/${d.id}`, {
      '@odata.id': `${sp}/Storage/1/Drives/${d.id}`, '@odata.type': '#Drive.v1_17_0.Drive', Id: d.id, Name: d.name,
      CapacityBytes: d.sizeBytes, MediaType: d.mediaType, Protocol: d.protocol, Manufacturer: d.manufacturer, Model: d.model,
      SerialNumber: d.serialNumber, BlockSizeBytes: 512, Status: enabled,
      Links: { Volumes: s.volumes.filter((v) => v.driveIds.includes(d.id)).map((v) => ref(`${volumesPath(s)}/${v.id}`)) },
    });
  }

  const bios = s.biosSettings;
  tree.set(biosPath(s), {
    '@odata.id': biosPath(s), '@odata.type': '#Bios.v1_2_0.Bios', Id: 'Bios', Name: 'BIOS Configuration', AttributeRegistry: BIOS_REGISTRY_ID,
    Attributes: { ...bios.current },
    '@Redfish.Settings': {
      '@odata.type': '#Settings.v1_3_5.Settings', SettingsObject: ref(`${biosPath(s)}/Settings`), SupportedApplyTimes: ['OnReset'],
      ...(bios.lastApply ? { Time: bios.lastApply.time, Messages: bios.lastApply.messages } : {}),
    },
    Actions: {
      '#Bios.ResetBios': { target: `${biosPath(s)}/Actions/Bios.ResetBios` },
      '#Bios.ChangePassword': { target: `${biosPath(s)}/Actions/Bios.ChangePassword` },
    },
  });
  tree.set(`${biosPath(s)}/Settings`, {
    '@odata.id': `${biosPath(s)}/Settings`, '@odata.type': '#Bios.v1_2_0.Bios', Id: 'Settings', Name: 'BIOS Pending Settings', AttributeRegistry: BIOS_REGISTRY_ID,
    Attributes: { ...bios.pending },
    '@Redfish.SettingsApplyTime': { '@odata.type': '#Settings.v1_3_5.PreferredApplyTime', ApplyTime: 'OnReset', 'ApplyTime@Redfish.AllowableValues': ['OnReset'] },
  });

  // virtual media, under the system (newer) or the manager (older BMCs, and what sushy 4.3.3 reads)
  tree.set(vmBase, collection(vmBase, 'VirtualMediaCollection', 'Virtual Media', s.virtualMedia.map((v) => `${vmBase}/${v.id}`)));
  for (const v of s.virtualMedia) tree.set(`${vmBase}/${v.id}`, virtualMedia(`${vmBase}/${v.id}`, v, !o.noVirtualMediaActions));

  const manager: Resource = {
    '@odata.id': mp, '@odata.type': '#Manager.v1_17_0.Manager', Id: s.managerId, Name: 'Emulated BMC', ManagerType: 'BMC',
    FirmwareVersion: s.firmware.bmc, Model: 'Emulated BMC', Status: enabled, PowerState: 'On', UUID: s.uuid,
    Links: { ManagerForServers: [ref(sp)], ManagerForChassis: [ref(cp)] },
  };
  if (o.virtualMediaUnderManager) manager.VirtualMedia = ref(vmBase);
  tree.set(mp, manager);

  tree.set(cp, {
    '@odata.id': cp, '@odata.type': '#Chassis.v1_23_0.Chassis', Id: s.chassisId, Name: 'Computer System Chassis', ChassisType: 'RackMount',
    Manufacturer: s.manufacturer, Model: s.model, SerialNumber: s.serialNumber, PowerState: s.power, Status: enabled,
    Links: { ComputerSystems: [ref(sp)], ManagedBy: [ref(mp)] },
  });
}

export function buildTree(systems: readonly SystemState[], o: TreeOptions): Map<string, Resource> {
  const tree = new Map<string, Resource>();
  tree.set('/redfish', { v1: `${ROOT}/` });
  tree.set(ROOT, {
    '@odata.id': `${ROOT}/`, '@odata.type': '#ServiceRoot.v1_16_0.ServiceRoot', Id: 'RootService', Name: 'Root Service',
    RedfishVersion: '1.17.0', UUID: o.serviceUuid, Product: 'metal3-functions Redfish emulator', Vendor: 'metal3-functions',
    Systems: ref(`${ROOT}/Systems`), Managers: ref(`${ROOT}/Managers`), Chassis: ref(`${ROOT}/Chassis`),
    SessionService: ref(`${ROOT}/SessionService`), TaskService: ref(`${ROOT}/TaskService`),
    Registries: ref(`${ROOT}/Registries`), UpdateService: ref(`${ROOT}/UpdateService`),
    Links: { Sessions: ref(`${ROOT}/SessionService/Sessions`) },
  });
  tree.set(`${ROOT}/Systems`, collection(`${ROOT}/Systems`, 'ComputerSystemCollection', 'Computer System Collection', systems.map(systemPath)));
  tree.set(`${ROOT}/Managers`, collection(`${ROOT}/Managers`, 'ManagerCollection', 'Manager Collection', systems.map(managerPath)));
  tree.set(`${ROOT}/Chassis`, collection(`${ROOT}/Chassis`, 'ChassisCollection', 'Chassis Collection', systems.map((s) => `${ROOT}/Chassis/${s.chassisId}`)));
  tree.set(`${ROOT}/SessionService`, {
    '@odata.id': `${ROOT}/SessionService`, '@odata.type': '#SessionService.v1_1_8.SessionService', Id: 'SessionService', Name: 'Session Service',
    ServiceEnabled: true, SessionTimeout: o.sessionTimeoutSec, Sessions: ref(`${ROOT}/SessionService/Sessions`), Status: enabled,
  });
  tree.set(`${ROOT}/SessionService/Sessions`, collection(`${ROOT}/SessionService/Sessions`, 'SessionCollection', 'Session Collection',
    [...o.sessions.keys()].map((id) => `${ROOT}/SessionService/Sessions/${id}`)));
  for (const s of o.sessions.values()) tree.set(`${ROOT}/SessionService/Sessions/${s.id}`, sessionResource(s));
  tree.set(`${ROOT}/TaskService`, {
    '@odata.id': `${ROOT}/TaskService`, '@odata.type': '#TaskService.v1_2_0.TaskService', Id: 'TaskService', Name: 'Task Service',
    ServiceEnabled: true, CompletedTaskOverWritePolicy: 'Oldest', Tasks: ref(`${ROOT}/TaskService/Tasks`), Status: enabled,
  });
  tree.set(`${ROOT}/TaskService/Tasks`, collection(`${ROOT}/TaskService/Tasks`, 'TaskCollection', 'Task Collection',
    [...o.tasks.keys()].map((id) => `${ROOT}/TaskService/Tasks/${id}`)));
  for (const t of o.tasks.values()) tree.set(`${ROOT}/TaskService/Tasks/${t.id}`, taskResource(t));
  tree.set(`${ROOT}/Registries`, collection(`${ROOT}/Registries`, 'MessageRegistryFileCollection', 'Registry File Collection', [REGISTRY_FILE_PATH]));
  tree.set(REGISTRY_FILE_PATH, {
    '@odata.id': REGISTRY_FILE_PATH, '@odata.type': '#MessageRegistryFile.v1_1_3.MessageRegistryFile', Id: BIOS_REGISTRY_ID,
    Name: 'BIOS Attribute Registry File', Languages: ['en'], Registry: BIOS_REGISTRY_ID,
    Location: [{ Language: 'en', Uri: REGISTRY_JSON_PATH }],
  });
  tree.set(REGISTRY_JSON_PATH, attributeRegistryResource(REGISTRY_JSON_PATH));
  addUpdateService(tree, systems);
  for (const s of systems) addSystem(tree, s, o);
  return tree;
}

function addUpdateService(tree: Map<string, Resource>, systems: readonly SystemState[]): void {
  const inventory = `${ROOT}/UpdateService/FirmwareInventory`;
  const components = systems.flatMap((s) => [
    { path: firmwareInventoryPath(s, 'bios'), name: `BIOS of ${s.id}`, version: s.bios.version, softwareId: 'BIOS', s },
    { path: firmwareInventoryPath(s, 'bmc'), name: `BMC of ${s.id}`, version: s.firmware.bmc, softwareId: 'BMC', s },
  ]);
  tree.set(`${ROOT}/UpdateService`, {
    '@odata.id': `${ROOT}/UpdateService`, '@odata.type': '#UpdateService.v1_11_0.UpdateService', Id: 'UpdateService', Name: 'Update Service',
    ServiceEnabled: true, Status: enabled, FirmwareInventory: ref(inventory),
    Actions: {
      '#UpdateService.SimpleUpdate': { target: `${ROOT}/UpdateService/Actions/UpdateService.SimpleUpdate`, 'TransferProtocol@Redfish.AllowableValues': ['HTTP', 'HTTPS'] },
    },
  });
  tree.set(inventory, collection(inventory, 'SoftwareInventoryCollection', 'Firmware Inventory', components.map((c) => c.path)));
  for (const c of components) {
    tree.set(c.path, {
      '@odata.id': c.path, '@odata.type': '#SoftwareInventory.v1_10_0.SoftwareInventory', Id: c.path.split('/').pop(), Name: c.name,
      Version: c.version, SoftwareId: c.softwareId, Updateable: true, Status: enabled,
      RelatedItem: [ref(c.softwareId === 'BIOS' ? biosPath(c.s) : managerPath(c.s))],
    });
  }
}

/** the older VolumeType each RAID type maps to (clients before RAIDType read this) */
const VOLUME_TYPE: Record<VolumeState['raidType'], string> = { RAID0: 'NonRedundant', RAID1: 'Mirrored', RAID5: 'StripedWithParity', RAID10: 'SpannedMirrors' };

function volumeResource(s: SystemState, v: VolumeState): Resource {
  const path = `${volumesPath(s)}/${v.id}`;
  return {
    '@odata.id': path, '@odata.type': '#Volume.v1_9_0.Volume', Id: v.id, Name: v.name, RAIDType: v.raidType, VolumeType: VOLUME_TYPE[v.raidType],
    CapacityBytes: v.capacityBytes, BlockSizeBytes: 512, Encrypted: false, Status: enabled,
    Identifiers: [{ DurableNameFormat: 'NAA', DurableName: `6${s.uuid.replace(/-/g, '').slice(0, 15)}${v.id.padStart(16, '0').slice(-16)}` }],
    Links: { Drives: v.driveIds.map((id) => ref(`${systemPath(s)}/Storage/1/Drives/${id}`)) },
    '@Redfish.OperationApplyTimeSupport': { '@odata.type': '#Settings.v1_3_5.OperationApplyTimeSupport', SupportedValues: ['Immediate', 'OnReset'] },
  };
}

export function sessionResource(s: { id: string; userName: string }): Resource {
  return { '@odata.id': `${ROOT}/SessionService/Sessions/${s.id}`, '@odata.type': '#Session.v1_6_0.Session', Id: s.id, Name: `User Session ${s.id}`, UserName: s.userName };
}

export function taskResource(t: TaskView): Resource {
  const done = t.state !== 'Running';
  const failed = t.state === 'Exception';
  return {
    '@odata.id': `${ROOT}/TaskService/Tasks/${t.id}`, '@odata.type': '#Task.v1_7_0.Task', Id: t.id, Name: 'Task', TaskState: t.state,
    TaskStatus: failed ? 'Critical' : 'OK', PercentComplete: t.percent, StartTime: t.startTime, ...(done ? { EndTime: t.endTime } : {}),
    TaskMonitor: `${ROOT}/TaskService/TaskMonitors/${t.id}`,
    Messages: [{
      MessageId: failed ? 'TaskEvent.1.0.TaskAborted' : done ? 'TaskEvent.1.0.TaskCompletedOK' : 'TaskEvent.1.0.TaskStarted',
      Message: t.message, Severity: failed ? 'Critical' : 'OK', MessageSeverity: failed ? 'Critical' : 'OK',
    }],
  };
}
