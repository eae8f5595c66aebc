/**
 * @module kube-api/apply: server-side apply, field ownership by manager.
 *
 * Subset of the real semantics: each `Apply` manager owns the leaf fields it sent (lists are atomic);
 * a field it stops sending is removed unless another manager owns it; applying a value that another
 * manager owns with a different value is a 409 conflict unless `force=true`. Ownership is recorded in
 * `metadata.managedFields` in the real FieldsV1 shape, so clients see what they would on a cluster.
 */
import { deepEqual } from './patch.ts';
import type { KubeObject } from './types.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Path = readonly string[];

// metadata fields that identify the object; nobody owns them
const IDENTITY = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName', 'selfLink']);

/** Leaf paths of an applied configuration (objects recurse, lists and scalars are leaves). */
export function leafPaths(config: Record<string, unknown>, scope?: string): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    } else out.push(path);
  };
  for (const [k, v] of Object.entries(config)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (scope !== undefined && k !== scope) continue;
    if (k === 'metadata' && isObject(v)) {
      for (const [mk, mv] of Object.entries(v)) if (!IDENTITY.has(mk)) walk(mv, ['metadata', mk]);
      continue;
    }
    walk(v, [k]);
  }
  return out;
}

const keyOf = (p: Path): string => JSON.stringify(p);

function getPath(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const k of path) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

function setPath(obj: Record<string, unknown>, path: Path, value: unknown): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    if (!isObject(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = structuredClone(value);
}

function deletePath(obj: Record<string, unknown>, path: Path): void {
  const chain: Record<string, unknown>[] = [obj];
  for (const k of path.slice(0, -1)) {
    const next = chain[chain.length - 1]![k];
    if (!isObject(next)) return;
    chain.push(next);
  }
  delete chain[chain.length - 1]![path[path.length - 1]!];
  // drop maps emptied by the removal, but never the top-level sections themselves
  for (let i = chain.length - 1; i >= 2; i--) {
    if (Object.keys(chain[i]!).length === 0) delete chain[i - 1]![path[i - 1]!];
  }
}

/** FieldsV1 (`{"f:spec":{"f:online":{}}}`) from leaf paths, and back. */
export function toFieldsV1(paths: readonly Path[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let cur = root;
    for (const k of p) {
      const fk = `f:${k}`;
      if (!isObject(cur[fk])) cur[fk] = {};
      cur = cur[fk] as Record<string, unknown>;
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, path: string[]): void => {
    const keys = isObject(v) ? Object.keys(v).filter((k) => k.startsWith('f:')) : [];
    if (keys.length === 0) {
      if (path.length > 0) out.push(path);
      return;
    }
    for (const k of keys) walk((v as Record<string, unknown>)[k], [...path, k.slice(2)]);
  };
  walk(fields, []);
  return out;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface ApplyConflict {
  manager: string;
  field: string;
}

export interface ApplyInput {
  existing: KubeObject | undefined;
  config: KubeObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  now: string;
  /** `'status'` when applied to the status subresource: only `status` is taken. */
  subresource?: string;
}

export type ApplyResult = { kind: 'ok'; object: KubeObject } | { kind: 'conflict'; conflicts: ApplyConflict[] };

/** Merge an applied configuration into the live object by field ownership. */
export function serverSideApply(input: ApplyInput): ApplyResult {
  const { existing, config, manager, force, apiVersion, now, subresource } = input;
  const scope = subresource === 'status' ? 'status' : undefined;
  const entries = ((existing?.metadata.managedFields ?? []) as ManagedFieldsEntry[]).map((e) => ({ ...e }));
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply' && (e.subresource ?? '') === (subresource ?? ''));
  const previous = new Set((mine ? fromFieldsV1(mine.fieldsV1) : []).map(keyOf));
  const applied = leafPaths(config as Record<string, unknown>, scope);
  const appliedKeys = new Set(applied.map(keyOf));
  const base = structuredClone(existing ?? { metadata: {} }) as Record<string, unknown> & KubeObject;

  // conflicts: another Apply manager owns a leaf we set, and the values differ
  const conflicts: ApplyConflict[] = [];
  const others = entries.filter((e) => e !== mine && e.operation === 'Apply');
  const othersOwned = new Map<string, ManagedFieldsEntry[]>();
  for (const e of others) {
    for (const p of fromFieldsV1(e.fieldsV1)) {
      const k = keyOf(p);
      othersOwned.set(k, [...(othersOwned.get(k) ?? []), e]);
      if (appliedKeys.has(k) && !deepEqual(getPath(base, p), getPath(config, p))) conflicts.push({ manager: e.manager, field: `.${p.join('.')}` });
    }
  }
  if (conflicts.length > 0 && !force) return { kind: 'conflict', conflicts };
  if (force) {
    for (const e of others) e.fieldsV1 = toFieldsV1(fromFieldsV1(e.fieldsV1).filter((p) => !appliedKeys.has(keyOf(p))));
  }

  for (const p of applied) setPath(base, p, getPath(config, p));
  for (const k of previous) {
    if (appliedKeys.has(k) || othersOwned.has(k)) continue;
    deletePath(base, JSON.parse(k) as string[]);
  }

  const entry: ManagedFieldsEntry = { manager, operation: 'Apply', apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(applied) };
  if (subresource) entry.subresource = subresource;
  const kept = entries.filter((e) => e !== mine && (e.operation !== 'Apply' || Object.keys(e.fieldsV1).length > 0));
  base.metadata = { ...(base.metadata ?? {}), managedFields: [...kept, entry] };
  if (!existing) {
    base.metadata.name = config.metadata?.name;
    if (config.metadata?.namespace) base.metadata.namespace = config.metadata.namespace;
    if (config.apiVersion) base.apiVersion = config.apiVersion;
    if (config.kind) base.kind = config.kind;
  }
  return { kind: 'ok', object: base };
}
