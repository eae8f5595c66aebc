/**
 * @module kube-api/openapi: the minimal `/openapi/v3` kubectl needs.
 *
 * kubectl apply looks for a PATCH operation tagged with the object's GVK that declares the
 * `fieldValidation` query parameter; finding it, kubectl skips client-side validation and lets the
 * server validate (`fieldValidation=Strict`). Schemas of custom resources are included for `explain`.
 */
import type { ResourceRegistry } from './resources.ts';
import { apiVersionOf } from './types.ts';

const gvPath = (group: string, version: string): string => (group === '' ? `api/${version}` : `apis/${group}/${version}`);

export function openApiRoot(registry: ResourceRegistry): object {
  const paths: Record<string, object> = {};
  for (const [g, vs] of registry.groups()) {
    for (const v of vs) paths[gvPath(g, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(g, v)}?hash=${registry.generation}` };
  }
  return { paths };
}

/** `GET /openapi/v3/<api/v1 | apis/g/v>`; undefined when the group/version is not served. */
export function openApiGroupVersion(registry: ResourceRegistry, path: string): object | undefined {
  const defs = registry.all().filter((d) => gvPath(d.group, d.version) === path);
  if (defs.length === 0) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const d of defs) {
    const gvk = { group: d.group, version: d.version, kind: d.kind };
    const base = `/${gvPath(d.group, d.version)}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.plural}/{name}`;
    const params = [
      { name: 'dryRun', in: 'query', schema: { type: 'string' } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
      { name: 'force', in: 'query', schema: { type: 'boolean' } },
    ];
    paths[base] = {
      get: { 'x-kubernetes-group-version-kind': gvk, 'x-kubernetes-action': 'get', responses: {} },
      patch: { 'x-kubernetes-group-version-kind': gvk, 'x-kubernetes-action': 'patch', parameters: params, responses: {} },
    };
    if (d.schema) {
      const name = `${d.group.split('.').reverse().join('.')}.${d.version}.${d.kind}`;
      schemas[name] = { ...d.schema, 'x-kubernetes-group-version-kind': [gvk], description: `${d.kind} (${apiVersionOf(d)})` };
    }
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}
