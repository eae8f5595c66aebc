/**
 * @module bmc/redfish/client: `BmcClient` over Redfish (power, boot override, info, inventory, virtual media).
 *
 * Discovery follows links from the service root (a given system path wins); Reset honours
 * ResetType AllowableValues with fallbacks; boot override PATCHes carry If-Match (412 → re-GET
 * once; 428 → send it) and drop BootSourceOverrideMode / 'Once' when the vendor rejects them.
 *
 * @example
 *   const bmc = createRedfishClient({ baseUrl: 'https://10.0.0.5', username, password, tls: { caPem } });
 *   try { await bmc.setPower('on'); } finally { await bmc.close(); }
 */
import { BmcAddressError, BmcUnreachableError, BmcUnsupportedError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../log.ts';
import type { BmcClient, BmcInfo, BootDevice, BootDeviceSetting, HardwareInventory, PowerAction, PowerState, SetBootDeviceOptions } from '../types.ts';
import { errorForStatus, parseDmtfError } from './errors.ts';
import { toHardwareInventory } from './inventory.ts';
import {
  BiosSchema, CollectionSchema, DriveSchema, EthernetInterfaceSchema, ManagerSchema, MemorySchema, ProcessorSchema,
  SimpleStorageSchema, StorageSchema, SystemSchema, type RedfishSystem,
} from './schemas.ts';
import { waitForTask } from './task-monitor.ts';
import { createRedfishTransport, type RedfishAuthMode, type RedfishTlsOptions, type RedfishTransport, type RedfishTransportOptions } from './transport.ts';
import { ejectMedia, findVirtualMedia, insertMedia, type VirtualMediaKind } from './virtual-media.ts';
import type * as z from 'zod';

export interface RedfishClientOptions {
  /** 'https://host[:port]' (or give host/port/scheme) */
  baseUrl?: string;
  host?: string;
  port?: number;
  scheme?: 'https' | 'http';
  /** '/redfish/v1/Systems/<id>'; wins over discovery */
  systemPath?: string;
  username: string;
  password: string;
  tls?: RedfishTlsOptions;
  auth?: RedfishAuthMode;
  /** per HTTP request (default 20 s) */
  timeoutMs?: number;
  /** 202 task monitors (default 120 s) */
  taskTimeoutMs?: number;
  /** after on/off, wait until PowerState matches (default 60 s; 0: don't wait) */
  powerSettleMs?: number;
  pollMs?: number;
  maxResponseBytes?: number;
  fetch?: RedfishTransportOptions['fetch'];
  log?: Logger;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface VirtualMediaStatus { image?: string; inserted: boolean }

export interface RedfishClient extends BmcClient {
  readonly protocol: 'redfish';
  /** the system this client drives (discovered or given) */
  systemPath(): Promise<string>;
  insertVirtualMedia(image: string, kind?: VirtualMediaKind): Promise<void>;
  ejectVirtualMedia(kind?: VirtualMediaKind): Promise<void>;
  virtualMedia(kind?: VirtualMediaKind): Promise<VirtualMediaStatus>;
  /** 'session' or 'basic', once known */
  authInUse(): 'session' | 'basic' | undefined;
}

const TARGETS: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };
const FROM_TARGET: Record<string, BootDeviceSetting['device']> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', BiosSetup: 'bios', None: 'none' };

/** Reset types per request, most preferred first (Metal³ mapping; PushPowerButton only toggles). */
const RESET_PLAN: Record<PowerAction, { types: string[]; settle?: PowerState }> = {
  on: { types: ['On', 'ForceOn', 'PushPowerButton'], settle: 'on' },
  off: { types: ['ForceOff', 'PushPowerButton'], settle: 'off' },
  'soft-off': { types: ['GracefulShutdown', 'PushPowerButton'] },
  cycle: { types: ['PowerCycle', 'ForceRestart'] },
  reset: { types: ['ForceRestart', 'PowerCycle'] },
};

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Redfish PowerState → ours; a host still powering on counts as off until it is On. */
export function toPowerState(value: string | null | undefined): PowerState {
  return value === 'On' || value === 'PoweringOff' || value === 'Paused' ? 'on' : 'off';
}

export function createRedfishClient(options: RedfishClientOptions): RedfishClient {
  const {
    systemPath: givenSystemPath, username, password, tls, auth = 'auto', timeoutMs = 20_000, taskTimeoutMs = 120_000,
    powerSettleMs = 60_000, pollMs = 250, maxResponseBytes, fetch, log = silentLogger, sleep = defaultSleep, now = Date.now,
  } = options;
  const baseUrl = options.baseUrl ?? (options.host
    ? `${options.scheme ?? 'https'}://${options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host}${options.port ? `:${options.port}` : ''}`
    : undefined);
  if (!baseUrl) throw new BmcAddressError('redfish client: baseUrl or host is required');
  const t: RedfishTransport = createRedfishTransport({ baseUrl, username, password, tls, auth, timeoutMs, maxResponseBytes, fetch, log });

  let systemPathCache = givenSystemPath;
  const systemPath = async (): Promise<string> => {
    if (systemPathCache) return systemPathCache;
    const root = await t.serviceRoot();
    if (!root.Systems) throw new BmcUnsupportedError(`redfish ${t.host}: the service root lists no Systems`);
    const { data } = await t.get(root.Systems['@odata.id'], CollectionSchema);
    if (data.Members.length !== 1) {
      throw new BmcAddressError(`redfish ${t.host}: ${data.Members.length} systems found; name one in the address (…/redfish/v1/Systems/<id>)`);
    }
    systemPathCache = data.Members[0]!['@odata.id'];
    return systemPathCache;
  };
  const getSystem = async (): Promise<{ data: RedfishSystem; etag?: string; path: string }> => {
    const path = await systemPath();
    return { ...(await t.get(path, SystemSchema)), path };
  };
  const members = async <S extends z.ZodType>(collection: { '@odata.id': string } | undefined, schema: S): Promise<z.infer<S>[]> => {
    if (!collection) return [];
    const { data } = await t.get(collection['@odata.id'], CollectionSchema);
    return Promise.all(data.Members.map(async (m) => (await t.get(m['@odata.id'], schema)).data));
  };

  const waitForPower = async (want: PowerState, operation: string): Promise<void> => {
    if (powerSettleMs <= 0) return;
    const deadline = now() + powerSettleMs;
    for (;;) {
      const { data } = await getSystem();
      if (toPowerState(data.PowerState) === want && data.PowerState !== 'PoweringOn' && data.PowerState !== 'PoweringOff') return;
      if (now() + pollMs > deadline) throw new BmcUnreachableError(`${operation}: power state still ${data.PowerState ?? 'unknown'} after ${powerSettleMs} ms`);
      await sleep(pollMs);
    }
  };

  const client: RedfishClient = {
    protocol: 'redfish',
    systemPath,
    authInUse: () => t.authInUse(),

    async powerState() {
      return toPowerState((await getSystem()).data.PowerState);
    },

    async setPower(action) {
      const { data, path } = await getSystem();
      const operation = `power ${action} on ${t.host}${path}`;
      const plan = RESET_PLAN[action];
      // idempotent only on a settled state: a host PoweringOn still needs an explicit off
      if ((action === 'on' && data.PowerState === 'On') || ((action === 'off' || action === 'soft-off') && data.PowerState === 'Off')) return;
      // already on its way: another Reset (PushPowerButton above all) could undo it
      if (action === 'on' && data.PowerState === 'PoweringOn') return waitForPower('on', operation);
      if (action === 'off' && data.PowerState === 'PoweringOff') return waitForPower('off', operation);
      const reset = data.Actions?.['#ComputerSystem.Reset'];
      if (!reset) throw new BmcUnsupportedError(`${operation}: the system offers no ComputerSystem.Reset action`);
      const allowed = reset['ResetType@Redfish.AllowableValues'];
      const type = plan.types.find((x) => !allowed || allowed.includes(x));
      if (!type) throw new BmcUnsupportedError(`${operation}: none of ${plan.types.join('/')} is allowed (BMC offers ${allowed?.join(', ')})`);
      log.debug('redfish reset', { host: t.host, system: path, resetType: type });
      const res = await t.request('POST', reset.target, { json: { ResetType: type } });
      if (res.status === 202) await waitForTask(t, operation, res, { timeoutMs: taskTimeoutMs, sleep, now });
      if (plan.settle) await waitForPower(plan.settle, operation);
    },

    async bootDevice() {
      const boot = (await getSystem()).data.Boot ?? {};
      const enabled = boot.BootSourceOverrideEnabled ?? 'Disabled';
      return {
        device: enabled === 'Disabled' ? 'none' : (FROM_TARGET[boot.BootSourceOverrideTarget ?? 'None'] ?? 'other'),
        persistent: enabled === 'Continuous',
        uefi: boot.BootSourceOverrideMode === 'UEFI',
      };
    },

    async setBootDevice(device, { persistent = false, uefi }: SetBootDeviceOptions = {}) {
      let { data, etag, path } = await getSystem();
      const operation = `PATCH boot override on ${t.host}${path}`;
      const target = TARGETS[device];
      const allowed = data.Boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'];
      if (allowed && !allowed.includes(target)) throw new BmcUnsupportedError(`${operation}: boot target ${target} not offered (BMC offers ${allowed.join(', ')})`);
      // all three in one PATCH: some BMCs reset the mode when it is omitted
      const boot: Record<string, string> = { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: persistent ? 'Continuous' : 'Once' };
      if (uefi !== undefined) boot.BootSourceOverrideMode = uefi ? 'UEFI' : 'Legacy';
      let refreshedEtag = false;
      for (let attempt = 0; attempt < 4; attempt++) {
        const res = await t.request('PATCH', path, { json: { Boot: boot }, headers: etag ? { 'If-Match': etag } : {}, allow: [400, 412, 428] });
        if (res.status < 300) return;
        if ((res.status === 412 || res.status === 428) && !refreshedEtag) {
          // 412: someone changed the system since our GET; 428: this BMC insists on If-Match
          refreshedEtag = true;
          ({ etag } = await getSystem());
          if (!etag && res.status === 428) etag = '*';
          continue;
        }
        if (res.status === 400) {
          const e = parseDmtfError(res.body);
          const about = [...e.relatedProperties, ...e.messages, e.message ?? ''].join(' ');
          if (boot.BootSourceOverrideMode && about.includes('BootSourceOverrideMode')) {
            log.warn('BMC rejected BootSourceOverrideMode; retrying without it', { host: t.host });
            delete boot.BootSourceOverrideMode;
            continue;
          }
          if (boot.BootSourceOverrideEnabled === 'Once' && about.includes('BootSourceOverrideEnabled')) {
            // vendors that refuse an explicit 'Once' treat a bare target as next-boot-only
            log.warn("BMC rejected BootSourceOverrideEnabled 'Once'; retrying without it", { host: t.host });
            delete boot.BootSourceOverrideEnabled;
            continue;
          }
        }
        throw errorForStatus({ operation, status: res.status, body: res.body });
      }
      throw errorForStatus({ operation, status: 412, body: undefined });
    },

    async info(): Promise<BmcInfo> {
      const { data } = await getSystem();
      const managerRef = data.Links?.ManagedBy?.[0];
      const manager = managerRef ? (await t.get(managerRef['@odata.id'], ManagerSchema)).data : undefined;
      const out: BmcInfo = {
        manufacturer: data.Manufacturer ?? undefined, model: data.Model ?? undefined, serialNumber: data.SerialNumber ?? undefined,
        firmwareVersion: manager?.FirmwareVersion ?? undefined, bmcId: manager?.Id ?? undefined, powerState: toPowerState(data.PowerState),
      };
      return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as BmcInfo;
    },

    async inventory(): Promise<HardwareInventory> {
      const { data: system } = await getSystem();
      const [processors, memory, nics, storages, simpleStorage, bios] = await Promise.all([
        members(system.Processors, ProcessorSchema),
        members(system.Memory, MemorySchema),
        members(system.EthernetInterfaces, EthernetInterfaceSchema),
        members(system.Storage, StorageSchema),
        members(system.SimpleStorage, SimpleStorageSchema),
        system.Bios ? t.get(system.Bios['@odata.id'], BiosSchema).then((r) => r.data, () => undefined) : Promise.resolve(undefined),
      ]);
      const drives = await Promise.all(storages.flatMap((s) => s.Drives).map(async (d) => (await t.get(d['@odata.id'], DriveSchema)).data));
      return toHardwareInventory({ system, processors, memory, nics, drives, simpleStorage, biosAttributes: bios?.Attributes ?? undefined });
    },

    async insertVirtualMedia(image, kind = 'cd') {
      const { data } = await getSystem();
      let slot = await findVirtualMedia(t, data, kind);
      if (slot.media.Inserted && slot.media.Image === image) return;
      if (slot.media.Inserted || slot.media.Image) {
        await ejectMedia(t, slot);
        slot = await findVirtualMedia(t, data, kind);
      }
      await insertMedia(t, slot, image);
    },

    async ejectVirtualMedia(kind = 'cd') {
      const { data } = await getSystem();
      await ejectMedia(t, await findVirtualMedia(t, data, kind));
    },

    async virtualMedia(kind = 'cd') {
      const { data } = await getSystem();
      const { media } = await findVirtualMedia(t, data, kind);
      return { inserted: media.Inserted === true, ...(media.Image ? { image: media.Image } : {}) };
    },

    close: () => t.close(),
  };
  return client;
}
