/**
 * @module api/yaml: a tiny, deterministic YAML emitter for plain JSON data
 * (no YAML library is a dependency of ours).
 *
 * Block style, two-space indent, keys in insertion order. A string is written
 * plain only when it cannot be read back as anything else (no `: `, no `#`, not
 * a YAML 1.1 boolean/null/number); otherwise it is a JSON string, which is a
 * valid YAML double-quoted scalar.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_./+-]*( [A-Za-z0-9_./+(),-]+)*$/;
// YAML 1.1 readers (kubectl's and js-yaml's) turn these into booleans or null
const RESERVED = /^(y|n|yes|no|true|false|on|off|null|~)$/i;
const NUMERIC = /^[-+.]?[0-9]|^\.(inf|nan)$/i;

function scalar(value: null | boolean | number | string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (PLAIN.test(value) && !RESERVED.test(value) && !NUMERIC.test(value)) return value;
  return JSON.stringify(value);
}

const isContainer = (v: JsonValue): v is JsonValue[] | { [key: string]: JsonValue } => typeof v === 'object' && v !== null;
const isEmpty = (v: JsonValue[] | { [key: string]: JsonValue }): boolean =>
  Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;

function lines(value: JsonValue, indent: string): string[] {
  if (!isContainer(value)) return [indent + scalar(value)];
  if (isEmpty(value)) return [indent + (Array.isArray(value) ? '[]' : '{}')];
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isContainer(item) && !isEmpty(item)) {
        // first line of the item shares the dash; the rest is indented under it
        const [first, ...rest] = lines(item, `${indent}  `);
        out.push(`${indent}- ${first!.slice(indent.length + 2)}`, ...rest);
      } else {
        out.push(`${indent}- ${lines(item, '')[0]}`);
      }
    }
    return out;
  }
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const k = scalar(key);
    if (isContainer(child) && !isEmpty(child)) {
      out.push(`${indent}${k}:`, ...lines(child, Array.isArray(child) ? indent : `${indent}  `));
    } else {
      out.push(`${indent}${k}: ${lines(child, '')[0]}`);
    }
  }
  return out;
}

/** One YAML document, ending in a newline. */
export function toYaml(value: JsonValue): string {
  return `${lines(value, '').join('\n')}\n`;
}

/** Several documents separated by `---`. */
export function toYamlDocuments(values: readonly JsonValue[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join('');
}
