/** @module kube-api/patch: RFC 7386 merge patch, RFC 6902 JSON patch, and strategic merge for built-ins. */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Strategic merge for built-in kinds whose lists we never merge by key (Secret, ConfigMap, Event, …):
 * a merge patch whose `$`-directives are dropped. Good enough for `kubectl apply` of those kinds.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  return mergePatch(target, stripDirectives(patch));
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(val);
  return out;
}

/** A JSON patch that cannot be applied; the server answers 422. */
export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map(unescape);
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw new JsonPatchError(`doc is missing path: "${path}": missing value`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new JsonPatchError(`doc is missing path: "${path}": missing value`);
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new JsonPatchError(`doc is missing path: "${path}": missing value`);
    if (cur === undefined) throw new JsonPatchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function arrayIndex(arr: unknown[], key: string, forInsert: boolean, path: string): number {
  if (forInsert && key === '-') return arr.length;
  if (!/^\d+$/.test(key)) throw new JsonPatchError(`invalid array index "${key}" at "${path}"`);
  const i = Number(key);
  if (i > arr.length || (!forInsert && i === arr.length)) throw new JsonPatchError(`index out of bounds at "${path}"`);
  return i;
}

function addAt(doc: unknown, path: string, value: unknown): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, structuredClone(value));
  else parent[key] = structuredClone(value);
  return doc;
}

function removeAt(doc: unknown, path: string): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the document root');
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, path), 1);
  else {
    if (!Object.hasOwn(parent, key)) throw new JsonPatchError(`unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
  }
  return doc;
}

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Key-sorted copy, so equal objects serialise equally. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = canonical(v[k]);
  return out;
}

export { deepEqual };

/** RFC 6902 on a copy of `doc`; throws JsonPatchError on a failed `test` or a bad path. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('a JSON patch must be an array of operations');
  let out = structuredClone(doc);
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObject(raw) || typeof raw.path !== 'string') throw new JsonPatchError('each JSON patch operation needs "op" and "path"');
    switch (raw.op) {
      case 'add': out = addAt(out, raw.path, raw.value); break;
      case 'remove': out = removeAt(out, raw.path); break;
      case 'replace': getAt(out, raw.path); out = removeAt(out, raw.path); out = addAt(out, raw.path, raw.value); break;
      case 'move': { const v = getAt(out, raw.from ?? ''); out = removeAt(out, raw.from ?? ''); out = addAt(out, raw.path, v); break; }
      case 'copy': out = addAt(out, raw.path, getAt(out, raw.from ?? '')); break;
      case 'test':
        if (!deepEqual(getAt(out, raw.path), raw.value)) throw new JsonPatchError(`testing value ${raw.path} failed: test failed`);
        break;
      default: throw new JsonPatchError(`Unexpected kind: ${String((raw as { op: unknown }).op)}`);
    }
  }
  return out;
}
