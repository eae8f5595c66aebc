/**
 * @module redfish-emulator/server: the request handler of the Redfish emulator.
 *
 * Auth (Basic or session token), ETag on every GET, If-Match on PATCH (412 / 428), validated
 * Reset, boot override, VirtualMedia insert/eject, task monitors, DMTF error bodies, a body
 * size limit. State lives in `EmulatorState`; the tree is re-rendered from it per request.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyPending, stageAttributes, stageDefaults } from './bios.ts';
import { Failures, type RedfishFailure } from './errors.ts';
import { activateStaged, fetchFirmwareImage, type FirmwareComponent } from './firmware.ts';
import { BOOT_ENABLED, BOOT_MODES, BOOT_TARGETS, type ResetType, type SystemState, type VirtualMediaState } from './model.ts';
import { applyTimeOf, planVolume } from './raid.ts';
import { biosPath, buildTree, firmwareInventoryPath, ROOT, sessionResource, systemPath, taskResource, virtualMediaBase, volumesPath, type Resource, type TaskView } from './resources.ts';

export interface EmulatorQuirks {
  /** Reset answers 202 + a task monitor; the power change lands when the task completes */
  asyncReset?: boolean;
  /** a vendor that rejects BootSourceOverrideEnabled 'Once' (setting a target alone implies once) */
  rejectOnce?: boolean;
  /** a vendor that rejects any BootSourceOverrideMode in a PATCH */
  rejectBootMode?: boolean;
  /** PATCH without If-Match → 428 */
  requireIfMatch?: boolean;
  /** VirtualMedia under Managers (older iDRAC/iLO; the only place sushy 4.3.3 looks) */
  virtualMediaUnderManager?: boolean;
  /** VirtualMedia without Insert/Eject actions: PATCH Image/Inserted instead */
  noVirtualMediaActions?: boolean;
  /** Reset types offered (AllowableValues); others → 400 */
  resetTypes?: readonly ResetType[];
  /** BIOS attributes the PATCH accepts but the firmware refuses at the next boot (left unapplied, reported in the Settings Messages) */
  biosRejectAtApply?: readonly string[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  auth: 'basic' | 'session' | 'none';
  ifMatch?: string;
  /** the JSON body, with any Password replaced */
  body?: unknown;
}

type TaskRecord = TaskView;

export interface EmulatorState {
  systems: SystemState[];
  /** by session id */
  sessions: Map<string, { id: string; userName: string; token: string }>;
  tasks: Map<string, TaskRecord>;
  requests: RequestLogEntry[];
  timers: Set<NodeJS.Timeout>;
  /** per system: a pending PoweringOn → On */
  pendingPower: Map<string, NodeJS.Timeout>;
}

export interface HandlerOptions {
  username: string;
  password: string;
  quirks: EmulatorQuirks;
  serviceUuid: string;
  maxBodyBytes: number;
  powerOnDelayMs: number;
  taskDurationMs: number;
  sessionTimeoutSec: number;
  /** told about every power change: `bootTarget` is the device the firmware boots ('Pxe', 'Cd', 'Hdd', …) */
  onPowerChange?: PowerChangeListener | undefined;
}

/** A machine behind the BMC: started on power-on (with the boot device), halted on power-off. */
export type PowerChangeListener = (systemId: string, change: { power: 'On'; bootTarget: string } | { power: 'Off' }) => void;

const DEFAULT_RESET_TYPES: readonly ResetType[] = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton'];
const TRANSFER_PROTOCOLS = ['CIFS', 'FTP', 'SFTP', 'HTTP', 'HTTPS', 'NFS', 'SCP', 'TFTP', 'OEM'];

export const etagOf = (body: Resource): string => `"${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 20)}"`;

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const normalisePath = (url: string): string => {
  const raw = url.split('?')[0] ?? '/';
  let path: string;
  try { path = decodeURIComponent(raw); } catch { path = raw; }
  path = path.replace(/\/{2,}/g, '/');
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
};

const scrub = (body: unknown): unknown => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if ('Password' in out) out.Password = '[REDACTED]';
  return out;
};

export function createEmulatorHandler(state: EmulatorState, o: HandlerOptions) {
  const resetTypes = o.quirks.resetTypes ?? DEFAULT_RESET_TYPES;
  const underManager = o.quirks.virtualMediaUnderManager ?? false;

  const tree = (): Map<string, Resource> => buildTree(state.systems, {
    serviceUuid: o.serviceUuid, virtualMediaUnderManager: underManager, noVirtualMediaActions: o.quirks.noVirtualMediaActions ?? false,
    resetTypes, sessions: state.sessions, tasks: state.tasks, sessionTimeoutSec: o.sessionTimeoutSec,
  });

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => { state.timers.delete(t); fn(); }, ms);
    state.timers.add(t);
    return t;
  };

  // ---- power ------------------------------------------------------------------------

  /** A power-on: the pending boot override is consumed (Once → Disabled), as BMCs do. */
  const boot = (s: SystemState): void => {
    // what waited for a reset takes effect as the firmware starts: BIOS settings, a flashed BIOS, RAID changes
    applyPending(s.biosSettings, o.quirks.biosRejectAtApply ?? []);
    s.bios.version = activateStaged(s.firmware, s.bios.version);
    for (const op of s.pendingVolumeOps.splice(0)) {
      if (op.kind === 'create') s.volumes.push(op.volume);
      else s.volumes = s.volumes.filter((v) => v.id !== op.volume.id);
      const task = state.tasks.get(op.taskId);
      if (task) Object.assign(task, { state: 'Completed', percent: 100, endTime: new Date().toISOString(), message: `${op.kind === 'create' ? 'Created' : 'Deleted'} volume ${op.volume.id} at reset` });
    }
    s.power = 'On';
    const bootTarget = s.boot.enabled === 'Disabled' ? 'Hdd' : s.boot.target;
    s.bootHistory.push(bootTarget);
    o.onPowerChange?.(s.id, { power: 'On', bootTarget });
    if (s.boot.enabled === 'Once') s.boot = { ...s.boot, enabled: 'Disabled', target: 'None' };
  };
  const powerOn = (s: SystemState): void => {
    const pending = state.pendingPower.get(s.id);
    if (pending) return; // already PoweringOn
    if (o.powerOnDelayMs <= 0) return boot(s);
    s.power = 'PoweringOn';
    state.pendingPower.set(s.id, later(o.powerOnDelayMs, () => { state.pendingPower.delete(s.id); boot(s); }));
  };
  const powerOff = (s: SystemState): void => {
    const pending = state.pendingPower.get(s.id);
    if (pending) { clearTimeout(pending); state.timers.delete(pending); state.pendingPower.delete(s.id); }
    const wasOn = s.power !== 'Off';
    s.power = 'Off';
    if (wasOn) o.onPowerChange?.(s.id, { power: 'Off' });
  };
  const applyReset = (s: SystemState, type: ResetType): void => {
    switch (type) {
      case 'On': case 'ForceOn': if (s.power === 'Off') powerOn(s); break;
      case 'ForceOff': case 'GracefulShutdown': powerOff(s); break;
      case 'GracefulRestart': case 'ForceRestart': case 'PowerCycle': powerOff(s); powerOn(s); break;
      case 'PushPowerButton': if (s.power === 'Off') powerOn(s); else powerOff(s); break;
      case 'Nmi': break;
    }
  };

  // ---- helpers --------------------------------------------------------------------

  const systemByPath = (path: string): SystemState | undefined => state.systems.find((s) => systemPath(s) === path);
  const mediaByPath = (path: string): { s: SystemState; vm: VirtualMediaState } | undefined => {
    for (const s of state.systems) {
      const base = virtualMediaBase(s, underManager);
      const vm = s.virtualMedia.find((v) => `${base}/${v.id}` === path);
      if (vm) return { s, vm };
    }
    return undefined;
  };

  const checkIfMatch = (req: IncomingMessage, current: Resource): RedfishFailure | undefined => {
    const ifMatch = req.headers['if-match'];
    if (ifMatch === undefined) return o.quirks.requireIfMatch ? Failures.preconditionRequired() : undefined;
    const tags = ifMatch.split(',').map((t) => t.trim());
    return tags.includes('*') || tags.includes(etagOf(current)) ? undefined : Failures.preconditionFailed();
  };

  type Reply = { status: number; body?: Resource; headers?: Record<string, string> };

  // ---- actions ----------------------------------------------------------------------

  const reset = (s: SystemState, body: Record<string, unknown>): Reply | RedfishFailure => {
    const action = 'ComputerSystem.Reset';
    const type = body.ResetType;
    if (type === undefined) return Failures.actionParameterMissing(action, 'ResetType');
    if (typeof type !== 'string' || !(resetTypes as readonly string[]).includes(type)) return Failures.actionParameterNotSupported(String(type), 'ResetType', action);
    if (!o.quirks.asyncReset) { applyReset(s, type as ResetType); return { status: 204 }; }
    return taskReply(startTask(`Reset ${type} started`, async () => { applyReset(s, type as ResetType); return `Reset ${type} completed`; }));
  };

  const newTask = (message: string): TaskRecord => {
    const id = String(state.tasks.size + 1 + Math.floor(Math.random() * 1000) * 1000);
    const task: TaskRecord = { id, state: 'Running', percent: 0, startTime: new Date().toISOString(), message };
    state.tasks.set(id, task);
    return task;
  };
  /** A task that runs `work` after taskDurationMs: Completed with its message, or Exception with the error's. */
  const startTask = (message: string, work: () => Promise<string>): TaskRecord => {
    const task = newTask(message);
    later(o.taskDurationMs, () => {
      work().then(
        (done) => Object.assign(task, { state: 'Completed', percent: 100, endTime: new Date().toISOString(), message: done }),
        (e: unknown) => Object.assign(task, { state: 'Exception', percent: 100, endTime: new Date().toISOString(), message: (e as Error).message }),
      );
    });
    return task;
  };
  const taskReply = (task: TaskRecord): Reply => ({ status: 202, body: taskResource(task), headers: { Location: `${ROOT}/TaskService/TaskMonitors/${task.id}`, 'Retry-After': '1' } });
  /**
   * The answer updates and OnReset volume operations get: only a Location. sushy (≤ 4.x) takes a
   * Task body's @odata.id as the monitor, and a Task resource answers 200 even while running, so
   * its wait() would return at once; and it passes a numeric Retry-After string to time.sleep().
   */
  const monitorReply = (task: TaskRecord): Reply => {
    bareMonitors.add(task.id);
    return { status: 202, headers: { Location: `${ROOT}/TaskService/TaskMonitors/${task.id}` } };
  };
  /** tasks whose monitor answers without Retry-After (see monitorReply) */
  const bareMonitors = new Set<string>();

  // ---- firmware, BIOS, RAID ---------------------------------------------------------

  /** UpdateService.SimpleUpdate: the BMC fetches the image and flashes it in a task. */
  const simpleUpdate = (body: Record<string, unknown>): Reply | RedfishFailure => {
    const action = 'UpdateService.SimpleUpdate';
    const uri = body.ImageURI;
    if (uri === undefined) return Failures.actionParameterMissing(action, 'ImageURI');
    if (typeof uri !== 'string' || !/^https?:\/\/\S+$/i.test(uri)) return Failures.actionParameterValueFormatError(String(uri), 'ImageURI', action);
    const protocol = body.TransferProtocol;
    if (protocol !== undefined && protocol !== 'HTTP' && protocol !== 'HTTPS') return Failures.actionParameterNotSupported(String(protocol), 'TransferProtocol', action);
    const targets = body.Targets === undefined ? undefined : body.Targets;
    if (targets !== undefined && (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string'))) return Failures.actionParameterValueFormatError(JSON.stringify(targets), 'Targets', action);
    // the component comes from the target's inventory item, or (system or no target) from the image itself
    let target: { s: SystemState; component: FirmwareComponent | undefined } | undefined;
    if (targets === undefined || targets.length === 0) {
      if (state.systems.length !== 1) return Failures.actionParameterMissing(action, 'Targets');
      target = { s: state.systems[0]!, component: undefined };
    } else {
      const path = String(targets[0]);
      for (const s of state.systems) {
        if (path === systemPath(s)) target = { s, component: undefined };
        else if (path === firmwareInventoryPath(s, 'bios')) target = { s, component: 'bios' };
        else if (path === firmwareInventoryPath(s, 'bmc')) target = { s, component: 'bmc' };
      }
      if (!target) return Failures.actionParameterNotSupported(path, 'Targets', action);
    }
    const { s, component } = target;
    return monitorReply(startTask(`Updating the ${component ?? 'firmware'} of ${s.id} from ${uri}`, async () => {
      const image = await fetchFirmwareImage(uri, component);
      if (image.component === 'bmc') { s.firmware.bmc = image.version; return `BMC firmware ${image.version} installed`; }
      s.firmware.stagedBios = image.version;
      return `BIOS firmware ${image.version} staged; it takes effect at the next reset`;
    }));
  };

  const volumeByPath = (path: string): { s: SystemState; id: string } | undefined => {
    for (const s of state.systems) {
      if (path.startsWith(`${volumesPath(s)}/`)) {
        const id = path.slice(volumesPath(s).length + 1);
        if (s.volumes.some((v) => v.id === id)) return { s, id };
      }
    }
    return undefined;
  };

  const createVolume = (s: SystemState, body: Record<string, unknown>): Reply | RedfishFailure => {
    const when = applyTimeOf(body);
    if (typeof when !== 'string') return when;
    const used = new Set([...s.volumes, ...s.pendingVolumeOps.filter((p) => p.kind === 'create').map((p) => p.volume)].flatMap((v) => v.driveIds));
    const ids = [...s.volumes, ...s.pendingVolumeOps.map((p) => p.volume)].map((v) => Number(v.id)).filter(Number.isFinite);
    const planned = planVolume({ body, drives: new Map(s.drives.map((d) => [d.id, d])), usedDriveIds: used, nextId: String(Math.max(0, ...ids) + 1) });
    if ('status' in planned) return planned;
    const location = `${volumesPath(s)}/${planned.id}`;
    if (when === 'Immediate') {
      s.volumes.push(planned);
      return { status: 201, headers: { Location: location } };
    }
    const task = newTask(`Volume ${planned.id} (${planned.raidType}) is created at the next reset`);
    s.pendingVolumeOps.push({ kind: 'create', volume: planned, taskId: task.id });
    return monitorReply(task);
  };

  const deleteVolume = (s: SystemState, id: string, body: Record<string, unknown> | undefined): Reply | RedfishFailure => {
    const when = applyTimeOf(body);
    if (typeof when !== 'string') return when;
    const volume = s.volumes.find((v) => v.id === id)!;
    if (when === 'Immediate') {
      s.volumes = s.volumes.filter((v) => v.id !== id);
      return { status: 204 };
    }
    const task = newTask(`Volume ${id} is deleted at the next reset`);
    s.pendingVolumeOps.push({ kind: 'delete', volume, taskId: task.id });
    return monitorReply(task);
  };

  const patchBoot = (s: SystemState, body: Record<string, unknown>): Reply | RedfishFailure => {
    for (const key of Object.keys(body)) {
      if (key === 'Boot' || key === '@odata.etag') continue;
      if (['PowerState', 'Id', 'UUID', 'Manufacturer', 'Model', 'SerialNumber'].includes(key)) return Failures.propertyNotWritable(key);
      if (key !== 'AssetTag' && key !== 'IndicatorLED') return Failures.propertyUnknown(key);
    }
    const b = body.Boot;
    if (b === undefined) return { status: 204 };
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return Failures.propertyUnknown('Boot');
    const boot = b as Record<string, unknown>;
    const next = { ...s.boot };
    for (const [key, value] of Object.entries(boot)) {
      const v = String(value);
      switch (key) {
        case 'BootSourceOverrideTarget':
          if (!(BOOT_TARGETS as readonly string[]).includes(v)) return Failures.propertyValueNotInList(v, key);
          next.target = v as typeof next.target; break;
        case 'BootSourceOverrideEnabled':
          if (!(BOOT_ENABLED as readonly string[]).includes(v) || (o.quirks.rejectOnce && v === 'Once')) return Failures.propertyValueNotInList(v, key);
          next.enabled = v as typeof next.enabled; break;
        case 'BootSourceOverrideMode':
          if (o.quirks.rejectBootMode) return Failures.propertyNotWritable(`Boot/${key}`);
          if (!(BOOT_MODES as readonly string[]).includes(v)) return Failures.propertyValueNotInList(v, key);
          next.mode = v as typeof next.mode; break;
        default:
          return Failures.propertyUnknown(`Boot/${key}`);
      }
    }
    // the vendor default: a target set without a frequency means the next boot only
    if (o.quirks.rejectOnce && 'BootSourceOverrideTarget' in boot && !('BootSourceOverrideEnabled' in boot) && next.target !== 'None') next.enabled = 'Once';
    s.boot = next;
    return { status: 200 };
  };

  const insertMedia = (vm: VirtualMediaState, body: Record<string, unknown>, viaPatch: boolean): Reply | RedfishFailure => {
    const action = 'VirtualMedia.InsertMedia';
    const image = body.Image;
    if (image === undefined) return Failures.actionParameterMissing(action, 'Image');
    if (typeof image !== 'string' || !/^(https?|nfs|cifs|smb|ftp|sftp|tftp):\/\/\S+$/i.test(image)) return Failures.actionParameterNotSupported(String(image), 'Image', action);
    if (vm.inserted && !viaPatch) return Failures.resourceInUse(`virtual media ${vm.id} already has an image inserted`);
    const tpt = body.TransferProtocolType;
    if (tpt !== undefined && (typeof tpt !== 'string' || !TRANSFER_PROTOCOLS.includes(tpt))) return Failures.actionParameterNotSupported(String(tpt), 'TransferProtocolType', action);
    Object.assign(vm, {
      image, imageName: image.split('/').pop() ?? image, inserted: body.Inserted === undefined ? true : body.Inserted === true,
      writeProtected: body.WriteProtected === undefined ? true : body.WriteProtected === true,
      transferProtocolType: typeof tpt === 'string' ? tpt : (image.split(':')[0] ?? '').toUpperCase(),
    });
    return { status: 204 };
  };
  const ejectMedia = (vm: VirtualMediaState): Reply => {
    Object.assign(vm, { image: null, imageName: null, inserted: false, transferProtocolType: null });
    return { status: 204 };
  };

  // ---- sessions -------------------------------------------------------------------

  const login = (body: Record<string, unknown>): Reply | RedfishFailure => {
    if (typeof body.UserName !== 'string') return Failures.createFailedMissingReqProperties('UserName');
    if (typeof body.Password !== 'string') return Failures.createFailedMissingReqProperties('Password');
    if (!safeEqual(body.UserName, o.username) || !safeEqual(body.Password, o.password)) return Failures.noValidSession();
    const id = randomBytes(8).toString('hex');
    const token = randomBytes(24).toString('hex');
    state.sessions.set(id, { id, userName: body.UserName, token });
    return { status: 201, body: sessionResource({ id, userName: body.UserName }), headers: { 'X-Auth-Token': token, Location: `${ROOT}/SessionService/Sessions/${id}` } };
  };

  const authenticate = (req: IncomingMessage): RequestLogEntry['auth'] | undefined => {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && token.length > 0) {
      for (const s of state.sessions.values()) if (safeEqual(s.token, token)) return 'session';
      return undefined;
    }
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0 && safeEqual(decoded.slice(0, i), o.username) && safeEqual(decoded.slice(i + 1), o.password)) return 'basic';
    }
    return undefined;
  };

  // ---- routing --------------------------------------------------------------------

  const route = (req: IncomingMessage, path: string, body: Record<string, unknown> | undefined): Reply | RedfishFailure => {
    const method = req.method ?? 'GET';
    const sessionsPath = `${ROOT}/SessionService/Sessions`;
    if (method === 'POST' && path === sessionsPath) return login(body ?? {});

    const current = tree();
    if (method === 'GET' || method === 'HEAD') {
      const monitor = path.match(/^\/redfish\/v1\/TaskService\/TaskMonitors\/([^/]+)$/);
      if (monitor) {
        const task = state.tasks.get(monitor[1]!);
        if (!task) return Failures.resourceMissing(path);
        if (task.state === 'Running') return { status: 202, body: taskResource(task), headers: { Location: path, ...(bareMonitors.has(task.id) ? {} : { 'Retry-After': '1' }) } };
        return { status: 200, body: taskResource(task) };
      }
      const r = current.get(path);
      if (!r) return Failures.resourceMissing(path);
      return { status: 200, body: r };
    }

    if (method === 'DELETE') {
      const vol = volumeByPath(path);
      if (vol) return deleteVolume(vol.s, vol.id, body);
    }

    if (method === 'DELETE' && path.startsWith(`${sessionsPath}/`)) {
      const id = path.slice(sessionsPath.length + 1);
      if (!state.sessions.delete(id)) return Failures.resourceMissing(path);
      return { status: 204 };
    }

    if (method === 'POST') {
      if (path === `${ROOT}/UpdateService/Actions/UpdateService.SimpleUpdate`) return simpleUpdate(body ?? {});
      for (const s of state.systems) {
        if (path === `${biosPath(s)}/Actions/Bios.ResetBios`) { stageDefaults(s.biosSettings); return { status: 204 }; }
        if (path === `${biosPath(s)}/Actions/Bios.ChangePassword`) {
          for (const k of ['NewPassword', 'OldPassword', 'PasswordName']) if (typeof body?.[k] !== 'string') return Failures.actionParameterMissing('Bios.ChangePassword', k);
          return { status: 204 };
        }
        if (path === volumesPath(s)) return createVolume(s, body ?? {});
      }
      const resetMatch = path.match(/^(.*)\/Actions\/ComputerSystem\.Reset$/);
      if (resetMatch) {
        const s = systemByPath(resetMatch[1]!);
        return s ? reset(s, body ?? {}) : Failures.resourceMissing(path);
      }
      const vmMatch = path.match(/^(.*)\/Actions\/VirtualMedia\.(InsertMedia|EjectMedia)$/);
      if (vmMatch && !o.quirks.noVirtualMediaActions) {
        const found = mediaByPath(vmMatch[1]!);
        if (!found) return Failures.resourceMissing(path);
        return vmMatch[2] === 'InsertMedia' ? insertMedia(found.vm, body ?? {}, false) : ejectMedia(found.vm);
      }
    }

    if (method === 'PATCH') {
      const settingsOf = state.systems.find((x) => path === `${biosPath(x)}/Settings`);
      if (settingsOf) {
        if (body === undefined || Object.keys(body).length === 0) return Failures.noOperation();
        const precondition = checkIfMatch(req, current.get(path)!);
        if (precondition) return precondition;
        const refused = stageAttributes(settingsOf.biosSettings, body);
        return refused ?? { status: 200, body: tree().get(path)! };
      }
      const r = current.get(path);
      const s = systemByPath(path);
      const vm = mediaByPath(path);
      if (r && (s || vm)) {
        if (body === undefined || Object.keys(body).length === 0) return Failures.noOperation();
        const precondition = checkIfMatch(req, r);
        if (precondition) return precondition;
        if (s) {
          const out = patchBoot(s, body);
          if ('status' in out && out.status === 200) return { status: 200, body: tree().get(path)! };
          return out;
        }
        if (vm) {
          if (body.Inserted === false || body.Image === null) return ejectMedia(vm.vm);
          return insertMedia(vm.vm, body, true);
        }
      }
    }

    if (current.has(path)) return Failures.methodNotAllowed(allowFor(path));
    return Failures.resourceMissing(path);
  };

  const allowFor = (path: string): string => {
    if (systemByPath(path) || mediaByPath(path)) return 'GET, HEAD, PATCH';
    if (state.systems.some((x) => path === `${biosPath(x)}/Settings`)) return 'GET, HEAD, PATCH';
    if (state.systems.some((x) => path === volumesPath(x))) return 'GET, HEAD, POST';
    if (volumeByPath(path)) return 'GET, HEAD, DELETE';
    if (path === `${ROOT}/SessionService/Sessions`) return 'GET, HEAD, POST';
    if (path.startsWith(`${ROOT}/SessionService/Sessions/`)) return 'GET, HEAD, DELETE';
    return 'GET, HEAD';
  };

  const isPublic = (method: string, path: string): boolean =>
    (method === 'GET' || method === 'HEAD') && (path === '/redfish' || path === ROOT)
    || (method === 'POST' && path === `${ROOT}/SessionService/Sessions`);

  const send = (req: IncomingMessage, res: ServerResponse, reply: Reply | RedfishFailure, entry: RequestLogEntry): void => {
    entry.status = reply.status;
    state.requests.push(entry);
    const headers: Record<string, string> = { 'OData-Version': '4.0', 'Cache-Control': 'no-cache', ...reply.headers };
    let payload: string | undefined;
    if (reply.body !== undefined && reply.status !== 204) {
      let body = reply.body;
      if (reply.status === 200 && (req.method === 'GET' || req.method === 'HEAD' || req.method === 'PATCH') && typeof body['@odata.id'] === 'string') {
        const etag = etagOf(body);
        headers.ETag = etag;
        if (!('Allow' in headers)) headers.Allow = allowFor(normalisePath(req.url ?? '/'));
        body = { ...body, '@odata.etag': etag };
      }
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json; charset=utf-8';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    res.writeHead(reply.status, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
  };

  return function handleRedfishRequest(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = normalisePath(req.url ?? '/');
    const entry: RequestLogEntry = { method, path, status: 0, auth: 'none' };
    if (typeof req.headers['if-match'] === 'string') entry.ifMatch = req.headers['if-match'];

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > o.maxBodyBytes) {
      send(req, res, Failures.payloadTooLarge(), entry);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > o.maxBodyBytes && !aborted) {
        aborted = true;
        send(req, res, Failures.payloadTooLarge(), entry);
        req.destroy();
        return;
      }
      if (!aborted) chunks.push(c);
    });
    req.on('end', () => {
      if (aborted) return;
      let body: Record<string, unknown> | undefined;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim().length > 0) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          body = parsed as Record<string, unknown>;
        } catch {
          send(req, res, Failures.malformedJson(), entry);
          return;
        }
        entry.body = scrub(body);
      }
      if (!isPublic(method, path)) {
        const auth = authenticate(req);
        if (!auth) { send(req, res, Failures.noValidSession(), entry); return; }
        entry.auth = auth;
      }
      try {
        send(req, res, route(req, path, body), entry);
      } catch (e) {
        send(req, res, { status: 500, body: { error: { code: 'Base.1.16.InternalError', message: `internal error: ${(e as Error).message}` } } }, entry);
      }
    });
    req.on('error', () => { /* client went away; nothing to answer */ });
  };
}

export const newServiceUuid = (): string => randomUUID();
