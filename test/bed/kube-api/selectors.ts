/** @module kube-api/selectors: label and field selectors, parsed once per request. */
import { badRequest } from './status-error.ts';
import type { KubeObject } from './types.ts';

export type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** A predicate over string maps; every requirement must hold (comma = AND). */
export type Selector = (fields: Readonly<Record<string, string>> | undefined) => boolean;

const matchesAll = (reqs: readonly Requirement[]): Selector =>
  function matches(labels) {
    const l = labels ?? {};
    return reqs.every((r) => {
      const has = Object.hasOwn(l, r.key);
      switch (r.op) {
        case 'eq': return has && l[r.key] === r.value;
        case 'neq': return !has || l[r.key] !== r.value;
        case 'in': return has && r.values.includes(l[r.key]!);
        case 'notin': return !has || !r.values.includes(l[r.key]!);
        case 'exists': return has;
        case 'notexists': return !has;
      }
    });
  };

/** Split on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

/** `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`. */
export function parseLabelSelector(text: string | null | undefined): Requirement[] {
  if (!text) return [];
  return splitTerms(text).map((term): Requirement => {
    let m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) return { op: m[2] as 'in' | 'notin', key: m[1]!, values: m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '') };
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]! };
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) return { op: m[1] ? 'notexists' : 'exists', key: m[2]! };
    throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

export const labelSelector = (text: string | null | undefined): Selector => matchesAll(parseLabelSelector(text));

/** Field selector keys each flavour supports, beyond metadata.name / metadata.namespace. */
export type FieldGetter = (obj: KubeObject) => Record<string, string>;

const baseFields: FieldGetter = (o) => ({ 'metadata.name': o.metadata.name ?? '', 'metadata.namespace': o.metadata.namespace ?? '' });

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[k] : undefined), o);

export const FIELD_GETTERS: Record<string, FieldGetter> = {
  secret: (o) => ({ ...baseFields(o), type: str(o.type) }),
  'core-event': (o) => ({
    ...baseFields(o),
    'involvedObject.kind': str(get(o, 'involvedObject', 'kind')),
    'involvedObject.name': str(get(o, 'involvedObject', 'name')),
    'involvedObject.namespace': str(get(o, 'involvedObject', 'namespace')),
    'involvedObject.uid': str(get(o, 'involvedObject', 'uid')),
    reason: str(o.reason),
    type: str(o.type),
  }),
  'events-event': (o) => ({
    ...baseFields(o),
    'regarding.kind': str(get(o, 'regarding', 'kind')),
    'regarding.name': str(get(o, 'regarding', 'name')),
    'regarding.namespace': str(get(o, 'regarding', 'namespace')),
    'regarding.uid': str(get(o, 'regarding', 'uid')),
    reason: str(o.reason),
    type: str(o.type),
  }),
  namespace: (o) => ({ ...baseFields(o), 'status.phase': str(get(o, 'status', 'phase')) }),
};

export const fieldsOf = (flavor: string): FieldGetter => FIELD_GETTERS[flavor] ?? baseFields;

/** Field selectors allow `=`, `==`, `!=` only, on the keys the kind supports (else 400 like the real server). */
export function fieldSelector(text: string | null | undefined, getter: FieldGetter, sample: KubeObject): (obj: KubeObject) => boolean {
  const reqs = parseLabelSelector(text);
  const supported = new Set(Object.keys(getter(sample)));
  for (const r of reqs) {
    if (r.op !== 'eq' && r.op !== 'neq') throw badRequest(`invalid selector: '${text}'; can't understand '${r.key}'`);
    if (!supported.has(r.key)) throw badRequest(`field label not supported: ${r.key}`);
  }
  if (reqs.length === 0) return () => true;
  const match = matchesAll(reqs);
  return (obj) => match(getter(obj));
}
