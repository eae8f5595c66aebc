/**
 * @module redfish-emulator/resources: renders the Redfish resource tree from the emulator state.
 *
 * Shapes follow the DMTF public mockups (public-rackmount1, public-telemetry): a ServiceRoot with
 * Links.Sessions, ComputerSystem with Boot AllowableValues and a Reset action, Processors, Memory,
 * EthernetInterfaces, SimpleStorage and Storage/Drives, Bios, a Manager with Links, VirtualMedia,
 * SessionService, TaskService and a minimal Chassis. Rebuilt per request: the tree is small.
 */
import { BOOT_ENABLED, BOOT_MODES, BOOT_TARGETS, type ResetType, type SystemState, type VirtualMediaState } from './model.ts';

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

export interface TaskView { id: string; state: 'Running' | 'Completed'; percent: number; startTime: string; endTime?: string; message: string }

const ref = (path: string) => ({ '@odata.id': path });
const collection = (path: string, type: string, name: string, members: string[]): Resource => ({
  '@odata.id': path, '@odata.type': `#${type}.${type}`, Name: name,
  Members: members.map(ref), 'Members@odata.count': members.length,
});
const enabled = { State: 'Enabled', Health: 'OK' };

export const systemPath = (s: SystemState): string => `${ROOT}/Systems/${s.id}`;
export const managerPath = (s: SystemState): string => `${ROOT}/Managers/${s.managerId}`;
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
    StorageControllers: [{ MemberId: '0', Name: 'SATA/NVMe controller', Status: enabled, SupportedDeviceProtocols: ['SATA', 'NVMe'] }],
  });
  for (const d of s.drives) {
    tree.set(`${sp}/Storage/1/Drives/${d.id}`, {
      '@odata.id': `${sp}/Storage/1/Drives/${d.id}`, '@odata.type': '#Drive.v1_17_0.Drive', Id: d.id, Name: d.name,
      CapacityBytes: d.sizeBytes, MediaType: d.mediaType, Protocol: d.protocol, Manufacturer: d.manufacturer, Model: d.model,
      SerialNumber: d.serialNumber, BlockSizeBytes: 512, Status: enabled,
    });
  }

  tree.set(`${sp}/Bios`, {
    '@odata.id': `${sp}/Bios`, '@odata.type': '#Bios.v1_2_0.Bios', Id: 'Bios', Name: 'BIOS Configuration', AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: { BootMode: s.boot.mode === 'UEFI' ? 'Uefi' : 'Bios', ProcTurboMode: 'Enabled', SystemBiosVendor: s.bios.vendor, SystemBiosReleaseDate: s.bios.releaseDate },
  });

  // virtual media, under the system (newer) or the manager (older BMCs, and what sushy 4.3.3 reads)
  tree.set(vmBase, collection(vmBase, 'VirtualMediaCollection', 'Virtual Media', s.virtualMedia.map((v) => `${vmBase}/${v.id}`)));
  for (const v of s.virtualMedia) tree.set(`${vmBase}/${v.id}`, virtualMedia(`${vmBase}/${v.id}`, v, !o.noVirtualMediaActions));

  const manager: Resource = {
    '@odata.id': mp, '@odata.type': '#Manager.v1_17_0.Manager', Id: s.managerId, Name: 'Emulated BMC', ManagerType: 'BMC',
    FirmwareVersion: '1.45.455b66-rev4', Model: 'Emulated BMC', Status: enabled, PowerState: 'On', UUID: s.uuid,
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
  for (const s of systems) addSystem(tree, s, o);
  return tree;
}

export function sessionResource(s: { id: string; userName: string }): Resource {
  return { '@odata.id': `${ROOT}/SessionService/Sessions/${s.id}`, '@odata.type': '#Session.v1_6_0.Session', Id: s.id, Name: `User Session ${s.id}`, UserName: s.userName };
}

export function taskResource(t: TaskView): Resource {
  const done = t.state === 'Completed';
  return {
    '@odata.id': `${ROOT}/TaskService/Tasks/${t.id}`, '@odata.type': '#Task.v1_7_0.Task', Id: t.id, Name: 'Task', TaskState: t.state,
    TaskStatus: 'OK', PercentComplete: t.percent, StartTime: t.startTime, ...(done ? { EndTime: t.endTime } : {}),
    TaskMonitor: `${ROOT}/TaskService/TaskMonitors/${t.id}`,
    Messages: [{ MessageId: done ? 'TaskEvent.1.0.TaskCompletedOK' : 'TaskEvent.1.0.TaskStarted', Message: t.message, Severity: 'OK' }],
  };
}
