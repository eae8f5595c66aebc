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

/** Policy rules of a component, one per table row, in table order. */
export function rulesOf(component: Component): IPolicyRule[] {
  return (Permissions[component] as readonly Permission[]).map((p) => ({
    apiGroups: [p.apiGroup],
    resources: [p.resource],
    verbs: [...p.verbs],
  }));
}

export const roleNameOf = (c: Component): string => `${serviceAccountOf(c)}`;

export function buildRbac(component: Component, o: ManifestOptions): Array<ServiceAccount | Role | RoleBinding | ClusterRole | ClusterRoleBinding> {
  const sa = serviceAccountOf(component);
  const labels = { ...PART_OF, 'app.kubernetes.io/component': component };
  const subjects = [{ kind: 'ServiceAccount', name: sa, namespace: o.namespace }];
  const account = new ServiceAccount({ metadata: { name: sa, namespace: o.namespace, labels } });
  if (o.hostNamespace === '') {
    const name = `metal3-functions:${roleNameOf(component)}`;
    return [
      account,
      new ClusterRole({ metadata: { name, labels }, rules: rulesOf(component) }),
      new ClusterRoleBinding({ metadata: { name, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects }),
    ];
  }
  const name = roleNameOf(component);
  return [
    account,
    new Role({ metadata: { name, namespace: o.hostNamespace, labels }, rules: rulesOf(component) }),
    new RoleBinding({
      metadata: { name, namespace: o.hostNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    }),
  ];
}

export const buildAllRbac = (o: ManifestOptions) => COMPONENTS.flatMap((c) => buildRbac(c, o));
