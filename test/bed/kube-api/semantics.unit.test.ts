/** The write path's Kubernetes semantics, in process (no HTTP): generation, no-op writes, finalizers, watch delivery, SSA. */
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { ApiContext, WriteOptions } from './context.ts';
import { widgetCrd } from './fixtures/widget-crd.ts';
import { ResourceRegistry, defFromCrd } from './resources.ts';
import { KubeStatusError } from './status-error.ts';
import { ObjectStore } from './store.ts';
import { type KubeObject, type ResourceDef, resourceKey } from './types.ts';
import type { ChangeType, Watcher } from './watch-hub.ts';
import { createObject, deleteObject, patchObject, updateObject } from './writes.ts';

const MERGE = 'application/merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function setup(maxHistory = 1000) {
  const registry = new ResourceRegistry();
  const def = defFromCrd(widgetCrd() as unknown as KubeObject);
  registry.add(def);
  const store = new ObjectStore({ maxHistory });
  let n = 0;
  const ctx: ApiContext = { registry, store, now: () => new Date('2026-01-01T00:00:00Z'), uid: () => `uid-${++n}`, onCrdChanged: () => undefined, onNamespaceTerminating: () => undefined };
  const nsDef = registry.find('', 'v1', 'namespaces')!;
  createObject(ctx, nsDef, '', { metadata: { name: 'default' } }, opts());
  return { ctx, def, store };
}

function opts(extra: Partial<WriteOptions> = {}): WriteOptions {
  return { dryRun: false, fieldValidation: '', fieldManager: '', force: false, warnings: [], ...extra };
}

function recorder(store: ObjectStore, def: ResourceDef, matches: (o: KubeObject) => boolean = () => true) {
  const events: string[] = [];
  const w: Watcher = { key: resourceKey(def), namespace: 'default', matches, send: (t: ChangeType, o: KubeObject) => events.push(`${t} ${o.metadata.name} rv=${o.metadata.resourceVersion}`), close: () => undefined };
  store.hub.subscribe(w);
  return { events, watcher: w };
}

const body = (name: string, spec: object = { size: 1 }, metadata: object = {}) => ({ apiVersion: 'test.metal3.io/v1alpha1', kind: 'Widget', metadata: { name, ...metadata }, spec });

describe('write semantics', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });
  const patch = (name: string, p: unknown, sub = '', type = MERGE, o = opts()) => patchObject(env.ctx, env.def, 'default', name, sub, type, p, o).body as KubeObject;

  it('bumps generation on spec changes only, never on labels or status', () => {
    createObject(env.ctx, env.def, 'default', body('w'), opts());
    expect(patch('w', { metadata: { labels: { a: 'b' } } }).metadata.generation).toBe(1);
    expect(patch('w', { status: { phase: 'x' } }, 'status').metadata.generation).toBe(1);
    expect(patch('w', { spec: { size: 2 } }).metadata.generation).toBe(2);
  });

  it('keeps the resourceVersion and emits nothing for a no-op write', () => {
    const created = createObject(env.ctx, env.def, 'default', body('w'), opts()).body as KubeObject;
    const { events } = recorder(env.store, env.def);
    const same = patch('w', { spec: { size: 1 }, status: { ignored: true } });
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(events).toEqual([]);
  });

  it('answers 422 to a PUT without resourceVersion and 409 to a stale one', () => {
    const created = createObject(env.ctx, env.def, 'default', body('w'), opts()).body as KubeObject;
    patch('w', { spec: { size: 2 } });
    const put = (rv?: string) => () => updateObject(env.ctx, env.def, 'default', 'w', '', { ...body('w'), metadata: { name: 'w', resourceVersion: rv } }, opts());
    expect(put(undefined)).toThrow(expect.objectContaining({ code: 422, reason: 'Invalid' }) as unknown as Error);
    expect(put(created.metadata.resourceVersion)).toThrow(expect.objectContaining({ code: 409, reason: 'Conflict' }) as unknown as Error);
  });

  it('marks on delete with finalizers, then emits exactly one DELETED (last stored state) when they are emptied', () => {
    // Prepare
    createObject(env.ctx, env.def, 'default', body('w', { size: 1 }, { finalizers: ['hold'] }), opts());
    const { events } = recorder(env.store, env.def);
    // Act
    const marked = deleteObject(env.ctx, env.def, 'default', 'w', { dryRun: false }).body as KubeObject;
    const again = deleteObject(env.ctx, env.def, 'default', 'w', { dryRun: false }).body as KubeObject;
    const released = patch('w', { metadata: { finalizers: null } });
    // Assess
    expect(marked.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(marked.metadata.generation).toBe(2);
    expect(again.metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
    expect(released.metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
    expect(events).toEqual([`MODIFIED w rv=${marked.metadata.resourceVersion}`, `DELETED w rv=${Number(marked.metadata.resourceVersion) + 1}`]);
    expect(env.store.get(resourceKey(env.def), 'default', 'w')).toBeUndefined();
  });

  it('forbids adding a finalizer to a deleting object', () => {
    createObject(env.ctx, env.def, 'default', body('w', { size: 1 }, { finalizers: ['hold'] }), opts());
    deleteObject(env.ctx, env.def, 'default', 'w', { dryRun: false });
    expect(() => patch('w', { metadata: { finalizers: ['hold', 'another'] } })).toThrow(/no new finalizers can be added if the object is being deleted/);
  });

  it('stores nothing for dryRun', () => {
    createObject(env.ctx, env.def, 'default', body('dry'), opts({ dryRun: true }));
    expect(env.store.get(resourceKey(env.def), 'default', 'dry')).toBeUndefined();
  });

  it('delivers selector transitions as ADDED and DELETED', () => {
    createObject(env.ctx, env.def, 'default', body('w'), opts());
    const { events } = recorder(env.store, env.def, (o) => o.metadata.labels?.pick === 'yes');
    patch('w', { metadata: { labels: { pick: 'yes' } } });
    patch('w', { spec: { size: 3 } });
    patch('w', { metadata: { labels: { pick: 'no' } } });
    patch('w', { spec: { size: 4 } });
    expect(events.map((e) => e.split(' ')[0])).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('replays history after a resourceVersion, and reports expired ones', () => {
    const small = setup(2);
    for (const n of ['a', 'b', 'c', 'd']) createObject(small.ctx, small.def, 'default', body(n), opts());
    const got: string[] = [];
    const w: Watcher = { key: resourceKey(small.def), namespace: undefined, matches: () => true, send: (_t, o) => got.push(o.metadata.name!), close: () => undefined };
    const rvOfB = Number(small.store.get(resourceKey(small.def), 'default', 'b')!.metadata.resourceVersion);
    expect(small.store.hub.replay(w, rvOfB).kind).toBe('ok');
    expect(got).toEqual(['c', 'd']);
    expect(small.store.hub.replay(w, rvOfB - 2)).toEqual({ kind: 'expired', oldest: rvOfB + 1 });
  });

  it('server-side apply removes fields the manager stopped sending and conflicts with another manager unless forced', () => {
    // Prepare
    patchObject(env.ctx, env.def, 'default', 'w', '', APPLY, body('w', { size: 1, color: 'red' }), opts({ fieldManager: 'a' }));
    // Act
    const dropped = patch('w', body('w', { size: 1 }), '', APPLY, opts({ fieldManager: 'a' }));
    let conflict: KubeStatusError | undefined;
    try {
      patch('w', body('w', { size: 5 }), '', APPLY, opts({ fieldManager: 'b' }));
    } catch (e) {
      conflict = e as KubeStatusError;
    }
    const forced = patch('w', body('w', { size: 5 }), '', APPLY, opts({ fieldManager: 'b', force: true }));
    // Assess
    expect(dropped.spec).toEqual({ size: 1 });
    expect(conflict?.code).toBe(409);
    expect(conflict?.message).toBe('Apply failed with 1 conflict: conflict with "a": .spec.size');
    expect(forced.spec).toEqual({ size: 5 });
    expect(() => patch('w', body('w', { size: 6 }), '', APPLY, opts())).toThrow(/fieldManager: Required value/);
  });

  it('answers 415 to strategic merge on a custom resource', () => {
    createObject(env.ctx, env.def, 'default', body('w'), opts());
    expect(() => patch('w', {}, '', 'application/strategic-merge-patch+json')).toThrow(expect.objectContaining({ code: 415 }) as unknown as Error);
  });
});
