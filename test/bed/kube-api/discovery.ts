/** @module kube-api/discovery: `/version`, `/api`, `/apis` and the group/version resource lists (legacy and aggregated v2). */
import type { ResourceRegistry } from './resources.ts';
import type { ResourceDef } from './types.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = ['get', 'patch', 'update'];

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-metal3-fixture',
  gitCommit: 'fixture',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const versionsOf = (group: string, versions: string[]) => {
  const list = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: list, preferredVersion: list[0]! };
};

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(registry: ResourceRegistry): object {
  const groups = [...registry.groups()].filter(([g]) => g !== '').sort(([a], [b]) => a.localeCompare(b));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(([g, vs]) => versionsOf(g, vs)) };
}

export function apiGroup(registry: ResourceRegistry, group: string): object | undefined {
  const versions = registry.groups().get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...versionsOf(group, versions) } : undefined;
}

/** `GET /api/v1` or `/apis/<g>/<v>`: resources with verbs, short names, categories and subresources. */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const defs = registry.all().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const resources: object[] = [];
  for (const d of defs.sort((a, b) => a.plural.localeCompare(b.plural))) {
    resources.push({
      name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: VERBS,
      ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories.length ? { categories: d.categories } : {}),
    });
    if (d.statusSubresource) resources.push({ name: `${d.plural}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: SUB_VERBS });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

function discoveryResource(d: ResourceDef): object {
  const kind = { group: d.group, version: d.version, kind: d.kind };
  return {
    resource: d.plural, responseKind: kind, scope: d.namespaced ? 'Namespaced' : 'Cluster', singularResource: d.singular, verbs: VERBS,
    ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories.length ? { categories: d.categories } : {}),
    ...(d.statusSubresource ? { subresources: [{ subresource: 'status', responseKind: kind, verbs: SUB_VERBS }] } : {}),
  };
}

/** Aggregated discovery (`apidiscovery.k8s.io/v2`): core only for `/api`, every named group for `/apis`. */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean): object {
  const items = [...registry.groups()]
    .filter(([g]) => (core ? g === '' : g !== ''))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([g, vs]) => ({
      metadata: { name: g },
      versions: vs.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: registry.all().filter((d) => d.group === g && d.version === v).sort((a, b) => a.plural.localeCompare(b.plural)).map(discoveryResource),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export const wantsAggregated = (accept: string | undefined): boolean =>
  accept !== undefined && accept.split(',')[0]!.includes('as=APIGroupDiscoveryList') && accept.split(',')[0]!.includes('v=v2;');
