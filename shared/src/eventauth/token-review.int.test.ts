/**
 * The deployed check end to end on a Kubernetes API: a ServiceAccount token from a TokenRequest
 * for one audience (what Knative's token provider asks for) passes our TokenReview verifier for
 * that audience only, with the ServiceAccount's user name; unknown tokens and other audiences do
 * not. Runs on the fixture (`npm test`) and on the real kube-apiserver (`npm run test:real-kube`),
 * which signs and reviews the tokens with its service-account key.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { kubeconfigObjectConnection } from '../k8s/kube-connection.ts';
import { createKubeRest } from '../k8s/kube-rest.ts';
import type { KubeRest } from '../k8s/kube-rest.ts';
import { connectCluster } from '../../../test/bed/cluster.ts';
import type { ClusterHandle } from '../../../test/bed/cluster.ts';
import { createTokenReviewVerifier } from './verifier.ts';

const AUD = 'serving.knative.dev/service/metal3/bmh-provision';

describe('TokenReview verifier (Kubernetes API)', () => {
  let cluster: ClusterHandle;
  let kube: KubeRest;

  async function tokenFor(serviceAccount: string, body: Record<string, unknown>): Promise<{ status: number; body: { status?: { token?: string; expirationTimestamp?: string }; message?: string } }> {
    return kube.request({
      method: 'POST', path: `/api/v1/namespaces/${cluster.namespace}/serviceaccounts/${serviceAccount}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', ...body }, what: `create token for ${serviceAccount}`, allow: [404, 422],
    });
  }

  beforeAll(async () => {
    cluster = await connectCluster({ namespacePrefix: 'tokrev' });
    kube = createKubeRest({ connection: kubeconfigObjectConnection(JSON.parse(cluster.kubeConfig().exportConfig())) });
    await kube.request({ method: 'POST', path: `/api/v1/namespaces/${cluster.namespace}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sender' } }, what: 'create serviceaccount' });
  }, 60_000);
  afterAll(async () => {
    kube?.close();
    await cluster?.stop();
  });

  it('accepts a token requested for the audience, as the ServiceAccount', async () => {
    // Prepare
    const res = await tokenFor('sender', { spec: { audiences: [AUD], expirationSeconds: 600 } });
    expect(res.status).toBe(201);
    const expires = Date.parse(res.body.status?.expirationTimestamp ?? '');
    expect(expires - Date.now()).toBeGreaterThan(590_000);
    // Act
    const v = await createTokenReviewVerifier(kube).verify(res.body.status!.token!, AUD);
    // Assess
    expect(v).toEqual({ ok: true, identity: `system:serviceaccount:${cluster.namespace}:sender`, groups: expect.arrayContaining(['system:serviceaccounts', `system:serviceaccounts:${cluster.namespace}`, 'system:authenticated']) });
  });

  it('refuses the same token for another audience, and an unknown token', async () => {
    const res = await tokenFor('sender', { spec: { audiences: [AUD], expirationSeconds: 600 } });
    const verifier = createTokenReviewVerifier(kube);
    const other = await verifier.verify(res.body.status!.token!, 'eventing.knative.dev/broker/metal3/bmh');
    expect(other.ok).toBe(false);
    expect(!other.ok && other.reason).toMatch(/audience/);
    expect((await verifier.verify('not-a-token', AUD)).ok).toBe(false);
  });

  it('refuses a token whose audience is the API server\'s own (a pod\'s default token)', async () => {
    const res = await tokenFor('sender', { spec: { expirationSeconds: 600 } });
    expect(res.status).toBe(201);
    expect((await createTokenReviewVerifier(kube).verify(res.body.status!.token!, AUD)).ok).toBe(false);
  });

  it('answers TokenRequest as the API server does: 404 for a missing ServiceAccount, 422 under ten minutes', async () => {
    expect((await tokenFor('nobody', { spec: { audiences: [AUD] } })).status).toBe(404);
    const short = await tokenFor('sender', { spec: { audiences: [AUD], expirationSeconds: 60 } });
    expect(short.status).toBe(422);
    expect(short.body.message).toMatch(/may not specify a duration less than 10 minutes/);
  });
});
