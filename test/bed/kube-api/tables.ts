/**
 * @module kube-api/tables: `meta.k8s.io/v1` Table responses for `kubectl get`, from printer columns.
 *
 * The server sends every column with its `priority`; kubectl hides priority > 0 unless `-o wide`.
 */
import type { KubeObject, PrinterColumn, ResourceDef } from './types.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'filter'; key: string[]; value: string } | { kind: 'all' };

/** Parse the JSONPath subset CRDs use: `.a.b`, `.a[0].b`, `.a[*].b`, `.a[?(@.type=="Ready")].status`, `{...}` wrapper. */
export function parseJsonPath(expr: string): Step[] {
  let e = expr.trim();
  if (e.startsWith('{') && e.endsWith('}')) e = e.slice(1, -1);
  const steps: Step[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([\w.]+)\s*==\s*["']([^"']*)["']\)\]|\['([^']+)'\]/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < e.length && (m = re.exec(e)) !== null) {
    if (m[1] !== undefined) steps.push({ kind: 'field', name: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ kind: 'filter', key: m[3].split('.'), value: m[4] ?? '' });
    else if (m[5] !== undefined) steps.push({ kind: 'field', name: m[5] });
    else steps.push({ kind: 'all' });
  }
  if (re.lastIndex !== e.length && e.length > 0) throw new Error(`unsupported JSONPath: ${expr}`);
  return steps;
}

/** All values the path selects (filters and `[*]` may select several). */
export function evalJsonPath(obj: unknown, expr: string): unknown[] {
  let cur: unknown[] = [obj];
  for (const step of parseJsonPath(expr)) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (step.kind === 'field' && isObject(v) && v[step.name] !== undefined) next.push(v[step.name]);
      else if (step.kind === 'index' && Array.isArray(v) && v[step.index] !== undefined) next.push(v[step.index]);
      else if (step.kind === 'all' && Array.isArray(v)) next.push(...v);
      else if (step.kind === 'filter' && Array.isArray(v)) {
        for (const item of v) {
          const got = step.key.reduce<unknown>((acc, k) => (isObject(acc) ? acc[k] : undefined), item);
          if (got !== undefined && String(got) === step.value) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}

/** `3m46s`-style age like kubectl's HumanDuration (coarser for longer spans). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 > 0 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 > 0 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 8 ? `${d}d${h % 24 > 0 ? `${h % 24}h` : ''}` : `${d}d`;
}

function cell(col: PrinterColumn, obj: KubeObject, now: number): unknown {
  const values = evalJsonPath(obj, col.jsonPath);
  if (values.length === 0) return null;
  const v = values.length === 1 ? values[0] : values.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',');
  if (col.format === 'count') return isObject(v) ? Object.keys(v).length : Array.isArray(v) ? v.length : 0;
  if (col.type === 'date' && typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : humanDuration(now - t);
  }
  if (col.type === 'integer' || col.type === 'number' || col.type === 'boolean') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject?: IncludeObject;
  resourceVersion?: string;
  continueToken?: string;
  now?: number;
  /** Watch events after the first omit the column definitions, like the real server. */
  withColumns?: boolean;
}

/** Column definitions: Name first, then the printer columns (priority kept for `-o wide`). */
export function columnDefinitions(def: ResourceDef): object[] {
  return [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...def.printerColumns.map((c) => ({ name: c.name, type: c.type === 'date' ? 'date' : c.type, format: c.format === 'count' ? '' : c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
}

function rowObject(def: ResourceDef, obj: KubeObject, include: IncludeObject): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

/** A Table of the given objects. */
export function toTable(def: ResourceDef, objects: readonly KubeObject[], opts: TableOptions = {}): object {
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: [obj.metadata.name ?? '', ...def.printerColumns.map((c) => cell(c, obj, now))] };
    const o = rowObject(def, obj, include);
    if (o) row.object = o;
    return row;
  });
  const metadata: Record<string, string> = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions: opts.withColumns === false ? null : columnDefinitions(def), rows };
}

/** True when the `Accept` header asks for a Table (kubectl get). */
export const wantsTable = (accept: string | undefined): boolean => accept !== undefined && /as=Table/.test(accept.split(',')[0] ?? '');
