/**
 * The external function's least privilege, proven: its generated Role (hosts in the hosts' namespace),
 * ClusterRole (HostClaims, Events) and the auth-delegator binding (TokenReview, SubjectAccessReview)
 * are loaded into the API fixture with enforcement on, with the built-in `system:auth-delegator`
 * ClusterRole as kube-apiserver ships it. The handler authenticates as `bmh-external` and serves a
 * sender's reboot, power, claim and release requests without one refused call of its own; what its
 * table does not say (host status, Secrets, deleting hosts) it may not do.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildBareMetalHostCrd, buildHardwareDataCrd, buildHostClaimCrd, buildHostDeployPolicyCrd } from '../../shared/src/api/crd.ts';
import { ExternalEventType } from '../../events/src/external.ts';
import { functionAudience } from '../../shared/src/eventauth/policy.ts';
import { createTokenReviewVerifier } from '../../shared/src/eventauth/verifier.ts';
import { createExternalHandler } from '../../shared/src/handler/external-runtime.ts';
import { createSubjectAccessReviewer } from '../../shared/src/k8s/access-review.ts';
import { kubeconfigObjectConnection } from '../../shared/src/k8s/kube-connection.ts';
import { createKubeRest } from '../../shared/src/k8s/kube-rest.ts';
import type { KubeRest } from '../../shared/src/k8s/kube-rest.ts';
import { silentLogger } from '../../shared/src/log.ts';
import { buildTokenReviewBinding } from '../../shared/src/manifests/event-policy.ts';
import { HOST_NAMESPACE, NAMESPACE, serviceAccountOf } from '../../shared/src/manifests/names.ts';
import { withDefaults } from '../../shared/src/manifests/options.ts';
import { buildRbac } from '../../shared/src/manifests/rbac.ts';
import { external } from '../../functions/external/src/transition.ts';
import { startKubeApi } from '../bed/kube-api/index.ts';
import type { KubeApiFixture } from '../bed/kube-api/index.ts';

const TENANT = 'team-ext';
const OPS = 'ops';
const AUDIENCE = functionAudience('external', NAMESPACE);
let api: KubeApiFixture;
let asExternal: KubeRest;
let admin: KubeRest;

const restAs = (token?: string) => createKubeRest({ connection: kubeconfigObjectConnection(JSON.parse(api.kubeConfig(token ? { token } : {}).exportConfig())) });

/** `system:auth-delegator` as kube-apiserver 1.32 bootstraps it */
const AUTH_DELEGATOR = {
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:auth-delegator' },
  rules: [
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ],
};

beforeAll(async () => {
  const o = withDefaults();
  const rbacObjects = [...buildRbac('external', o).map((x) => x.toJSON() as object), buildTokenReviewBinding(o).toJSON() as object, AUTH_DELEGATOR];
  api = await startKubeApi({
    crds: [buildBareMetalHostCrd(), buildHardwareDataCrd(), buildHostClaimCrd(), buildHostDeployPolicyCrd()],
    namespaces: ['default', NAMESPACE, HOST_NAMESPACE, TENANT, OPS], rbac: { enforce: true, objects: rbacObjects },
  });
  asExternal = restAs(api.tokenFor(NAMESPACE, serviceAccountOf('external')));
  admin = restAs();
}, 60_000);

afterAll(async () => {
  asExternal?.close();
  admin?.close();
  await api?.stop();
});

describe('external function under its generated Roles', () => {
  it('serves a sender\'s reboot, power, claim and release requests with no refused call of its own', async () => {
    // Prepare (as the admin): a host; a sender whose RBAC allows those changes
    api.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'h0', namespace: HOST_NAMESPACE }, spec: { online: false } });
    api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: OPS } });
    const bot = [{ kind: 'ServiceAccount', name: 'bot', namespace: OPS }];
    api.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'hosts', namespace: HOST_NAMESPACE }, rules: [{ apiGroups: ['metal3.io'], resources: ['baremetalhosts'], verbs: ['patch'] }] });
    api.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bot', namespace: HOST_NAMESPACE }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hosts' }, subjects: bot });
    api.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'claims', namespace: TENANT }, rules: [{ apiGroups: ['metal3.io'], resources: ['hostclaims'], verbs: ['create', 'delete'] }] });
    api.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bot', namespace: TENANT }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'claims' }, subjects: bot });
    const token = (await admin.request<{ status: { token: string } }>({
      method: 'POST', path: `/api/v1/namespaces/${OPS}/serviceaccounts/bot/token`, what: 'create token',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [AUDIENCE] } },
    })).body.status.token;
    const handler = createExternalHandler(external, { kube: asExternal, reviewer: createSubjectAccessReviewer(asExternal), log: silentLogger }, { verifier: createTokenReviewVerifier(asExternal), audience: AUDIENCE });
    let n = 0;
    const send = (type: string, data: unknown, bearer = token) =>
      handler.processRequest({ headers: { authorization: `Bearer ${bearer}` } }, { specversion: '1.0', id: `r${++n}`, source: '/ops/bot', type, data });
    api.control.clearRequests();

    // Act
    const results = [
      await send(ExternalEventType.reboot, { host: { namespace: HOST_NAMESPACE, name: 'h0' } }),
      await send(ExternalEventType.power, { host: { namespace: HOST_NAMESPACE, name: 'h0' }, online: true }),
      await send(ExternalEventType.claim, { claim: { namespace: TENANT, name: 'c' }, spec: { online: true } }),
      await send(ExternalEventType.release, { claim: { namespace: TENANT, name: 'c' } }),
    ];
    // a sender without the grant: refused by the review, not by the function's own rights
    const refused = await send(ExternalEventType.claim, { claim: { namespace: HOST_NAMESPACE, name: 'x' }, spec: {} });

    // Assess
    expect(results.map((r) => r.kind)).toEqual(['progressed', 'progressed', 'progressed', 'progressed']);
    expect(refused).toMatchObject({ kind: 'unauthorized', message: expect.stringContaining(`system:serviceaccount:${OPS}:bot may not create hostclaims`) });
    const host = (await admin.request<{ metadata: { annotations?: Record<string, string> }; spec: { online: boolean } }>({ method: 'GET', path: `/apis/metal3.io/v1alpha1/namespaces/${HOST_NAMESPACE}/baremetalhosts/h0`, what: 'get host' })).body;
    expect([host.metadata.annotations?.['reboot.metal3.io'], host.spec.online]).toEqual(['', true]);
    const own = api.control.requests.filter((r) => r.user === `system:serviceaccount:${NAMESPACE}:bmh-external`);
    expect(own.map((r) => r.verb).sort()).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'patch']));
    expect(own.filter((r) => r.status === 403).map((r) => `${r.verb} ${r.path}`)).toEqual([]);
  });

  it('may not write host status, delete hosts, or read Secrets', async () => {
    const tries = [
      asExternal.request({ method: 'PATCH', path: `/apis/metal3.io/v1alpha1/namespaces/${HOST_NAMESPACE}/baremetalhosts/h0/status`, body: { status: { poweredOn: true } }, contentType: 'application/merge-patch+json', what: 'patch status', allow: [403] }),
      asExternal.request({ method: 'DELETE', path: `/apis/metal3.io/v1alpha1/namespaces/${HOST_NAMESPACE}/baremetalhosts/h0`, what: 'delete host', allow: [403] }),
      asExternal.request({ method: 'GET', path: `/api/v1/namespaces/${HOST_NAMESPACE}/secrets`, what: 'list secrets', allow: [403] }),
      asExternal.request({ method: 'PATCH', path: `/apis/metal3.io/v1alpha1/namespaces/${TENANT}/hostclaims/c/status`, body: { status: {} }, contentType: 'application/merge-patch+json', what: 'patch claim status', allow: [403] }),
    ];
    expect((await Promise.all(tries)).map((r) => r.status)).toEqual([403, 403, 403, 403]);
  });
});
