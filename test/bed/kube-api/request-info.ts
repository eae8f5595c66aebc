/** @module kube-api/request-info: URL → (group, version, resource, namespace, name, subresource, verb), like the apiserver's RequestInfo. */
import type { ResourceRegistry } from './resources.ts';
import type { ResourceDef } from './types.ts';

export type RequestInfo =
  | { kind: 'nonresource'; path: string; verb: string }
  | {
      kind: 'resource';
      group: string;
      version: string;
      resource: string;
      subresource: string;
      namespace: string;
      name: string;
      verb: string;
      /** undefined when the resource is not served (404). */
      def: ResourceDef | undefined;
    };

// namespaces/{name}/status and /finalize address the namespace itself
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, url: URL, registry: ResourceRegistry): RequestInfo {
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'nonresource', path: url.pathname, verb: method.toLowerCase() };
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const verb = ({
    GET: name ? 'get' : isWatch ? 'watch' : 'list',
    HEAD: name ? 'get' : 'list',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: name ? 'delete' : 'deletecollection',
  } as Record<string, string>)[method] ?? method.toLowerCase();
  const def = registry.find(group, version, resource);
  // cluster-scoped resources ignore a namespace prefix for storage, but keep it for namespaces/{name}
  return { kind: 'resource', group, version, resource, subresource, namespace, name, verb, def };
}
