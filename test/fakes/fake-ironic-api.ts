/**
 * @module fake-ironic-api: how FakeIronic shapes answers and errors like Ironic's API:
 * masked secrets, `fields` projection, JSON patch, Ironic's double-encoded error bodies.
 */
import { toIronicError } from '../../shared/src/ironic/errors.ts';
import { IRONIC_BUSY_STATES } from '../../shared/src/ironic/states.ts';
import type { IronicNode, JsonPatchOp } from '../../shared/src/ironic/types.ts';

const MASK = '******';

export const nodePath = (idOrName: string): string => `/v1/nodes/${idOrName}`;

export const fail = (operation: string, status: number, faultstring: string): Error =>
  toIronicError({ operation, status, body: { error_message: JSON.stringify({ faultcode: status >= 500 ? 'Server' : 'Client', faultstring, debuginfo: null }) } });

export const isBusy = (node: IronicNode): boolean => IRONIC_BUSY_STATES.includes(node.provision_state as never);

export function defaultInterfaces(driver: string): Partial<IronicNode> {
  if (driver === 'fake-hardware') {
    return { boot_interface: 'fake', deploy_interface: 'fake', inspect_interface: 'fake', power_interface: 'fake', management_interface: 'fake' };
  }
  if (driver === 'ipmi') {
    return { boot_interface: 'pxe', deploy_interface: 'direct', inspect_interface: 'no-inspect', power_interface: 'ipmitool', management_interface: 'ipmitool' };
  }
  return {};
}

/** What the API shows: secrets masked, only `fields` (plus uuid) when given; a copy. */
export function project(node: IronicNode, fields?: readonly string[]): IronicNode {
  const shown = structuredClone(node);
  if (shown.driver_info) {
    for (const key of Object.keys(shown.driver_info)) if (/password/i.test(key)) shown.driver_info[key] = MASK;
  }
  if (shown.instance_info && 'configdrive' in shown.instance_info) shown.instance_info.configdrive = MASK;
  if (!fields) return shown;
  const wanted = new Set(['uuid', ...fields]);
  return Object.fromEntries(Object.entries(shown).filter(([k]) => wanted.has(k))) as unknown as IronicNode;
}

const READ_ONLY = /^\/(uuid|provision_state|target_provision_state|power_state|target_power_state|reservation|last_error|created_at|updated_at|provision_updated_at|driver_internal_info|maintenance)(\/|$)/;

/** RFC 6902 add/replace/remove on a plain object, refusing Ironic's read-only fields. */
export function applyPatchOp(target: Record<string, unknown>, op: JsonPatchOp, operation: string): void {
  if (READ_ONLY.test(op.path)) throw fail(operation, 400, `'${op.path}' is an internal attribute and can not be updated`);
  const keys = op.path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  if (last === undefined || last === '') throw fail(operation, 400, `Invalid patch path ${op.path}`);
  let parent: Record<string, unknown> = target;
  for (const k of keys) {
    const child = parent[k];
    if (typeof child !== 'object' || child === null) {
      if (op.op === 'remove') throw fail(operation, 400, `can't remove non-existent object '${k}'`);
      parent[k] = {};
    }
    parent = parent[k] as Record<string, unknown>;
  }
  if (op.op === 'remove') {
    if (!(last in parent)) throw fail(operation, 400, `can't remove non-existent object '${last}'`);
    delete parent[last];
  } else {
    parent[last] = structuredClone(op.value);
  }
}

/** `/v1/nodes/:id/states/provision` → a RegExp; `*` matches anything. */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')))
    .join('/');
  return new RegExp(`^${escaped}$`);
}
