/**
 * RBAC enforcement mode: a ServiceAccount token is held to the Roles bound to it, as the real
 * authorizer would (verbs, API groups, `x/status` subresources, resourceNames), with 403 Status bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { WIDGETS, widgetCrd } from './fixtures/widget-crd.ts';
import { type KubeApiFixture, startKubeApi } from './index.ts';

const NS = 'default';
const role = (name: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: NS }, rules });
const binding = (name: string, roleName: string, sa: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: NS },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
  subjects: [{ kind: 'ServiceAccount', name: sa, namespace: NS }],
});

async function statusOf(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
    return { code: 200, body: {} };
  } catch (e) {
    // client-node leaves `body` undefined for 401
    if (e instanceof ApiException) return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : {} };
    throw e;
  }
}

describe('kube-api fixture RBAC enforcement', () => {
  let fixture: KubeApiFixture;
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const where = { group: WIDGETS.group, version: WIDGETS.version, plural: WIDGETS.plural, namespace: NS };

  beforeAll(async () => {
    fixture = await startKubeApi({
      crds: [widgetCrd()],
      rbac: {
        enforce: true,
        objects: [
          role('widget-reader', [{ apiGroups: [WIDGETS.group], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }]),
          binding('reader', 'widget-reader', 'reader'),
          role('status-writer', [
            { apiGroups: [WIDGETS.group], resources: ['widgets'], verbs: ['get'] },
            { apiGroups: [WIDGETS.group], resources: ['widgets/status'], verbs: ['patch'] },
            { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['bmc-a'] },
          ]),
          binding('status-writer', 'status-writer', 'writer'),
        ],
      },
    });
    const admin = fixture.kubeConfig().makeApiClient(CustomObjectsApi);
    await admin.createNamespacedCustomObject({ ...where, body: { apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, metadata: { name: 'w' }, spec: { size: 1 } } });
    const core = fixture.kubeConfig().makeApiClient(CoreV1Api);
    for (const name of ['bmc-a', 'bmc-b']) await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name }, stringData: { password: 'pw' } } });
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  const as = (sa: string) => fixture.kubeConfig({ token: fixture.tokenFor(NS, sa) });

  it('lets a token limited by a Role get but not patch, with the real 403 Status body', async () => {
    // Prepare
    const api = as('reader').makeApiClient(CustomObjectsApi);
    // Act
    const got = await statusOf(api.getNamespacedCustomObject({ ...where, name: 'w' }));
    const patched = await statusOf(api.patchNamespacedCustomObject({ ...where, name: 'w', body: { spec: { size: 2 } } }, merge));
    // Assess
    expect(got.code).toBe(200);
    expect(patched.code).toBe(403);
    expect(patched.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: `widgets.test.metal3.io "w" is forbidden: User "system:serviceaccount:default:reader" cannot patch resource "widgets" in API group "test.metal3.io" in the namespace "default"`,
      details: { name: 'w', group: 'test.metal3.io', kind: 'widgets' },
    });
  });

  it('grants widgets/status without granting the main resource', async () => {
    const api = as('writer').makeApiClient(CustomObjectsApi);
    const status = await statusOf(api.patchNamespacedCustomObjectStatus({ ...where, name: 'w', body: { status: { phase: 'Ready' } } }, merge));
    const main = await statusOf(api.patchNamespacedCustomObject({ ...where, name: 'w', body: { spec: { size: 3 } } }, merge));
    expect(status.code).toBe(200);
    expect(main.code).toBe(403);
  });

  it('honours resourceNames: one named Secret readable, another and the list not', async () => {
    const core = as('writer').makeApiClient(CoreV1Api);
    expect((await statusOf(core.readNamespacedSecret({ namespace: NS, name: 'bmc-a' }))).code).toBe(200);
    expect((await statusOf(core.readNamespacedSecret({ namespace: NS, name: 'bmc-b' }))).code).toBe(403);
    const list = await statusOf(core.listNamespacedSecret({ namespace: NS }));
    expect(list.code).toBe(403);
    expect(list.body.message).toBe('secrets is forbidden: User "system:serviceaccount:default:writer" cannot list resource "secrets" in API group "" in the namespace "default"');
  });

  it('denies a ServiceAccount without bindings, answers 401 to an unknown token, and allows the admin', async () => {
    const nobody = await statusOf(as('nobody').makeApiClient(CustomObjectsApi).listNamespacedCustomObject(where));
    const unknown = await statusOf(fixture.kubeConfig({ token: 'not-a-token' }).makeApiClient(CustomObjectsApi).listNamespacedCustomObject(where));
    const admin = await statusOf(fixture.kubeConfig().makeApiClient(CustomObjectsApi).listNamespacedCustomObject(where));
    expect(nobody.code).toBe(403);
    expect(unknown.code).toBe(401);
    expect(admin.code).toBe(200);
  });

  it('records who made each request', async () => {
    fixture.control.clearRequests();
    await statusOf(as('reader').makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...where, name: 'w' }));
    expect(fixture.control.requests.map((r) => [r.method, r.verb, r.user, r.status])).toEqual([['GET', 'get', 'system:serviceaccount:default:reader', 200]]);
  });
});
