/**
 * Authenticated events on the real bed (Ironic, Kubernetes API): forged requests get 401 or 403
 * with the reason and change nothing (host object, Ironic, Events), and the genuine sender gets
 * through, in both models:
 *
 * - deployed: a function checks the bearer token with a Kubernetes TokenReview for its audience
 *   (tokens from TokenRequest, as Knative's token provider gets them) and the policy table;
 * - in process: the broker checks its signed tokens and the table on every publish, and signs
 *   each delivery for the function's audience.
 *
 * Expiry is exercised with the broker's tokens only: TokenRequest will not mint a token shorter
 * than ten minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HTTP } from 'cloudevents';
import type { CloudEvent } from 'cloudevents';
import { buildRequestedEvent } from '../../events/src/build.ts';
import { EventType } from '../../events/src/types.ts';
import { startBroker } from '../../shared/src/broker/broker.ts';
import type { Broker } from '../../shared/src/broker/broker.ts';
import { EventUnauthenticatedError } from '../../shared/src/errors.ts';
import { functionEventAuth } from '../../shared/src/eventauth/function-auth.ts';
import { createTokenIssuer } from '../../shared/src/eventauth/jwt.ts';
import { allowedTypes, brokerAudience, brokerSenders, functionAudience, functionSenders, oidcServiceAccountOf, serviceAccountUser, triggerOwner, watcherOwner } from '../../shared/src/eventauth/policy.ts';
import { createJwtVerifier, createTokenReviewVerifier } from '../../shared/src/eventauth/verifier.ts';
import { createFunctionModule } from '../../shared/src/handler/runtime.ts';
import type { FunctionModuleOptions } from '../../shared/src/handler/runtime.ts';
import { serveFunction } from '../../shared/src/handler/serve.ts';
import { kubeconfigObjectConnection } from '../../shared/src/k8s/kube-connection.ts';
import { createKubeRest } from '../../shared/src/k8s/kube-rest.ts';
import type { KubeRest } from '../../shared/src/k8s/kube-rest.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { createLogger } from '../../shared/src/log.ts';
import { freePort } from '../../shared/src/runner/free-port.ts';
import { TRANSITION_FUNCTIONS } from '../../shared/src/runner/all-in-one.ts';
import { startFunctionsBed } from '../integration/support/functions-bed.ts';
import type { FunctionsBed } from '../integration/support/functions-bed.ts';

interface Answer { status: number; body: { message?: string; error?: string }; wwwAuthenticate: string | null }

async function post(url: string, event: CloudEvent<unknown>, token?: string): Promise<Answer> {
  const msg = HTTP.binary(event);
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...(msg.headers as Record<string, string>), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: msg.body as string,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) as Answer['body'] : {}, wwwAuthenticate: res.headers.get('www-authenticate') };
}

describe('authenticated events (real Ironic, Kubernetes API)', () => {
  let bed: FunctionsBed;
  let kube: KubeRest;
  const servers: Server[] = [];
  const lines: string[] = [];

  async function serveEnroll(auth: FunctionModuleOptions['auth'], deps = bed.deps): Promise<string> {
    const port = await freePort();
    const module = createFunctionModule(TRANSITION_FUNCTIONS.enroll, { deps: () => deps, ...(auth ? { auth } : {}) });
    servers.push(await serveFunction(module, { FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'silent', METRICS_PORT: 'off' }));
    return `http://127.0.0.1:${port}/`;
  }

  async function serviceAccountToken(name: string, audience: string): Promise<string> {
    await kube.request({ method: 'POST', path: `/api/v1/namespaces/${bed.namespace}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }, what: 'create serviceaccount', allow: [409] });
    const res = await kube.request<{ status: { token: string } }>({
      method: 'POST', path: `/api/v1/namespaces/${bed.namespace}/serviceaccounts/${name}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [audience], expirationSeconds: 600 } }, what: 'create token',
    });
    return res.body.status.token;
  }

  /** Everything a forged event could have changed: the object, its Events, Ironic traffic. */
  async function snapshot(name: string) {
    const host = (await bed.getHost(name)) as StoredHost;
    return { resourceVersion: host.metadata.resourceVersion, status: host.status, events: (await bed.eventsOf(name)).length, ironic: bed.recorded.requests.length };
  }

  const enrollEvent = async (name: string, type: 'enroll' | 'provision' = 'enroll') =>
    buildRequestedEvent({ host: (await bed.getHost(name))!, transition: type, reason: 'external', source: '/metal3/watcher/local' });

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'evauth', logLines: lines });
    kube = createKubeRest({ connection: kubeconfigObjectConnection(JSON.parse(bed.cluster.kubeConfig().exportConfig())) });
    await bed.createSecret('creds', { username: 'admin', password: 'evauth-pass-8817' });
  }, 180_000);
  afterAll(async () => {
    await Promise.allSettled(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections?.(); s.close(() => r()); })));
    kube?.close();
    await bed?.stop();
  });

  describe('deployed: the function reviews the token with the Kubernetes API', () => {
    let url: string;
    let triggerToken: string;
    let intruderToken: string;
    let wrongAudienceToken: string;

    beforeAll(async () => {
      const audience = functionAudience('enroll', bed.namespace);
      url = await serveEnroll(() => functionEventAuth('enroll', { EVENT_AUDIENCE: '', EVENT_NAMESPACE: bed.namespace, EVENT_SENDERS: '' }, createTokenReviewVerifier(kube)));
      const triggerSa = oidcServiceAccountOf(triggerOwner('enroll'));
      triggerToken = await serviceAccountToken(triggerSa, audience);
      intruderToken = await serviceAccountToken('intruder', audience);
      wrongAudienceToken = await serviceAccountToken(triggerSa, brokerAudience(bed.namespace));
      await bed.createHost('reviewed', { online: false, automatedCleaningMode: 'disabled', bmc: { address: 'fake://reviewed', credentialsName: 'creds' } });
    }, 60_000);

    it.each([
      { case: 'no token', token: () => undefined, status: 401, reason: /no bearer token/ },
      { case: 'a made-up token', token: () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2ln', status: 401, reason: /not accepted for audience/ },
      { case: 'the Trigger\'s token for another audience', token: () => wrongAudienceToken, status: 401, reason: /audience serving.knative.dev\/service\/.*\/bmh-enroll/ },
      { case: 'a valid ServiceAccount the table does not name', token: () => intruderToken, status: 403, reason: /intruder may not send events here/ },
    ])('answers $status to $case and changes nothing', async ({ token, status, reason }) => {
      // Prepare
      const before = await snapshot('reviewed');
      // Act
      const res = await post(url, await enrollEvent('reviewed'), token());
      // Assess
      expect(res.status).toBe(status);
      expect(res.body.message).toMatch(reason);
      if (status === 401) expect(res.wwwAuthenticate).toBe('Bearer');
      expect(await snapshot('reviewed')).toEqual(before);
    });

    it('answers 403 to its own Trigger sending another type, and changes nothing', async () => {
      const before = await snapshot('reviewed');
      const res = await post(url, await enrollEvent('reviewed', 'provision'), triggerToken);
      expect(res.status).toBe(403);
      expect(res.body.message).toContain(`may not send ${EventType.provision}`);
      expect(await snapshot('reviewed')).toEqual(before);
    });

    it('lets its Trigger deliver its type: the host is registered', async () => {
      const res = await post(url, await enrollEvent('reviewed'), triggerToken);
      expect(res.status).toBe(200);
      expect((await bed.getHost('reviewed'))?.status?.provisioning?.state).toBeTruthy();
    });

    it('does the same when configured as deployed (EVENT_AUTH=tokenreview, the Kubernetes connection from KUBECONFIG)', async () => {
      // Prepare: the function builds its own verifier from its configuration and kubeconfig
      const dir = await mkdtemp(join(tmpdir(), 'evauth-'));
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, bed.cluster.kubeConfig().exportConfig(), { mode: 0o600 });
      const saved = process.env.KUBECONFIG;
      process.env.KUBECONFIG = kubeconfig;
      let configured: string;
      try {
        configured = await serveEnroll(undefined, { ...bed.deps, config: { ...bed.deps.config, EVENT_AUTH: 'tokenreview', EVENT_NAMESPACE: bed.namespace } });
      } finally {
        if (saved === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = saved;
        await rm(dir, { recursive: true, force: true });
      }
      const before = await snapshot('reviewed');
      // Act
      const refused = await Promise.all([undefined, intruderToken, wrongAudienceToken].map(async (t) => (await post(configured, await enrollEvent('reviewed'), t)).status));
      const after = await snapshot('reviewed');
      const admitted = await post(configured, await enrollEvent('reviewed'), triggerToken);
      // Assess
      expect(refused).toEqual([401, 403, 401]);
      expect(after).toEqual(before);
      expect(admitted.status).toBe(200);
    });

    it('never writes a token to the log', () => {
      const text = lines.join('\n');
      for (const t of [triggerToken, intruderToken, wrongAudienceToken]) expect(text).not.toContain(t);
      expect(text).toContain('request refused');
    });
  });

  describe('in process: the broker signs and checks every token', () => {
    let broker: Broker;
    let functionUrl: string;
    let skewMs = 0;
    const issuer = createTokenIssuer({ issuer: 'metal3-functions/in-process-broker', now: () => Date.now() + skewMs });
    const watcher = () => serviceAccountUser(bed.namespace, oidcServiceAccountOf(watcherOwner()));
    const replies = () => serviceAccountUser(bed.namespace, oidcServiceAccountOf(triggerOwner('enroll')));

    beforeAll(async () => {
      const audience = functionAudience('enroll', bed.namespace);
      functionUrl = await serveEnroll(() => ({ verifier: createJwtVerifier({ publicKey: issuer.publicKey, issuer: issuer.issuer }), audience, allowed: allowedTypes(functionSenders('enroll', bed.namespace)) }));
      broker = await startBroker({
        log: createLogger({ level: 'silent' }),
        auth: { issuer, audience: brokerAudience(bed.namespace), senders: brokerSenders(bed.namespace) },
        triggers: [{ name: 'enroll', type: EventType.enroll, subscriber: functionUrl, identity: replies(), audience, delivery: { retry: 2, backoffDelayMs: 50 } }],
      });
      await bed.createHost('brokered', { online: false, automatedCleaningMode: 'disabled', bmc: { address: 'fake://brokered', credentialsName: 'creds' } });
    }, 60_000);
    afterAll(async () => { await broker?.close(); });

    const forged = [
      { case: 'no token', token: () => undefined, status: 401, reason: /no bearer token/ },
      { case: 'a token signed with another key', token: () => createTokenIssuer({ issuer: issuer.issuer }).issue(watcher(), brokerAudience(bed.namespace)), status: 401, reason: /signature is invalid/ },
      {
        case: 'an expired watcher token', status: 401, reason: /expired/,
        token: () => { skewMs = -3_600_000; try { return issuer.issue(watcher(), brokerAudience(bed.namespace), 60); } finally { skewMs = 0; } },
      },
      { case: 'a valid identity the table does not name', token: () => issuer.issue(serviceAccountUser(bed.namespace, 'intruder'), brokerAudience(bed.namespace)), status: 403, reason: /intruder may not send events here/ },
      { case: 'the enroll Trigger\'s identity sending enroll (its own type)', token: () => issuer.issue(replies(), brokerAudience(bed.namespace)), status: 403, reason: /may not send io.metal3.baremetalhost.enroll.requested/ },
    ];

    it.each(forged)('the ingress answers $status to $case; nothing is routed or changed', async ({ token, status, reason }) => {
      // Prepare
      const before = await snapshot('brokered');
      const received = broker.stats.received;
      // Act
      const res = await post(broker.url, await enrollEvent('brokered'), token());
      await broker.idle();
      // Assess
      expect(res.status).toBe(status);
      expect(res.body.error).toMatch(reason);
      expect(broker.stats.received).toBe(received);
      expect(broker.stats.delivered).toBe(0);
      expect(await snapshot('brokered')).toEqual(before);
    });

    it('refuses an in-process publish without a token the same way', async () => {
      const received = broker.stats.received;
      const event = await enrollEvent('brokered');
      expect(() => broker.publish(event)).toThrow(EventUnauthenticatedError);
      expect(() => broker.publish(event, 'not-a-token')).toThrow(EventUnauthenticatedError);
      expect(broker.stats.received).toBe(received);
    });

    it.each([
      { case: 'without a token', token: () => undefined },
      { case: 'with a watcher token for the Broker\'s audience', token: () => issuer.issue(watcher(), brokerAudience(bed.namespace)) },
    ])('the function answers 401 to a request $case that bypasses the broker', async ({ token }) => {
      const before = await snapshot('brokered');
      const res = await post(functionUrl, await enrollEvent('brokered'), token());
      expect(res.status).toBe(401);
      expect(await snapshot('brokered')).toEqual(before);
    });

    it('checks the caller before the event: a malformed event is 401 without a token, 400 with its Trigger\'s', async () => {
      // Prepare: not a CloudEvent at all
      const send = async (token?: string) => (await fetch(functionUrl, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: '{"hello":"world"}',
      })).status;
      // Act + Assess
      expect(await send()).toBe(401);
      expect(await send(issuer.issue(replies(), functionAudience('enroll', bed.namespace)))).toBe(400);
    });

    it('delivers the watcher\'s event with a token for the function: the host is registered', async () => {
      // Act
      const res = await post(broker.url, await enrollEvent('brokered'), broker.tokenSource(watcher())());
      await broker.idle();
      // Assess
      expect(res.status).toBe(202);
      expect(broker.stats.delivered).toBe(1);
      expect(broker.deadLetters).toEqual([]);
      expect((await bed.getHost('brokered'))?.status?.provisioning?.state).toBeTruthy();
    });
  });
});
