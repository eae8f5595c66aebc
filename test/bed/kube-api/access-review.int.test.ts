/**
 * SubjectAccessReview, the question the `external` function asks before it writes for a sender:
 * may this user (with these groups) do this verb on this object? The same reviews, asserted the
 * same way, on the fixture (`npm test`) and on the real kube-apiserver 1.32 with RBAC
 * (`npm run test:real-kube`): Role and ClusterRole grants, resourceNames, group subjects,
 * another namespace, another verb, and the two malformed reviews the server refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { kubeconfigObjectConnection } from '../../../shared/src/k8s/kube-connection.ts';
import { createKubeRest } from '../../../shared/src/k8s/kube-rest.ts';
import type { KubeRest } from '../../../shared/src/k8s/kube-rest.ts';
import { connectCluster } from '../cluster.ts';
import type { ClusterHandle } from '../cluster.ts';

interface Review { status: number; body: { status?: { allowed?: boolean; reason?: string }; message?: string } }

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('SubjectAccessReview against RBAC (fixture and real kube-apiserver)', () => {
  let cluster: ClusterHandle;
  let kube: KubeRest;
  let ns: string;
  const suffix = Math.random().toString(36).slice(2, 8);
  // a colon, as in the built-in `system:…` roles: RBAC objects take path-segment names
  const clusterBinding = `sar-fidelity:${suffix}`;
  const sa = (name: string) => `system:serviceaccount:${ns}:${name}`;
  const saGroups = () => ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];

  const create = (path: string, body: unknown) => kube.request({ method: 'POST', path, body, what: `create ${path}` });

  async function review(spec: Record<string, unknown>): Promise<Review> {
    return kube.request({
      method: 'POST', path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec }, what: 'create subjectaccessreview', allow: [400, 422],
    }) as Promise<Review>;
  }
  const hostAccess = (verb: string, name: string, namespace = ns) => ({ group: 'metal3.io', resource: 'baremetalhosts', verb, name, namespace });

  beforeAll(async () => {
    cluster = await connectCluster({ namespacePrefix: 'sarfid' });
    ns = cluster.namespace;
    kube = createKubeRest({ connection: kubeconfigObjectConnection(JSON.parse(cluster.kubeConfig().exportConfig())) });
    await create(`${RBAC}/namespaces/${ns}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'rebooter' },
      rules: [{ apiGroups: ['metal3.io'], resources: ['baremetalhosts'], verbs: ['get', 'patch'] }],
    });
    await create(`${RBAC}/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rebooters' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rebooter' },
      subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: ns }, { kind: 'Group', name: `ops-${suffix}` }],
    });
    await create(`${RBAC}/namespaces/${ns}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'one-host' },
      rules: [{ apiGroups: ['metal3.io'], resources: ['baremetalhosts'], verbs: ['patch'], resourceNames: ['h1'] }],
    });
    await create(`${RBAC}/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'one-host' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'one-host' },
      subjects: [{ kind: 'ServiceAccount', name: 'narrow', namespace: ns }],
    });
    await create(`${RBAC}/clusterroles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: clusterBinding },
      rules: [{ apiGroups: ['metal3.io'], resources: ['hostclaims'], verbs: ['create', 'delete'] }],
    });
    await create(`${RBAC}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: clusterBinding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterBinding },
      subjects: [{ kind: 'User', name: `alice-${suffix}` }],
    });
  }, 60_000);

  afterAll(async () => {
    if (kube) {
      await kube.request({ method: 'DELETE', path: `${RBAC}/clusterrolebindings/${clusterBinding}`, what: 'delete clusterrolebinding', allow: [404] }).catch(() => undefined);
      await kube.request({ method: 'DELETE', path: `${RBAC}/clusterroles/${clusterBinding}`, what: 'delete clusterrole', allow: [404] }).catch(() => undefined);
      kube.close();
    }
    await cluster?.stop();
  });

  it('allows a ServiceAccount what its RoleBinding grants, naming the binding', async () => {
    const r = await review({ user: sa('bot'), groups: saGroups(), resourceAttributes: hostAccess('patch', 'h1') });
    expect(r.status).toBe(201);
    expect(r.body.status).toEqual({ allowed: true, reason: `RBAC: allowed by RoleBinding "rebooters/${ns}" of Role "rebooter" to ServiceAccount "bot/${ns}"` });
  });

  it.each([
    ['another verb', () => ({ user: sa('bot'), groups: saGroups(), resourceAttributes: hostAccess('delete', 'h1') })],
    ['another namespace', () => ({ user: sa('bot'), groups: saGroups(), resourceAttributes: hostAccess('patch', 'h1', 'default') })],
    ['the status subresource', () => ({ user: sa('bot'), groups: saGroups(), resourceAttributes: { ...hostAccess('patch', 'h1'), subresource: 'status' } })],
    ['an identity without a binding', () => ({ user: sa('intruder'), groups: saGroups(), resourceAttributes: hostAccess('patch', 'h1') })],
    ['a name outside resourceNames', () => ({ user: sa('narrow'), groups: saGroups(), resourceAttributes: hostAccess('patch', 'h2') })],
  ])('refuses %s, without a reason', async (_case, spec) => {
    const r = await review(spec());
    expect(r.status).toBe(201);
    expect(r.body.status?.allowed).toBe(false);
    expect(r.body.status?.reason ?? '').toBe('');
  });

  it('allows a name inside resourceNames', async () => {
    const r = await review({ user: sa('narrow'), groups: saGroups(), resourceAttributes: hostAccess('patch', 'h1') });
    expect(r.body.status).toEqual({ allowed: true, reason: `RBAC: allowed by RoleBinding "one-host/${ns}" of Role "one-host" to ServiceAccount "narrow/${ns}"` });
  });

  it('allows through a group subject and through a ClusterRoleBinding to a user', async () => {
    const byGroup = await review({ user: `carol-${suffix}`, groups: [`ops-${suffix}`, 'system:authenticated'], resourceAttributes: hostAccess('get', 'h9') });
    expect(byGroup.body.status).toEqual({ allowed: true, reason: `RBAC: allowed by RoleBinding "rebooters/${ns}" of Role "rebooter" to Group "ops-${suffix}"` });
    const byUser = await review({ user: `alice-${suffix}`, resourceAttributes: { group: 'metal3.io', resource: 'hostclaims', verb: 'create', namespace: 'any-tenant' } });
    expect(byUser.body.status).toEqual({ allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${clusterBinding}" of ClusterRole "${clusterBinding}" to User "alice-${suffix}"` });
    // the same user without the group gets nothing from the group's binding
    expect((await review({ user: `carol-${suffix}`, resourceAttributes: hostAccess('get', 'h9') })).body.status?.allowed).toBe(false);
  });

  it('answers 422 for a review without attributes, or without a user or group', async () => {
    const noAttributes = await review({ user: sa('bot') });
    expect(noAttributes.status).toBe(422);
    expect(noAttributes.body.message).toMatch(/exactly one of nonResourceAttributes or resourceAttributes must be specified/);
    const nobody = await review({ resourceAttributes: hostAccess('patch', 'h1') });
    expect(nobody.status).toBe(422);
    expect(nobody.body.message).toMatch(/at least one of user or group must be specified/);
  });
});
