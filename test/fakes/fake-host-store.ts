/**
 * @module fake-host-store: an in-memory `HostStore` for unit tests only, with the
 * API server semantics the shell relies on:
 * - every write is a compare-and-swap on `metadata.resourceVersion` (lost race → HostConflictError);
 * - status writes never bump `generation`; spec edits (`editSpec`) do;
 * - `delete` sets `deletionTimestamp` while finalizers remain (generation bumped, as the API server
 *   does), and the object disappears when the last finalizer goes;
 * - Kubernetes Events, Secrets and HardwareData are kept in plain lists/maps to assert on.
 *
 * @example
 * const store = new FakeHostStore().withHost(aHost('').build()).withSecret('metal3', 'host-0-bmc', { username: 'u', password: 'p' });
 * store.onNextWrite(() => store.setAnnotationNow('metal3', 'host-0', 'x', 'y')); // a concurrent writer
 */
import { HostConflictError, HostNotFoundError } from '../../shared/src/errors.ts';
import type { HostEvent, HostStore, SecretData, StoredHost } from '../../shared/src/k8s/host-store.ts';
import type { FirmwareSchemaSpec, HostFirmwareComponentsStatus, HostFirmwareSettingsStatus, StoredFirmwareComponents, StoredFirmwareSettings, StoredUpdatePolicy } from '../../shared/src/api/firmware.ts';

export type WriteOp = 'replaceStatus' | 'setFinalizers' | 'setAnnotations' | 'upsertHardwareData';

export interface RecordedEvent extends HostEvent {
  /** `<namespace>/<name>` of the host */
  host: string;
  /** the host's provisioning state when the event was recorded */
  state: string;
}

export interface RecordedWrite {
  op: WriteOp;
  host: string;
  /** resourceVersion after the write */
  resourceVersion: string;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
const keyOfHost = (h: StoredHost): string => keyOf(h.metadata.namespace ?? 'default', h.metadata.name);

export class FakeHostStore implements HostStore {
  readonly events: RecordedEvent[] = [];
  readonly writes: RecordedWrite[] = [];
  readonly hardwareData = new Map<string, Record<string, unknown>>();
  readonly #hosts = new Map<string, StoredHost>();
  readonly #secrets = new Map<string, SecretData>();
  readonly #failures: { op: keyof HostStore; error: Error }[] = [];
  readonly #beforeWrite: (() => void)[] = [];
  #rv = 100;

  // ---- set-up ----------------------------------------------------------------------

  withHost(host: StoredHost): this {
    const copy = structuredClone(host);
    copy.metadata.resourceVersion = this.#nextRv();
    this.#hosts.set(keyOfHost(copy), copy);
    return this;
  }

  withSecret(namespace: string, name: string, data: Record<string, string>): this {
    this.#secrets.set(keyOf(namespace, name), { data: { ...data }, resourceVersion: this.#nextRv() });
    return this;
  }

  /** The next call of `op` throws `error` before any effect. */
  failNext(op: keyof HostStore, error: Error): this {
    this.#failures.push({ op, error });
    return this;
  }

  /** Run `fn` just before the next write is checked: a concurrent writer racing the caller. */
  onNextWrite(fn: () => void): this {
    this.#beforeWrite.push(fn);
    return this;
  }

  // ---- what a user or another controller does ----------------------------------------

  /** A user edits the spec: generation and resourceVersion move. */
  editSpec(namespace: string, name: string, edit: (spec: StoredHost['spec']) => void): StoredHost {
    const h = this.#mustGet(namespace, name);
    edit(h.spec);
    h.metadata.generation = (h.metadata.generation ?? 0) + 1;
    h.metadata.resourceVersion = this.#nextRv();
    return structuredClone(h);
  }

  /** Sets an annotation at once (no compare-and-swap), as another client would. */
  setAnnotationNow(namespace: string, name: string, key: string, value: string): void {
    const h = this.#mustGet(namespace, name);
    h.metadata.annotations = { ...h.metadata.annotations, [key]: value };
    h.metadata.resourceVersion = this.#nextRv();
  }

  /** `kubectl delete`: marks the host while finalizers hold it, else removes it. */
  delete(namespace: string, name: string, at = new Date()): void {
    const h = this.#mustGet(namespace, name);
    if ((h.metadata.finalizers ?? []).length === 0) {
      this.#hosts.delete(keyOf(namespace, name));
      return;
    }
    if (h.metadata.deletionTimestamp) return;
    h.metadata.deletionTimestamp = at.toISOString();
    h.metadata.generation = (h.metadata.generation ?? 0) + 1;
    h.metadata.resourceVersion = this.#nextRv();
  }

  updateSecret(namespace: string, name: string, data: Record<string, string>): void {
    this.withSecret(namespace, name, data);
  }

  // ---- inspection ------------------------------------------------------------------------

  /** The stored host (a copy), or undefined when it is gone. */
  peek(namespace: string, name: string): StoredHost | undefined {
    const h = this.#hosts.get(keyOf(namespace, name));
    return h && structuredClone(h);
  }

  has(namespace: string, name: string): boolean {
    return this.#hosts.has(keyOf(namespace, name));
  }

  // ---- HostStore -----------------------------------------------------------------------

  async get(namespace: string, name: string): Promise<StoredHost> {
    this.#maybeFail('get');
    return structuredClone(this.#mustGet(namespace, name));
  }

  async listHosts(namespace: string): Promise<StoredHost[]> {
    this.#maybeFail('listHosts');
    return [...this.#hosts.values()].filter((h) => (h.metadata.namespace ?? 'default') === namespace).map((h) => structuredClone(h));
  }

  async replaceStatus(host: StoredHost, status: Record<string, unknown>): Promise<StoredHost> {
    return this.#write('replaceStatus', host, (h) => {
      h.status = structuredClone(status) as StoredHost['status'];
    });
  }

  async setFinalizers(host: StoredHost, finalizers: readonly string[]): Promise<StoredHost> {
    const after = await this.#write('setFinalizers', host, (h) => {
      h.metadata.finalizers = [...finalizers];
    });
    // the API server removes a deleted object once its last finalizer goes
    if (after.metadata.deletionTimestamp && finalizers.length === 0) this.#hosts.delete(keyOfHost(after));
    return after;
  }

  async setAnnotations(host: StoredHost, annotations: Readonly<Record<string, string | undefined>>): Promise<StoredHost> {
    return this.#write('setAnnotations', host, (h) => {
      const next = { ...h.metadata.annotations };
      for (const [k, v] of Object.entries(annotations)) {
        if (v === undefined) delete next[k];
        else next[k] = v;
      }
      h.metadata.annotations = next;
    });
  }

  async readSecret(namespace: string, name: string): Promise<SecretData | null> {
    this.#maybeFail('readSecret');
    const s = this.#secrets.get(keyOf(namespace, name));
    return s ? structuredClone(s) : null;
  }

  async recordEvent(host: StoredHost, event: HostEvent): Promise<void> {
    this.#maybeFail('recordEvent');
    const state = (host.status?.provisioning as { state?: string } | undefined)?.state ?? '';
    this.events.push({ ...event, host: keyOfHost(host), state });
  }

  async upsertHardwareData(host: StoredHost, hardware: Record<string, unknown>): Promise<void> {
    this.#maybeFail('upsertHardwareData');
    this.#mustGet(host.metadata.namespace ?? 'default', host.metadata.name);
    this.hardwareData.set(keyOfHost(host), structuredClone(hardware));
    this.writes.push({ op: 'upsertHardwareData', host: keyOfHost(host), resourceVersion: host.metadata.resourceVersion ?? '' });
  }

  /** HostFirmwareSettings by `<namespace>/<name>` (spec from the test, status from the functions). */
  readonly firmwareSettings = new Map<string, StoredFirmwareSettings>();
  /** FirmwareSchemas by `<namespace>/<name>`. */
  readonly firmwareSchemas = new Map<string, FirmwareSchemaSpec>();

  async getFirmwareSettings(host: StoredHost): Promise<StoredFirmwareSettings | null> {
    return structuredClone(this.firmwareSettings.get(keyOfHost(host)) ?? null);
  }

  async writeFirmwareSettingsStatus(host: StoredHost, status: HostFirmwareSettingsStatus): Promise<void> {
    const key = keyOfHost(host);
    const existing = this.firmwareSettings.get(key) ?? { metadata: { name: host.metadata.name, namespace: host.metadata.namespace }, spec: { settings: {} } };
    this.firmwareSettings.set(key, { ...existing, status: structuredClone(status) });
  }

  /** HostFirmwareComponents by `<namespace>/<name>` (spec from the test, status from the functions). */
  readonly firmwareComponents = new Map<string, StoredFirmwareComponents>();

  async getFirmwareComponents(host: StoredHost): Promise<StoredFirmwareComponents | null> {
    return structuredClone(this.firmwareComponents.get(keyOfHost(host)) ?? null);
  }

  async writeFirmwareComponentsStatus(host: StoredHost, status: HostFirmwareComponentsStatus): Promise<void> {
    const key = keyOfHost(host);
    const existing = this.firmwareComponents.get(key) ?? { metadata: { name: host.metadata.name, namespace: host.metadata.namespace }, spec: { updates: [] } };
    this.firmwareComponents.set(key, { ...existing, status: structuredClone(status) });
  }

  /** HostUpdatePolicies by `<namespace>/<name>`. */
  readonly updatePolicies = new Map<string, StoredUpdatePolicy>();

  async getUpdatePolicy(host: StoredHost): Promise<StoredUpdatePolicy | null> {
    return structuredClone(this.updatePolicies.get(keyOfHost(host)) ?? null);
  }

  async ensureFirmwareSchema(namespace: string, name: string, spec: FirmwareSchemaSpec): Promise<void> {
    if (!this.firmwareSchemas.has(`${namespace}/${name}`)) this.firmwareSchemas.set(`${namespace}/${name}`, structuredClone(spec));
  }

  // ---- internals -------------------------------------------------------------------------

  #nextRv(): string {
    return String(++this.#rv);
  }

  #mustGet(namespace: string, name: string): StoredHost {
    const h = this.#hosts.get(keyOf(namespace, name));
    if (!h) throw new HostNotFoundError(`BareMetalHost ${namespace}/${name} not found`);
    return h;
  }

  #maybeFail(op: keyof HostStore): void {
    const i = this.#failures.findIndex((f) => f.op === op);
    if (i >= 0) throw this.#failures.splice(i, 1)[0]!.error;
  }

  async #write(op: WriteOp, host: StoredHost, mutate: (h: StoredHost) => void): Promise<StoredHost> {
    this.#maybeFail(op);
    this.#beforeWrite.shift()?.();
    const stored = this.#mustGet(host.metadata.namespace ?? 'default', host.metadata.name);
    if (host.metadata.resourceVersion !== stored.metadata.resourceVersion) {
      throw new HostConflictError(
        `${op} ${keyOfHost(host)}: resourceVersion ${host.metadata.resourceVersion} is stale (now ${stored.metadata.resourceVersion})`,
      );
    }
    mutate(stored);
    stored.metadata.resourceVersion = this.#nextRv();
    this.writes.push({ op, host: keyOfHost(stored), resourceVersion: stored.metadata.resourceVersion });
    return structuredClone(stored);
  }
}
