/**
 * @module kube-api/rbac: bearer token → user, and Role/ClusterRole evaluation like the RBAC authorizer.
 *
 * Rules come from RoleBinding/ClusterRoleBinding objects stored in the fixture, so a test proves least
 * privilege by applying the project's own RBAC manifests and calling with a ServiceAccount's token.
 */
import type { KubeObject } from './types.ts';

export interface UserInfo {
  name: string;
  groups: string[];
}

/** What a request wants to do, as the authorizer sees it. */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** Non-resource requests (discovery, `/version`, `/openapi`) are allowed for every authenticated user. */
  resourceRequest: boolean;
}

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export const ADMIN_USER: UserInfo = { name: 'fixture-admin', groups: ['system:masters', 'system:authenticated'] };
export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** A ServiceAccount's identity as the token authenticator reports it. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

const has = (list: readonly string[] | undefined, v: string): boolean => list !== undefined && (list.includes('*') || list.includes(v));

function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resOk = resources.includes('*') || resources.includes(res) || (a.subresource !== '' && resources.includes(`*/${a.subresource}`));
  if (!resOk) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) return a.name !== '' && rule.resourceNames.includes(a.name);
  return true;
}

function subjectMatches(s: Subject, user: UserInfo, bindingNs: string): boolean {
  switch (s.kind) {
    case 'User': return s.name === user.name;
    case 'Group': return user.groups.includes(s.name);
    case 'ServiceAccount': return user.name === `system:serviceaccount:${s.namespace ?? bindingNs}:${s.name}`;
    default: return false;
  }
}

/** Stored RBAC objects the authorizer reads. */
export interface RbacObjects {
  clusterRoleBindings(): readonly KubeObject[];
  roleBindings(namespace: string): readonly KubeObject[];
  clusterRole(name: string): KubeObject | undefined;
  role(namespace: string, name: string): KubeObject | undefined;
}

const rulesOf = (role: KubeObject | undefined): PolicyRule[] => (role?.rules as PolicyRule[] | undefined) ?? [];

/** True when some binding grants the request. */
export function authorize(user: UserInfo, a: RequestAttributes, objects: RbacObjects): boolean {
  return allowingBinding(user, a, objects) !== undefined;
}

const describeSubject = (s: Subject, bindingNs: string): string =>
  s.kind === 'ServiceAccount' ? `${s.kind} "${s.name}/${s.namespace || bindingNs}"` : `${s.kind} "${s.name}"`;

/**
 * What grants the request, in the RBAC authorizer's words (`RBAC: allowed by RoleBinding "b/ns" of
 * Role "r" to ServiceAccount "sa/ns"`), '' for the privileged group, undefined when nothing does.
 */
export function allowingBinding(user: UserInfo, a: RequestAttributes, objects: RbacObjects): string | undefined {
  if (user.groups.includes('system:masters')) return '';
  if (!a.resourceRequest) return user.groups.includes('system:unauthenticated') || (user.name === '' && user.groups.length === 0) ? undefined : 'RBAC: allowed (non-resource request of an authenticated user)';
  for (const b of objects.clusterRoleBindings()) {
    const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => subjectMatches(s, user, ''));
    if (!subject) continue;
    const ref = b.roleRef as { kind: string; name: string } | undefined;
    if (ref?.kind === 'ClusterRole' && rulesOf(objects.clusterRole(ref.name)).some((r) => ruleAllows(r, a))) {
      return `RBAC: allowed by ClusterRoleBinding "${b.metadata.name}" of ClusterRole "${ref.name}" to ${describeSubject(subject, '')}`;
    }
  }
  if (a.namespace === '') return undefined;
  for (const b of objects.roleBindings(a.namespace)) {
    const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => subjectMatches(s, user, a.namespace));
    if (!subject) continue;
    const ref = b.roleRef as { kind: string; name: string } | undefined;
    const role = ref?.kind === 'ClusterRole' ? objects.clusterRole(ref.name) : ref?.kind === 'Role' ? objects.role(a.namespace, ref.name) : undefined;
    if (rulesOf(role).some((r) => ruleAllows(r, a))) {
      return `RBAC: allowed by RoleBinding "${b.metadata.name}/${a.namespace}" of ${ref!.kind} "${ref!.name}" to ${describeSubject(subject, a.namespace)}`;
    }
  }
  return undefined;
}

/** The real authorizer's denial message. */
export function forbiddenMessage(user: UserInfo, a: RequestAttributes, qualified: string): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.apiGroup}" ${scope}`;
}
