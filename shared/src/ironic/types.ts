/**
 * @module ironic/types: the Ironic seam. Functions see Ironic only through
 * `IronicClient`; the HTTP implementation is `client.ts`, the unit-test fake
 * is `test/fakes/fake-ironic.ts`.
 *
 * Errors (shared/src/errors.ts): 409 → IronicConflictError (node locked, retry);
 * 5xx, network, timeout → IronicUnavailableError; other 4xx → IronicRequestError
 * with Ironic's `faultstring`; malformed or oversized answers → IronicResponseError.
 */

/** The node fields we read (Ironic API ≥ 1.82). Unknown fields pass through untyped. */
export interface IronicNode {
  uuid: string;
  name: string | null;
  driver: string;
  provision_state: string | null;
  target_provision_state: string | null;
  power_state: string | null;
  target_power_state: string | null;
  last_error: string | null;
  maintenance: boolean;
  reservation: string | null;
  instance_uuid: string | null;
  automated_clean?: boolean | null;
  /** API ≥ 1.95: Ironic refuses every power off (reboots instead) */
  disable_power_off?: boolean;
  /** why Ironic put the node in maintenance itself (`power failure`, `clean failure`, …; API 1.42) */
  fault?: string | null;
  /** the BMC's health as Ironic reads it (`OK`, `Warning`, `Critical`; API 1.109) */
  health?: string | null;
  updated_at?: string | null;
  /** when provision_state last changed */
  provision_updated_at?: string | null;
  /** Ironic masks secrets in driver_info as "******" */
  driver_info?: Record<string, unknown>;
  instance_info?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  extra?: Record<string, unknown>;
  boot_interface?: string;
  deploy_interface?: string;
  inspect_interface?: string;
  power_interface?: string;
  management_interface?: string;
  raid_interface?: string;
  /** `redfish` where the BMC can update firmware (API ≥ 1.86); `no-firmware` or absent otherwise */
  firmware_interface?: string;
  /** the RAID configuration the RAID interface's create_configuration builds (`PUT …/states/raid`) */
  target_raid_config?: Record<string, unknown>;
  /** the logical disks the RAID interface last found on the node */
  raid_config?: Record<string, unknown>;
}

export interface IronicPort {
  uuid: string;
  address: string;
  node_uuid: string;
  pxe_enabled?: boolean;
}

/** RFC 6902 operation as Ironic's PATCH takes it. */
export type JsonPatchOp =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export interface CreateNodeRequest {
  name: string;
  driver: string;
  driver_info: Record<string, unknown>;
  /** interface overrides: boot_interface, deploy_interface, inspect_interface, ... */
  [iface: `${string}_interface`]: string | undefined;
  properties?: Record<string, unknown>;
  instance_uuid?: string;
  automated_clean?: boolean;
  extra?: Record<string, unknown>;
}

export type ProvisionTarget =
  | 'manage' | 'provide' | 'inspect' | 'active' | 'deleted' | 'rebuild' | 'clean' | 'abort' | 'adopt' | 'undeploy' | 'service';

export interface ProvisionStateExtras {
  /** JSON config drive ({meta_data, user_data, network_data}) or a base64 gzipped ISO string */
  configdrive?: Record<string, unknown> | string;
  clean_steps?: unknown[];
  deploy_steps?: unknown[];
  /** API ≥ 1.87: steps run on an active node (servicing) */
  service_steps?: unknown[];
  disable_ramdisk?: boolean;
}

export type PowerTarget = 'power on' | 'power off' | 'rebooting' | 'soft power off' | 'soft rebooting';

/** One firmware component Ironic cached (`GET /v1/nodes/{id}/firmware`). */
export interface IronicFirmwareComponent {
  component: string;
  initial_version: string;
  current_version?: string | null;
  last_version_flashed?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
}

/** One cached BIOS setting with its registry entry (`GET /v1/nodes/{id}/bios?detail=True`). */
export interface IronicBiosSetting {
  name: string;
  value: string | null;
  attribute_type?: string | null;
  allowable_values?: string[] | null;
  lower_bound?: number | null;
  upper_bound?: number | null;
  min_length?: number | null;
  max_length?: number | null;
  read_only?: boolean | null;
  reset_required?: boolean | null;
  unique?: boolean | null;
}

export interface ValidationResult {
  [iface: string]: { result: boolean | null; reason?: string | null };
}

export interface IronicClient {
  /** GET /v1/nodes/{id or name}; null on 404. */
  getNode(idOrName: string, fields?: readonly string[]): Promise<IronicNode | null>;
  /** GET /v1/nodes?detail=True (or fields=...), following `next` pages. One logical call. */
  listNodes(options?: { fields?: readonly string[]; limit?: number }): Promise<IronicNode[]>;
  /**
   * The node written last, with `fields`: `GET /v1/nodes?fields=…&limit=1&sort_key=updated_at&sort_dir=desc`
   * (null: no nodes). Ironic sorts by `updated_at`, which every write to a node row sets, but does
   * not return it; the answer changes when a write changed one of `fields` or moved another node first.
   */
  lastWrittenNode(fields: readonly string[]): Promise<IronicNode | null>;
  createNode(body: CreateNodeRequest): Promise<IronicNode>;
  patchNode(id: string, ops: readonly JsonPatchOp[]): Promise<IronicNode>;
  /** DELETE /v1/nodes/{id}; a node already gone is success. */
  deleteNode(id: string): Promise<void>;
  /** PUT /v1/nodes/{id}/states/provision (202). */
  setProvisionState(id: string, target: ProvisionTarget, extras?: ProvisionStateExtras): Promise<void>;
  /** PUT /v1/nodes/{id}/states/power (202). */
  setPowerState(id: string, target: PowerTarget, timeoutSeconds?: number): Promise<void>;
  /** PUT/DELETE /v1/nodes/{id}/maintenance */
  setMaintenance(id: string, on: boolean, reason?: string): Promise<void>;
  createPort(port: { node_uuid: string; address: string; pxe_enabled?: boolean }): Promise<IronicPort>;
  listPorts(filter: { node?: string; address?: string }): Promise<IronicPort[]>;
  deletePort(uuid: string): Promise<void>;
  /** GET /v1/nodes/{id}/inventory; null when Ironic has none (404, e.g. fake inspection). */
  getInventory(id: string): Promise<{ inventory: Record<string, unknown>; plugin_data?: Record<string, unknown> } | null>;
  /** GET /v1/nodes/{id}/bios?detail=True: the BIOS settings Ironic cached, with their registry entries. */
  getBiosSettings(id: string): Promise<IronicBiosSetting[]>;
  /** GET /v1/nodes/{id}/firmware (API ≥ 1.86): the firmware components and versions Ironic cached. */
  getFirmwareComponents(id: string): Promise<IronicFirmwareComponent[]>;
  validate(id: string): Promise<ValidationResult>;
  /** PUT /v1/nodes/{id}/states/raid (204): the node's target_raid_config, checked by its RAID interface. */
  setTargetRaidConfig(id: string, config: { logical_disks: readonly Record<string, unknown>[] }): Promise<void>;
  setBootDevice(id: string, device: string, persistent?: boolean): Promise<void>;
  /** GET / : the microversion range the server supports. */
  versions(): Promise<{ min: string; max: string }>;
}
