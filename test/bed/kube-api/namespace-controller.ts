/**
 * @module kube-api/namespace-controller: what a real cluster does after `DELETE namespace`.
 *
 * The API server only marks the namespace (deletionTimestamp, phase Terminating) and from then on
 * refuses new content with 403 NamespaceTerminating. Kubernetes' namespace controller, a separate
 * process, then deletes every object in it (objects with finalizers stay until those are removed),
 * and once nothing is left removes the `kubernetes` finalizer from `spec.finalizers`; only then is
 * the namespace gone. The fixture plays that controller, asynchronously as the real one runs.
 */
import type { ApiContext } from './context.ts';
import type { KubeObject } from './types.ts';
import { deleteObject } from './write-delete.ts';

const NAMESPACES = '/namespaces';
const FINALIZER = 'kubernetes';

export class NamespaceController {
  readonly #ctx: ApiContext;
  /** Terminating namespaces whose content deletion already ran once. */
  readonly #emptied = new Set<string>();
  #scheduled = new Set<string>();

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
    ctx.store.onRemoved((obj) => {
      const ns = obj.metadata.namespace;
      if (ns && this.#emptied.has(ns)) this.#schedule(ns);
    });
  }

  /** The namespace was just marked for deletion. */
  terminating(name: string): void {
    this.#schedule(name);
  }

  #schedule(name: string): void {
    if (this.#scheduled.has(name)) return;
    this.#scheduled.add(name);
    setImmediate(() => {
      this.#scheduled.delete(name);
      this.#sync(name);
    });
  }

  #sync(name: string): void {
    const { store, registry } = this.#ctx;
    const ns = store.get(NAMESPACES, '', name);
    if (!ns?.metadata.deletionTimestamp) {
      this.#emptied.delete(name);
      return;
    }
    if (!this.#emptied.has(name)) {
      this.#emptied.add(name);
      for (const key of store.keysWithNamespace(name)) {
        const def = registry.findByKey(key);
        if (!def) continue;
        for (const obj of store.list(key, name)) if (!obj.metadata.deletionTimestamp) deleteObject(this.#ctx, def, name, obj.metadata.name!, { dryRun: false });
      }
    }
    if (store.keysWithNamespace(name).length > 0) return; // finalizers left: the removal of the last object calls again
    this.#emptied.delete(name);
    const spec = (ns.spec ?? {}) as { finalizers?: string[] };
    const last: KubeObject = { ...ns, spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== FINALIZER) } };
    if ((ns.metadata.finalizers ?? []).length > 0) {
      // metadata finalizers (set by others) still hold it: only the spec finalizer goes
      store.put(NAMESPACES, { ...last, metadata: { ...ns.metadata, resourceVersion: String(store.nextResourceVersion()) } }, 'MODIFIED', ns);
      return;
    }
    store.remove(NAMESPACES, { ...last, metadata: { ...ns.metadata, resourceVersion: String(store.nextResourceVersion()) } });
  }
}
