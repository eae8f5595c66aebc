/**
 * @module fake-ironic: a stateful, in-memory `IronicClient` for unit tests only.
 *
 * It walks provision and power states the way real Ironic does with the fake-hardware
 * driver, answers invalid requests with the same error classes and messages as the HTTP
 * client would, records every call, and can fail a call once on demand.
 * Synchronous by default (a request settles at once); `{ async: true }` leaves nodes in
 * `deploying`, `cleaning`, ... holding the conductor lock until `tick()`.
 *
 * @example
 * const ironic = new FakeIronic({ async: true }).withNode({ name: 'ns~host', provisionState: 'available' });
 * await ironic.setProvisionState('ns~host', 'active');   // deploying, locked
 * ironic.tick();                                          // active
 * ironic.count('PUT', '/v1/nodes/:id/states/provision');  // 1
 */
import { randomUUID } from 'node:crypto';
import { IronicProvisionState as S } from '../../shared/src/ironic/states.ts';
import type {
  CreateNodeRequest, IronicBiosSetting, IronicClient, IronicFirmwareComponent, IronicNode, IronicPort, JsonPatchOp, PowerTarget, ProvisionStateExtras,
  ProvisionTarget, ValidationResult,
} from '../../shared/src/ironic/types.ts';
import { applyPatchOp, defaultInterfaces, fail, isBusy, nodePath, patternToRegExp, project } from './fake-ironic-api.ts';
import {
  FAILURE_OF, FAILURE_TARGET, LOCKED_WHILE_IN, POWER_RESULT, PROVISION_PATHS, UPDATE_ALLOWED_STATES, VALID_BOOT_DEVICES,
} from './fake-ironic-transitions.ts';

export type IronicMethod = keyof IronicClient;

export interface FakeIronicCall {
  /** The IronicClient method called. */
  op: IronicMethod;
  /** The HTTP request the real client would have sent. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

/** A node to start with: IronicNode fields (snake_case), plus a few conveniences. */
export type FakeNodeSeed = Partial<IronicNode> & {
  provisionState?: string;
  powerState?: string | null;
  /** MAC addresses of ports to create for the node. */
  ports?: readonly string[];
  /** What `getInventory` returns (real fake inspection stores none). */
  inventory?: Record<string, unknown>;
};

export interface FakeIronicOptions {
  /** Leave transitions in progress (locked) until `tick()`; default false (settle at once). */
  async?: boolean;
  /** The conductor named in `reservation` and in NodeLocked messages. */
  conductor?: string;
}

interface Pending {
  /** Remaining provision states to walk, last = settled. */
  provision: string[];
  /** Power state to set on the next step. */
  power?: string;
  /** A tear-down (`deleted`/`undeploy`): the instance is forgotten when it settles. */
  teardown?: boolean;
}

export class FakeIronic implements IronicClient {
  readonly calls: FakeIronicCall[] = [];
  readonly #async: boolean;
  readonly #conductor: string;
  readonly #nodes = new Map<string, IronicNode>();
  readonly #ports = new Map<string, IronicPort>();
  readonly #inventories = new Map<string, Record<string, unknown>>();
  readonly #bootDevices = new Map<string, { boot_device: string; persistent: boolean }>();
  readonly #validation = new Map<string, ValidationResult>();
  readonly #pending = new Map<string, Pending>();
  readonly #failTransition = new Map<string, string>();
  readonly #failures: { op: IronicMethod; error: Error }[] = [];
  /**
   * What each node's row held when last read (`#stampWrites`): a change since gets a new
   * `updated_at`, as Ironic's database sets it on every write, whichever path (or test) made it.
   */
  readonly #rowVersions = new Map<string, string>();
  #lastStamp = 0;

  constructor({ async = false, conductor = 'fake-conductor' }: FakeIronicOptions = {}) {
    this.#async = async;
    this.#conductor = conductor;
  }

  // ---- fluent set-up -------------------------------------------------------------

  /** Add a node (default: fake-hardware, `enroll`, power unknown). Returns `this`. */
  withNode({ provisionState, powerState, ports = [], inventory, ...fields }: FakeNodeSeed = {}): this {
    const driver = fields.driver ?? 'fake-hardware';
    const node: IronicNode = {
      ...defaultInterfaces(driver),
      uuid: randomUUID(),
      name: null,
      driver,
      provision_state: provisionState ?? S.Enroll,
      target_provision_state: null,
      power_state: powerState ?? null,
      target_power_state: null,
      last_error: null,
      maintenance: false,
      reservation: null,
      instance_uuid: null,
      automated_clean: null,
      updated_at: null,
      provision_updated_at: null,
      driver_info: {},
      instance_info: {},
      properties: {},
      extra: {},
      ...structuredClone(fields),
    };
    this.#nodes.set(node.uuid, node);
    for (const address of ports) this.#addPort({ node_uuid: node.uuid, address, pxe_enabled: true });
    if (inventory) this.#inventories.set(node.uuid, structuredClone(inventory));
    return this;
  }

  /** What `validate()` answers for this node (default: every interface passes). */
  withValidation(idOrName: string, result: ValidationResult): this {
    this.#validation.set(this.#mustFind(idOrName).uuid, structuredClone(result));
    return this;
  }

  /** The next call of `op` throws `error` (before any effect); queue several for several calls. */
  failNext(op: IronicMethod, error: Error): this {
    this.#failures.push({ op, error });
    return this;
  }

  /** The node's next provision transition ends in its failure state with this `last_error`. */
  failNextTransition(idOrName: string, lastError: string): this {
    this.#failTransition.set(this.#mustFind(idOrName).uuid, lastError);
    return this;
  }

  // ---- inspection ----------------------------------------------------------------

  /** The stored node (unmasked copy), or undefined. */
  node(idOrName: string): IronicNode | undefined {
    const node = this.#find(idOrName);
    return node && structuredClone(node);
  }

  get nodes(): IronicNode[] {
    return [...this.#nodes.values()].map((n) => structuredClone(n));
  }

  get ports(): IronicPort[] {
    return [...this.#ports.values()].map((p) => ({ ...p }));
  }

  bootDeviceOf(idOrName: string): { boot_device: string; persistent: boolean } | undefined {
    const node = this.#find(idOrName);
    return node && this.#bootDevices.get(node.uuid);
  }

  /** Calls matching an HTTP method and a path pattern (`:name` = one segment, `*` = anything), or a RegExp. */
  callsTo(method: FakeIronicCall['method'], path: string | RegExp): FakeIronicCall[] {
    const re = typeof path === 'string' ? patternToRegExp(path) : path;
    return this.calls.filter((c) => c.method === method && re.test(c.path));
  }

  lastCall(method: FakeIronicCall['method'], path: string | RegExp): FakeIronicCall | undefined {
    return this.callsTo(method, path).at(-1);
  }

  count(method: FakeIronicCall['method'], path: string | RegExp): number {
    return this.callsTo(method, path).length;
  }

  /** True while any node has a transition in progress. */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /** Move every in-progress transition one step; returns how many nodes moved. */
  tick(): number {
    let moved = 0;
    for (const uuid of [...this.#pending.keys()]) {
      this.#step(uuid);
      moved++;
    }
    return moved;
  }

  /** Tick until nothing is in progress (bounded). */
  settle(maxTicks = 20): void {
    for (let i = 0; i < maxTicks && this.busy; i++) this.tick();
  }

  // ---- IronicClient ----------------------------------------------------------------

  #maxVersion = '1.82';

  /** The newest API version GET / advertises (default 1.82, Debian's Ironic 21.4). */
  withMaxVersion(max: string): this {
    this.#maxVersion = max;
    return this;
  }

  async versions(): Promise<{ min: string; max: string }> {
    this.#record('versions', 'GET', '/');
    return { min: '1.1', max: this.#maxVersion };
  }

  async getNode(idOrName: string, fields?: readonly string[]): Promise<IronicNode | null> {
    this.#record('getNode', 'GET', nodePath(idOrName));
    this.#stampWrites();
    const node = this.#find(idOrName);
    return node ? project(node, fields) : null;
  }

  async listNodes({ fields, limit }: { fields?: readonly string[]; limit?: number } = {}): Promise<IronicNode[]> {
    this.#stampWrites();
    const all = [...this.#nodes.values()];
    // one request per page, as Ironic pages (a full page always gets a `next` link)
    const pageSize = limit ?? 1000;
    const pages = Math.floor(all.length / pageSize) + 1;
    for (let i = 0; i < pages; i++) this.#record('listNodes', 'GET', '/v1/nodes');
    return all.map((n) => project(n, fields));
  }

  async lastWrittenNode(fields: readonly string[]): Promise<IronicNode | null> {
    this.#record('lastWrittenNode', 'GET', '/v1/nodes');
    this.#stampWrites();
    // sqlite sorts NULL below every value, so a node never written comes last
    let newest: IronicNode | undefined;
    for (const node of this.#nodes.values()) {
      if (!newest || (node.updated_at ?? '') > (newest.updated_at ?? '')) newest = node;
    }
    return newest ? project(newest, fields) : null;
  }

  async createNode(body: CreateNodeRequest): Promise<IronicNode> {
    const op = 'POST /v1/nodes';
    this.#record('createNode', 'POST', '/v1/nodes', body);
    if (body.name && [...this.#nodes.values()].some((n) => n.name === body.name)) {
      throw fail(op, 409, `A node with name ${body.name} already exists.`);
    }
    if (body.instance_uuid && [...this.#nodes.values()].some((n) => n.instance_uuid === body.instance_uuid)) {
      throw fail(op, 409, `Instance ${body.instance_uuid} is already associated with a node, it cannot be associated with this other node ${body.name}`);
    }
    const { name, driver, driver_info, properties, instance_uuid, automated_clean, extra, ...interfaces } = body;
    this.withNode({
      ...Object.fromEntries(Object.entries(interfaces).filter(([, v]) => v !== undefined)),
      name, driver, driver_info, properties: properties ?? {}, instance_uuid: instance_uuid ?? null,
      automated_clean: automated_clean ?? null, extra: extra ?? {},
      updated_at: null,
    });
    return project([...this.#nodes.values()].at(-1)!);
  }

  async patchNode(id: string, ops: readonly JsonPatchOp[]): Promise<IronicNode> {
    const op = `PATCH ${nodePath(id)}`;
    this.#record('patchNode', 'PATCH', nodePath(id), ops);
    const node = this.#mustFind(id, op);
    this.#refuseWhileLocked(node, op);
    if (isBusy(node) && !UPDATE_ALLOWED_STATES.includes(node.provision_state ?? '')) {
      throw fail(op, 409, `Node ${node.uuid} can not be updated while a state transition is in progress.`);
    }
    const draft = structuredClone(node) as unknown as Record<string, unknown>;
    for (const o of ops) applyPatchOp(draft, o, op);
    Object.assign(node, draft);
    node.updated_at = new Date().toISOString();
    return project(node);
  }

  async deleteNode(id: string): Promise<void> {
    const op = `DELETE ${nodePath(id)}`;
    this.#record('deleteNode', 'DELETE', nodePath(id));
    const node = this.#find(id);
    if (!node) return; // already gone is success
    this.#refuseWhileLocked(node, op);
    if (!node.maintenance && node.instance_uuid !== null) {
      throw fail(op, 409, `Node ${node.uuid} is associated with instance ${node.instance_uuid}.`);
    }
    const allowed = [S.Manageable, S.Enroll, S.AdoptFailed, S.Available] as string[];
    if (!node.maintenance && !allowed.includes(node.provision_state ?? '')) {
      throw fail(op, 409, `Can not delete node "${node.uuid}" while it is in provision state "${node.provision_state}". Valid provision states to perform deletion are: "('manageable', 'enroll', 'adopt failed', 'available')", or set the node into maintenance mode`);
    }
    this.#nodes.delete(node.uuid);
    this.#inventories.delete(node.uuid);
    this.#pending.delete(node.uuid);
    for (const [uuid, port] of this.#ports) if (port.node_uuid === node.uuid) this.#ports.delete(uuid);
  }

  async setProvisionState(id: string, target: ProvisionTarget, extras: ProvisionStateExtras = {}): Promise<void> {
    const path = `${nodePath(id)}/states/provision`;
    const op = `PUT ${path}`;
    this.#record('setProvisionState', 'PUT', path, { target, ...extras });
    const node = this.#mustFind(id, op);
    if ((target === 'active' || target === 'rebuild') && node.maintenance) {
      throw fail(op, 400, `The provisioning operation can't be performed on node ${node.uuid} because it's in maintenance mode.`);
    }
    const path_ = PROVISION_PATHS[target][node.provision_state ?? ''];
    if (!path_) {
      // Ironic answers 409 rather than 400 while a conductor holds the node (node.py)
      this.#refuseWhileLocked(node, op);
      throw fail(op, 400, `The requested action "${target}" can not be performed on node "${node.uuid}" while it is in state "${node.provision_state}".`);
    }
    this.#refuseWhileLocked(node, op);
    if (target === 'active' || target === 'rebuild') {
      node.instance_info = { ...node.instance_info };
      if (extras.configdrive !== undefined) node.instance_info.configdrive = structuredClone(extras.configdrive);
    }
    node.last_error = null;
    this.#pending.set(node.uuid, { provision: [...path_], teardown: target === 'deleted' || target === 'undeploy' });
    this.#step(node.uuid);
    if (!this.#async) while (this.#pending.get(node.uuid)?.provision.length) this.#step(node.uuid);
  }

  async setPowerState(id: string, target: PowerTarget, timeoutSeconds?: number): Promise<void> {
    const path = `${nodePath(id)}/states/power`;
    const op = `PUT ${path}`;
    this.#record('setPowerState', 'PUT', path, timeoutSeconds === undefined ? { target } : { target, timeout: timeoutSeconds });
    const node = this.#mustFind(id, op);
    const result = POWER_RESULT[target];
    if (!result) throw fail(op, 400, `The requested action "${target}" can not be performed on node "${id}" while it is in state "${node.power_state}".`);
    if (node.provision_state === S.Cleaning || node.provision_state === S.CleanWait) {
      throw fail(op, 400, `The requested action "${target}" can not be performed on node "${id}" while it is in state "${node.provision_state}".`);
    }
    this.#refuseWhileLocked(node, op);
    if (timeoutSeconds !== undefined && timeoutSeconds < 1) throw fail(op, 400, 'timeout has to be positive integer');
    if (this.#async) {
      node.target_power_state = result;
      node.reservation = this.#conductor;
      this.#pending.set(node.uuid, { ...(this.#pending.get(node.uuid) ?? { provision: [] }), power: result });
    } else {
      node.power_state = result;
    }
  }

  async setMaintenance(id: string, on: boolean, reason?: string): Promise<void> {
    const path = `${nodePath(id)}/maintenance`;
    const op = `${on ? 'PUT' : 'DELETE'} ${path}`;
    this.#record('setMaintenance', on ? 'PUT' : 'DELETE', path, on ? { reason } : undefined);
    const node = this.#mustFind(id, op);
    this.#refuseWhileLocked(node, op);
    node.maintenance = on;
    (node as IronicNode & { maintenance_reason?: string | null }).maintenance_reason = on ? (reason ?? null) : null;
  }

  async createPort(port: { node_uuid: string; address: string; pxe_enabled?: boolean }): Promise<IronicPort> {
    const op = 'POST /v1/ports';
    this.#record('createPort', 'POST', '/v1/ports', port);
    const created = this.#addPort(port, op);
    return { ...created };
  }

  async listPorts({ node, address }: { node?: string; address?: string }): Promise<IronicPort[]> {
    this.#record('listPorts', 'GET', '/v1/ports');
    const nodeUuid = node === undefined ? undefined : this.#find(node)?.uuid ?? '\0none';
    const mac = address?.toLowerCase();
    return [...this.#ports.values()]
      .filter((p) => (nodeUuid === undefined || p.node_uuid === nodeUuid) && (mac === undefined || p.address === mac))
      .map((p) => ({ ...p }));
  }

  async deletePort(uuid: string): Promise<void> {
    this.#record('deletePort', 'DELETE', `/v1/ports/${uuid}`);
    this.#ports.delete(uuid);
  }

  async getInventory(id: string): Promise<{ inventory: Record<string, unknown>; plugin_data?: Record<string, unknown> } | null> {
    this.#record('getInventory', 'GET', `${nodePath(id)}/inventory`);
    const node = this.#find(id);
    const inventory = node && this.#inventories.get(node.uuid);
    return inventory ? { inventory: structuredClone(inventory), plugin_data: {} } : null;
  }

  async getBiosSettings(id: string): Promise<IronicBiosSetting[]> {
    this.#record('getBiosSettings', 'GET', `${nodePath(id)}/bios`);
    const node = this.#mustFind(id, `GET ${nodePath(id)}/bios`);
    return structuredClone(this.biosSettings.get(node.uuid) ?? []);
  }

  async getFirmwareComponents(id: string): Promise<IronicFirmwareComponent[]> {
    this.#record('getFirmwareComponents', 'GET', `${nodePath(id)}/firmware`);
    const node = this.#mustFind(id, `GET ${nodePath(id)}/firmware`);
    return structuredClone(this.firmwareComponents.get(node.uuid) ?? []);
  }

  /** Firmware components `getFirmwareComponents` answers per node uuid (the firmware interface caches them). */
  readonly firmwareComponents = new Map<string, IronicFirmwareComponent[]>();

  async setTargetRaidConfig(id: string, config: { logical_disks: readonly Record<string, unknown>[] }): Promise<void> {
    const path = `${nodePath(id)}/states/raid`;
    this.#record('setTargetRaidConfig', 'PUT', path, config);
    const node = this.#mustFind(id, `PUT ${path}`);
    this.#refuseWhileLocked(node, `PUT ${path}`);
    node.target_raid_config = structuredClone(config) as Record<string, unknown>;
  }

  /** BIOS settings `getBiosSettings` answers per node uuid (Ironic caches them at manage and after cleaning). */
  readonly biosSettings = new Map<string, IronicBiosSetting[]>();

  async validate(id: string): Promise<ValidationResult> {
    const path = `${nodePath(id)}/validate`;
    this.#record('validate', 'GET', path);
    const node = this.#mustFind(id, `GET ${path}`);
    const all: ValidationResult = Object.fromEntries(
      ['bios', 'boot', 'console', 'deploy', 'inspect', 'management', 'network', 'power', 'raid', 'rescue', 'storage']
        .map((iface) => [iface, { result: true }]),
    );
    return structuredClone(this.#validation.get(node.uuid) ?? all);
  }

  async setBootDevice(id: string, device: string, persistent = false): Promise<void> {
    const path = `${nodePath(id)}/management/boot_device`;
    const op = `PUT ${path}`;
    this.#record('setBootDevice', 'PUT', path, { boot_device: device, persistent });
    const node = this.#mustFind(id, op);
    this.#refuseWhileLocked(node, op);
    if (!VALID_BOOT_DEVICES.includes(device)) {
      throw fail(op, 400, `Invalid boot device ${device}, valid devices are ${VALID_BOOT_DEVICES.join(', ')}.`);
    }
    this.#bootDevices.set(node.uuid, { boot_device: device, persistent });
  }

  // ---- internals ---------------------------------------------------------------------

  /**
   * Sets `updated_at` on every node whose row changed since the last read, as Ironic's database
   * does on each write (a node never written keeps null); the time only moves forward.
   */
  #stampWrites(): void {
    for (const [uuid, node] of this.#nodes) {
      const { updated_at: _updatedAt, ...row } = node;
      const content = JSON.stringify(row);
      const seen = this.#rowVersions.get(uuid);
      this.#rowVersions.set(uuid, content);
      if (seen === undefined || seen === content) continue;
      this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1);
      node.updated_at = new Date(this.#lastStamp).toISOString();
    }
    for (const uuid of this.#rowVersions.keys()) if (!this.#nodes.has(uuid)) this.#rowVersions.delete(uuid);
  }

  /** Record the call, then throw a queued one-off failure for it, if any. */
  #record(op: IronicMethod, method: FakeIronicCall['method'], path: string, body?: unknown): void {
    this.calls.push(body === undefined ? { op, method, path } : { op, method, path, body: structuredClone(body) });
    const i = this.#failures.findIndex((f) => f.op === op);
    if (i >= 0) {
      const [failure] = this.#failures.splice(i, 1);
      throw failure!.error;
    }
  }

  #find(idOrName: string): IronicNode | undefined {
    return this.#nodes.get(idOrName) ?? [...this.#nodes.values()].find((n) => n.name === idOrName);
  }

  #mustFind(idOrName: string, op = `GET ${nodePath(idOrName)}`): IronicNode {
    const node = this.#find(idOrName);
    if (!node) throw fail(op, 404, `Node ${idOrName} could not be found.`);
    return node;
  }

  #refuseWhileLocked(node: IronicNode, op: string): void {
    if (node.reservation !== null) {
      throw fail(op, 409, `Node ${node.uuid} is locked by host ${node.reservation}, please retry after the current operation is completed.`);
    }
  }

  #addPort(port: { node_uuid: string; address: string; pxe_enabled?: boolean }, op = 'POST /v1/ports'): IronicPort {
    const address = port.address.toLowerCase();
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(address)) throw fail(op, 400, `Expected a MAC address but received ${port.address}.`);
    const node = this.#find(port.node_uuid);
    if (!node) throw fail(op, 400, `Node ${port.node_uuid} could not be found.`);
    if ([...this.#ports.values()].some((p) => p.address === address)) {
      throw fail(op, 409, `A port with MAC address ${address} already exists.`);
    }
    const created: IronicPort = { uuid: randomUUID(), address, node_uuid: node.uuid, pxe_enabled: port.pxe_enabled ?? true };
    this.#ports.set(created.uuid, created);
    return created;
  }

  /** One step of a node's pending work: a pending power change completes, or the next provision state is entered. */
  #step(uuid: string): void {
    const pending = this.#pending.get(uuid);
    const node = this.#nodes.get(uuid);
    if (!pending || !node) {
      this.#pending.delete(uuid);
      return;
    }
    const stateBefore = node.provision_state;
    if (pending.power !== undefined) {
      node.power_state = pending.power;
      node.target_power_state = null;
      node.reservation = null;
      delete pending.power;
    } else {
      const next = pending.provision.shift();
      const failure = next === undefined ? undefined : this.#failTransition.get(uuid);
      const current = node.provision_state ?? '';
      if (next !== undefined && failure !== undefined && FAILURE_OF[current] !== undefined) {
        // the transition in progress fails: its failure state, last_error, lock released
        this.#failTransition.delete(uuid);
        node.provision_state = FAILURE_OF[current]!;
        // as Ironic: a failure state keeps its target (deploy failed → active, …)
        node.target_provision_state = FAILURE_TARGET[node.provision_state] ?? null;
        node.last_error = failure;
        node.reservation = null;
        pending.provision = [];
      } else if (next !== undefined) {
        const settled = pending.provision.length === 0;
        node.provision_state = next;
        node.target_provision_state = settled ? null : pending.provision.at(-1)!;
        node.reservation = !settled && this.#async && LOCKED_WHILE_IN.includes(next) ? this.#conductor : null;
        // Ironic's tear-down forgets the instance (conductor/manager.py _do_node_tear_down)
        if (settled && pending.teardown) {
          node.instance_info = {};
          node.instance_uuid = null;
        }
      }
    }
    node.updated_at = new Date().toISOString();
    if (node.provision_state !== stateBefore) node.provision_updated_at = node.updated_at;
    if (pending.power === undefined && pending.provision.length === 0) this.#pending.delete(uuid);
  }
}
