/**
 * @module builders/host: BareMetalHost objects for tests, in one line each
 * (BMO's `host(state)…build()` test builder).
 *
 * @example
 * const host = aHost('available').withImage('http://images/os.qcow2').withOnline(true).build();
 */
import type { ImageView } from '../../shared/src/state-machine/host-view.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { Annotation, HOST_FINALIZER } from '../../shared/src/state-machine/states.ts';
import type { ErrorType, ProvisioningState } from '../../shared/src/state-machine/states.ts';
import { ERROR_CONDITION } from '../../shared/src/state-machine/guard.ts';

type Json = Record<string, unknown>;

/** A fixed instant tests can compute backoffs against. */
export const T0 = new Date('2026-01-01T00:00:00.000Z');

export interface ErrorSpec {
  errorType: ErrorType;
  message?: string;
  count?: number;
  /** when the error was recorded (default T0) */
  at?: Date;
  /** the generation the error was recorded at (default: the host's current generation) */
  observedGeneration?: number;
}

export class HostBuilder {
  #metadata: Json & StoredHost['metadata'];
  #spec: Json & StoredHost['spec'];
  #noSpec = false;
  #status: Json | undefined;

  constructor(state: ProvisioningState | undefined, name = 'host-0', namespace = 'metal3') {
    this.#metadata = {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-${name.replace(/[^a-z0-9]/g, '').padStart(12, '0').slice(-12)}`,
      generation: 1,
      resourceVersion: '1',
      annotations: {},
      // every host past '' has been through enroll, which adds the finalizer first
      finalizers: state === undefined || state === '' ? [] : [HOST_FINALIZER],
    };
    this.#spec = { online: false, bmc: { address: `fake://${name}`, credentialsName: `${name}-bmc` } };
    this.#status = state === undefined || state === '' ? undefined : {
      provisioning: { state, ID: '' },
      operationalStatus: state === 'unmanaged' ? 'discovered' : 'OK',
      errorMessage: '',
      errorCount: 0,
      poweredOn: false,
      provisioningFailCount: 0,
      lastUpdated: T0.toISOString(),
    };
  }

  #st(): Json {
    this.#status ??= { provisioning: { state: '', ID: '' }, errorCount: 0, errorMessage: '', operationalStatus: '', poweredOn: false, provisioningFailCount: 0 };
    return this.#status;
  }

  #prov(): Json {
    const st = this.#st();
    st.provisioning = { ...(st.provisioning as Json | undefined) };
    return st.provisioning as Json;
  }

  named(name: string, namespace = this.#metadata.namespace ?? 'metal3'): this {
    this.#metadata.name = name;
    this.#metadata.namespace = namespace;
    return this;
  }

  withUid(uid: string): this {
    this.#metadata.uid = uid;
    return this;
  }

  withGeneration(generation: number): this {
    this.#metadata.generation = generation;
    return this;
  }

  withResourceVersion(rv: string): this {
    this.#metadata.resourceVersion = rv;
    return this;
  }

  withAnnotation(key: string, value: string): this {
    this.#metadata.annotations = { ...this.#metadata.annotations, [key]: value };
    return this;
  }

  paused(): this {
    return this.withAnnotation(Annotation.Paused, '');
  }

  withFinalizers(finalizers: string[]): this {
    this.#metadata.finalizers = [...finalizers];
    return this;
  }

  withoutFinalizer(): this {
    this.#metadata.finalizers = (this.#metadata.finalizers ?? []).filter((f) => f !== HOST_FINALIZER);
    return this;
  }

  /** `kubectl delete` was issued (the finalizer holds the object). */
  deleted(at: Date = T0): this {
    this.#metadata.deletionTimestamp = at.toISOString();
    return this;
  }

  withBmc(address: string, credentialsName = `${this.#metadata.name}-bmc`, disableCertificateVerification?: boolean): this {
    this.#spec.bmc = { address, credentialsName, ...(disableCertificateVerification !== undefined ? { disableCertificateVerification } : {}) };
    return this;
  }

  withoutBmc(): this {
    delete this.#spec.bmc;
    return this;
  }

  /** No spec at all (upstream's demo-discovered sample: a host only known to exist). */
  withoutSpec(): this {
    this.#noSpec = true;
    return this;
  }

  withBootMac(mac: string): this {
    this.#spec.bootMACAddress = mac;
    return this;
  }

  withOnline(online: boolean): this {
    this.#spec.online = online;
    return this;
  }

  withImage(image: string | ImageView): this {
    this.#spec.image = typeof image === 'string' ? { url: image, checksum: `${image}.sha256sum`, checksumType: 'sha256', format: 'qcow2' } : { ...image };
    return this;
  }

  withoutImage(): this {
    delete this.#spec.image;
    return this;
  }

  /** Any other spec field (rootDeviceHints, bootMode, userData, ...). */
  withSpec(fields: Json): this {
    Object.assign(this.#spec, structuredClone(fields));
    return this;
  }

  externallyProvisioned(on = true): this {
    this.#spec.externallyProvisioned = on;
    return this;
  }

  withInspectionMode(mode: 'disabled' | 'agent' | 'fast'): this {
    this.#spec.inspectionMode = mode;
    return this;
  }

  withAutomatedCleaning(mode: 'metadata' | 'disabled'): this {
    this.#spec.automatedCleaningMode = mode;
    return this;
  }

  /** status.provisioning.ID: the host's Ironic node uuid. */
  withNode(uuid: string): this {
    this.#prov().ID = uuid;
    return this;
  }

  withPoweredOn(on: boolean): this {
    this.#st().poweredOn = on;
    return this;
  }

  /** status.provisioning.image: what was deployed successfully. */
  withDeployedImage(image: string | ImageView): this {
    const img = typeof image === 'string' ? { url: image } : { ...image };
    this.#prov().image = img;
    this.#st().lastAttemptedImage = img;
    return this;
  }

  withLastAttemptedImage(image: string | ImageView): this {
    this.#st().lastAttemptedImage = typeof image === 'string' ? { url: image } : { ...image };
    return this;
  }

  withProvisioningFailCount(n: number): this {
    this.#st().provisioningFailCount = n;
    return this;
  }

  /** A recorded error, as nextStatus writes it (operationalStatus, count, Error condition). */
  withError({ errorType, message = `${errorType}: boom`, count = 1, at = T0, observedGeneration }: ErrorSpec): this {
    const st = this.#st();
    st.operationalStatus = 'error';
    st.errorType = errorType;
    st.errorMessage = message;
    st.errorCount = count;
    st.lastUpdated = at.toISOString();
    st.conditions = [{
      type: ERROR_CONDITION, status: 'True', reason: 'Error', message, lastTransitionTime: at.toISOString(),
      observedGeneration: observedGeneration ?? this.#metadata.generation,
    }];
    return this;
  }

  /** good/tried credentials as enroll records them. */
  withCredentials({ good, tried = good, secret = `${this.#metadata.name}-bmc` }: { good?: string | undefined; tried?: string | undefined; secret?: string }): this {
    const ref = (v: string) => ({ credentials: { name: secret, namespace: this.#metadata.namespace }, credentialsVersion: v });
    if (good !== undefined) this.#st().goodCredentials = ref(good);
    if (tried !== undefined) this.#st().triedCredentials = ref(tried);
    return this;
  }

  /** Any other status field (hardware, operationHistory, ...), merged shallowly. */
  withStatus(fields: Json): this {
    Object.assign(this.#st(), structuredClone(fields));
    return this;
  }

  build(): StoredHost {
    return structuredClone({
      apiVersion: 'metal3.io/v1alpha1',
      kind: 'BareMetalHost',
      metadata: this.#metadata,
      ...(this.#noSpec ? {} : { spec: this.#spec }),
      ...(this.#status !== undefined ? { status: this.#status } : {}),
    }) as StoredHost;
  }
}

/** A host in `state` (default: just created, no status). */
export const aHost = (state?: ProvisioningState, name?: string, namespace?: string): HostBuilder => new HostBuilder(state, name, namespace);
