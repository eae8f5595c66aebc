/**
 * @module manifests/rbac: one ServiceAccount + Role + RoleBinding per component,
 * built from the permission table. With `hostNamespace: ''` (all namespaces)
 * the Role becomes a ClusterRole bound cluster-wide.
 */
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import { COMPONENTS, PART_OF, serviceAccountOf } from './names.ts';
import type { Component } from './names.ts';
import type { ManifestOptions } from './options.ts';
import { Permissions } from './permissions.ts';
import type { Permission } from './permissions.ts';

/** Policy rules of a component, one per table row, in table order: all, or those of one scope. */
export function rulesOf(component: Component, scope?: 'namespaced' | 'cluster'): IPolicyRule[] {
  return (Permissions[component] as readonly Permission[])
    .filter((p) => scope === undefined || (scope === 'cluster') === (p.scope === 'cluster'))
    .map((p) => ({
      apiGroups: [p.apiGroup],
      resources: [p.resource],
      verbs: [...p.verbs],
    }));
}

export const roleNameOf = (c: Component): string => `${serviceAccountOf(c)}`;

/**
 * ServiceAccount, then a Role + RoleBinding in the hosts' namespace for the rows of that
 * namespace, then a ClusterRole + ClusterRoleBinding for the rows of every namespace (when the
 * component has any). With `hostNamespace: ''` every row goes into the one ClusterRole.
 */
export function buildRbac(component: Component, o: ManifestOptions): Array<ServiceAccount | Role | RoleBinding | ClusterRole | ClusterRoleBinding> {
  const sa = serviceAccountOf(component);
  const labels = { ...PART_OF, 'app.kubernetes.io/component': component };
  const subjects = [{ kind: 'ServiceAccount', name: sa, namespace: o.namespace }];
  const account = new ServiceAccount({ metadata: { name: sa, namespace: o.namespace, labels } });
  const clusterWide = (rules: IPolicyRule[]) => {
    // a DNS subdomain, though RBAC allows more (`system:…`): every API server and fixture accepts it
    const name = `metal3-functions.${roleNameOf(component)}`;
    return [
      new ClusterRole({ metadata: { name, labels }, rules }),
      new ClusterRoleBinding({ metadata: { name, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects }),
    ];
  };
  if (o.hostNamespace === '') return [account, ...clusterWide(rulesOf(component))];
  const name = roleNameOf(component);
  const namespaced = rulesOf(component, 'namespaced');
  const cluster = rulesOf(component, 'cluster');
  return [
    account,
    ...(namespaced.length > 0 ? [
      new Role({ metadata: { name, namespace: o.hostNamespace, labels }, rules: namespaced }),
      new RoleBinding({
        metadata: { name, namespace: o.hostNamespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects,
      }),
    ] : []),
    ...(cluster.length > 0 ? clusterWide(cluster) : []),
  ];
}

export const buildAllRbac = (o: ManifestOptions) => COMPONENTS.flatMap((c) => buildRbac(c, o));
