/**
 * External triggers end to end: outside senders call the `external` function with a token the API
 * server issued for its audience; the cluster's own RBAC (a SubjectAccessReview for the sender)
 * decides whether the one Kubernetes write a request stands for is made; the functions then act on
 * that write as on any user's. The all-in-one runner (watcher, broker, the five transition functions,
 * the claim function and the external function over real HTTP), a real Ironic and fake:// hosts;
 * the fixture (`npm test`) or the real kube-apiserver (`npm run test:real-kube`), whose TokenReview
 * and SubjectAccessReview answer for real.
 *
 * - allowed: a claim created through an event is bound and provisioned; a reboot annotation is
 *   written and served (the host powered off and on, the annotation gone); a power request turns an
 *   unclaimed host on; an inspection request re-inspects an available host; a release deletes the claim and
 *   the host is deprovisioned back to available. Each write carries an Event naming the sender.
 * - refused identity (valid token, no RBAC for the write): 403 with the reason, nothing changed;
 * - malformed (valid token): 400 with the reason, nothing changed;
 * - forged or unauthenticated (no token, an unknown token, a token for another audience): 401, nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import { ExternalEventType } from '../../../events/src/external.ts';
import { brokerAudience } from '../../../shared/src/eventauth/policy.ts';
import { HOST_CLAIMS, HOST_DEPLOY_POLICIES } from '../../../shared/src/k8s/claim-store.ts';
import { GROUP, HOSTS, VERSION } from '../../../shared/src/k8s/host-store.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { kubeconfigObjectConnection } from '../../../shared/src/k8s/kube-connection.ts';
import { createKubeRest } from '../../../shared/src/k8s/kube-rest.ts';
import type { KubeRest } from '../../../shared/src/k8s/kube-rest.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { startAllInOne } from '../../../shared/src/runner/all-in-one.ts';
import type { AllInOne } from '../../../shared/src/runner/all-in-one.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';
import { pollUntil } from '../support/poll-until.ts';

const CHECKSUM = 'd41d8cd98f00b204e9800998ecf8427e';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

interface Answer { status: number; body: { result?: string; message?: string; reason?: string; issues?: { path: string }[] } }

describe('external triggers, authorised by the cluster\'s RBAC (all-in-one runner, real Ironic)', () => {
  let bed: FunctionsBed;
  let app: AllInOne;
  let kube: KubeRest;
  const tenant = `ext-${Math.random().toString(36).slice(2, 8)}`;
  const lines: string[] = [];
  const tokens: Record<'operator' | 'intruder' | 'operatorForBroker', string> = { operator: '', intruder: '', operatorForBroker: '' };
  let sequence = 0;

  const claimsAt = () => ({ group: GROUP, version: VERSION, plural: HOST_CLAIMS, namespace: tenant });
  const getClaim = async (name: string): Promise<StoredClaim | undefined> => {
    try {
      return (await bed.custom.getNamespacedCustomObject({ ...claimsAt(), name })) as StoredClaim;
    } catch {
      return undefined;
    }
  };
  const hostNow = async (name: string): Promise<StoredHost> => (await bed.getHost(name))!;
  /** what a sender could change: annotations and spec (status belongs to the functions) */
  const writable = (h: StoredHost) => JSON.stringify({ annotations: h.metadata.annotations ?? {}, spec: h.spec });

  const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => pollUntil(what, probe, {
    timeoutMs,
    describe: async () => {
      const hosts = ((await bed.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: HOSTS, namespace: bed.namespace })) as { items: StoredHost[] }).items;
      return `hosts ${JSON.stringify(hosts.map((h) => [h.metadata.name, h.status?.provisioning?.state, h.status?.poweredOn, h.metadata.annotations, h.status?.errorMessage]))}`;
    },
  });

  /** A CloudEvent in binary mode, as an outside system sends it with curl. */
  async function send(type: string, data: unknown, token: string | undefined, extraHeaders: Record<string, string> = {}): Promise<Answer> {
    const headers: Record<string, string> = {
      'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': `ext-${++sequence}`, 'ce-source': '/ops/maintenance-bot', 'ce-type': type, ...extraHeaders,
    };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(app.externalUrl!, { method: 'POST', headers, body: typeof data === 'string' ? data : JSON.stringify(data) });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }

  async function tokenFor(serviceAccount: string, audience: string): Promise<string> {
    const res = await kube.request<{ status: { token: string } }>({
      method: 'POST', path: `/api/v1/namespaces/${bed.namespace}/serviceaccounts/${serviceAccount}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [audience], expirationSeconds: 3600 } }, what: 'create token',
    });
    return res.body.status.token;
  }

  const create = (path: string, body: unknown) => kube.request({ method: 'POST', path, body, what: `create ${path}` });

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'exttrig' });
    kube = createKubeRest({ connection: kubeconfigObjectConnection(JSON.parse(bed.cluster.kubeConfig().exportConfig())) });
    await bed.core.createNamespace({ body: { metadata: { name: tenant } } });
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    app = await startAllInOne({
      kubeConfig: bed.cluster.kubeConfig(), ironicUrl: bed.ironicEndpoint.url, log, namespace: bed.namespace, claims: true, external: true,
      env: { ENABLE_FAKE_BMC: 'true', BACKOFF_BASE_MS: '500', DEPLOY_KERNEL_URL: bed.config.DEPLOY_KERNEL_URL ?? '', DEPLOY_RAMDISK_URL: bed.config.DEPLOY_RAMDISK_URL ?? '' },
      pollActiveMs: 300, pollIdleMs: 1_000, resyncMs: 3_000, metricsPort: 'off',
    });
    // the senders: an operator whom RBAC lets patch hosts and create or delete the tenant's claims, and an intruder with no grant
    for (const name of ['operator', 'intruder']) await create(`/api/v1/namespaces/${bed.namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    const operator = [{ kind: 'ServiceAccount', name: 'operator', namespace: bed.namespace }];
    await create(`${RBAC}/namespaces/${bed.namespace}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'host-operator' }, rules: [{ apiGroups: ['metal3.io'], resources: ['baremetalhosts'], verbs: ['get', 'patch'] }] });
    await create(`${RBAC}/namespaces/${bed.namespace}/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'host-operator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'host-operator' }, subjects: operator });
    await create(`${RBAC}/namespaces/${tenant}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'claimer' }, rules: [{ apiGroups: ['metal3.io'], resources: ['hostclaims'], verbs: ['get', 'create', 'delete'] }] });
    await create(`${RBAC}/namespaces/${tenant}/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'claimer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'claimer' }, subjects: operator });
    tokens.operator = await tokenFor('operator', app.externalAudience!);
    tokens.intruder = await tokenFor('intruder', app.externalAudience!);
    tokens.operatorForBroker = await tokenFor('operator', brokerAudience());

    // the infrastructure team's hosts and policy; the tenant's user data
    await bed.createSecret('creds', { username: 'admin', password: 'ext-trigger-bmc-5531' });
    for (const name of ['pool-0', 'spare-0']) {
      await bed.createHost(name, { online: false, automatedCleaningMode: 'disabled', bmc: { address: `fake://${name}`, credentialsName: 'creds' } }, { labels: { pool: name.startsWith('pool') ? 'gold' : 'spare' } });
    }
    await until('hosts available', async () => ((await Promise.all(['pool-0', 'spare-0'].map(hostNow))).every((h) => h.status?.provisioning?.state === 'available') ? true : undefined));
    await bed.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: HOST_DEPLOY_POLICIES, namespace: bed.namespace,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostDeployPolicy', metadata: { name: 'tenants' }, spec: { hostClaimNamespaces: { names: [tenant] } } },
    });
    await bed.core.createNamespacedSecret({ namespace: tenant, body: { metadata: { name: 'ud' }, stringData: { userData: '#cloud-config\n' } } });
  }, 240_000);

  afterAll(async () => {
    await app?.stop();
    kube?.close();
    await bed?.core.deleteNamespace({ name: tenant }).catch(() => undefined);
    await bed?.stop();
  });

  it('refuses forged and unauthenticated requests with 401 and changes nothing', async () => {
    // Prepare
    const before = writable(await hostNow('pool-0'));
    const powerOn = { host: { namespace: bed.namespace, name: 'pool-0' }, online: true };
    // Act
    const answers = [
      await send(ExternalEventType.power, powerOn, undefined),
      await send(ExternalEventType.power, powerOn, 'forged-token-of-nobody'),
      // a genuine token of an allowed identity, but for the Broker's audience, not this function's
      await send(ExternalEventType.power, powerOn, tokens.operatorForBroker),
      await send(ExternalEventType.power, powerOn, `${tokens.operator.slice(0, -4)}AAAA`),
    ];
    // Assess
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(answers[0]!.body.message).toMatch(/no bearer token/);
    await sleep(500);
    expect(writable(await hostNow('pool-0'))).toBe(before);
  });

  it('refuses an identity RBAC does not allow with 403 naming what it may not do, and changes nothing', async () => {
    // Prepare
    const before = writable(await hostNow('pool-0'));
    // Act
    const power = await send(ExternalEventType.power, { host: { namespace: bed.namespace, name: 'pool-0' }, online: true }, tokens.intruder);
    const reboot = await send(ExternalEventType.reboot, { host: { namespace: bed.namespace, name: 'pool-0' }, mode: 'hard' }, tokens.intruder);
    const claim = await send(ExternalEventType.claim, { claim: { namespace: tenant, name: 'stolen' }, spec: { online: true } }, tokens.intruder);
    // the operator may claim in the tenant's namespace only, not in the hosts' namespace
    const elsewhere = await send(ExternalEventType.claim, { claim: { namespace: bed.namespace, name: 'elsewhere' }, spec: { online: true } }, tokens.operator);
    // Assess
    expect([power.status, reboot.status, claim.status, elsewhere.status]).toEqual([403, 403, 403, 403]);
    expect(power.body.message).toContain(`system:serviceaccount:${bed.namespace}:intruder may not patch baremetalhosts "pool-0"`);
    expect(claim.body.message).toContain(`may not create hostclaims (API group metal3.io) in namespace "${tenant}"`);
    expect(elsewhere.body.message).toContain(`system:serviceaccount:${bed.namespace}:operator may not create hostclaims`);
    await sleep(500);
    expect(writable(await hostNow('pool-0'))).toBe(before);
    expect([await getClaim('stolen'), await getClaim('elsewhere')]).toEqual([undefined, undefined]);
    expect((await bed.eventsOf('pool-0')).filter((e) => e.reason === 'ExternalTrigger')).toEqual([]);
  });

  it('refuses malformed requests with 400 and the reason, and changes nothing', async () => {
    // Prepare
    const before = writable(await hostNow('pool-0'));
    const host = { namespace: bed.namespace, name: 'pool-0' };
    // Act
    const cases = [
      await send('io.metal3.external.delete.requested', { host }, tokens.operator),
      await send(ExternalEventType.power, { host, online: 'off' }, tokens.operator),
      await send(ExternalEventType.reboot, { host, annotations: { 'baremetalhost.metal3.io/paused': '' } }, tokens.operator),
      await send(ExternalEventType.power, '{"host":', tokens.operator),
      await send(ExternalEventType.power, { host, online: true }, tokens.operator, { 'ce-subject': `${bed.namespace}/spare-0` }),
      await send(ExternalEventType.claim, { claim: { namespace: tenant, name: 'bad' }, spec: { online: true, status: { phase: 'Bound' } } }, tokens.operator),
    ];
    // Assess
    expect(cases.map((c) => c.status)).toEqual([400, 400, 400, 400, 400, 400]);
    // a body that is not JSON at all is refused by the function's HTTP server before anything runs, as for every function
    expect(cases.map((c) => c.body.issues?.[0]?.path)).toEqual(['type', 'data.online', 'data', undefined, 'subject', 'data.spec']);
    expect(cases[0]!.body.message).toMatch(/unknown event type/);
    expect(cases[3]!.body.message).toMatch(/JSON/);
    await sleep(500);
    expect(writable(await hostNow('pool-0'))).toBe(before);
    expect(await getClaim('bad')).toBeUndefined();
  });

  it('answers 404 for a host that does not exist', async () => {
    const answer = await send(ExternalEventType.inspect, { host: { namespace: bed.namespace, name: 'no-such-host' } }, tokens.operator);
    expect(answer.status).toBe(404);
  });

  it('makes each allowed request as a Kubernetes write the functions act on: claim, reboot, power, inspect, release', async () => {
    const identity = `system:serviceaccount:${bed.namespace}:operator`;
    const image = { url: bed.files.urls['/images/host.qcow2'], checksum: CHECKSUM, checksumType: 'md5', format: 'qcow2' };

    // Act 1: claim a machine → the claim function binds it, provision provisions it
    const claimed = await send(ExternalEventType.claim, { claim: { namespace: tenant, name: 'm1' }, spec: { online: true, image, userData: { name: 'ud' }, hostSelector: { matchLabels: { pool: 'gold' } } } }, tokens.operator);
    expect(claimed).toMatchObject({ status: 200, body: { result: 'progressed', reason: `create hostclaim ${tenant}/m1` } });
    const bound = await until('claim m1 bound and provisioned', async () => {
      const c = await getClaim('m1');
      return c?.status?.phase === 'Bound' && c.status.state === 'provisioned' && c.status.poweredOn === true ? c : undefined;
    }, 180_000);
    expect(bound.status?.bareMetalHost?.name).toBe('pool-0');
    // the same request again changes nothing
    expect((await send(ExternalEventType.claim, { claim: { namespace: tenant, name: 'm1' }, spec: { online: true } }, tokens.operator)).body.result).toBe('ignored');

    // Act 2: reboot → the annotation is written, the power function powers the host off, removes it, powers it on
    const rebooted = await send(ExternalEventType.reboot, { host: { namespace: bed.namespace, name: 'pool-0' }, mode: 'hard' }, tokens.operator);
    expect(rebooted).toMatchObject({ status: 200, body: { result: 'progressed', reason: `annotate baremetalhost ${bed.namespace}/pool-0 reboot.metal3.io="{\\"mode\\":\\"hard\\"}"` } });
    await until('reboot served (annotation removed, host on again)', async () => {
      const h = await hostNow('pool-0');
      return h.metadata.annotations?.['reboot.metal3.io'] === undefined && h.status?.poweredOn === true ? true : undefined;
    });
    const rebootEvents = (await bed.eventsOf('pool-0')).map((e) => `${e.reason}: ${e.note}`);
    expect(rebootEvents).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^ExternalTrigger: annotate .*reboot\\.metal3\\.io.*requested by ${identity}`))]));

    // Act 3: power on an unclaimed host → spec.online true, the power function turns it on
    // (a claimed host's power follows its claim's online: the claim function keeps the host in line with it)
    expect((await hostNow('spare-0')).status?.poweredOn).toBe(false);
    expect((await send(ExternalEventType.power, { host: { namespace: bed.namespace, name: 'spare-0' }, online: true }, tokens.operator)).status).toBe(200);
    await until('spare-0 powered on', async () => ((await hostNow('spare-0')).status?.poweredOn === true ? true : undefined));
    expect((await hostNow('spare-0')).spec?.online).toBe(true);

    // Act 4: inspect an available host again → the inspect function re-inspects it and consumes the annotation
    type History = { operationHistory?: { inspect?: { start?: string } } };
    const inspectedAt = (h: StoredHost) => (h.status as History | undefined)?.operationHistory?.inspect?.start;
    const firstInspection = inspectedAt(await hostNow('spare-0'));
    expect(firstInspection).toBeDefined();
    await sleep(1_100); // timestamps have second resolution
    expect((await send(ExternalEventType.inspect, { host: { namespace: bed.namespace, name: 'spare-0' } }, tokens.operator)).status).toBe(200);
    await until('spare-0 inspected again and available', async () => {
      const h = await hostNow('spare-0');
      return h.status?.provisioning?.state === 'available' && h.metadata.annotations?.['inspect.metal3.io'] === undefined && inspectedAt(h) !== firstInspection ? true : undefined;
    });

    // Act 5: release → the claim is deleted, the host deprovisioned back to available and unclaimed
    const released = await send(ExternalEventType.release, { claim: { namespace: tenant, name: 'm1' } }, tokens.operator);
    expect(released).toMatchObject({ status: 200, body: { result: 'progressed', reason: `delete hostclaim ${tenant}/m1` } });
    await until('claim gone and pool-0 available, unclaimed', async () => {
      const h = await hostNow('pool-0');
      return (await getClaim('m1')) === undefined && h.status?.provisioning?.state === 'available' && (h.spec as { consumerRef?: unknown }).consumerRef === undefined ? true : undefined;
    }, 180_000);
    expect((await send(ExternalEventType.release, { claim: { namespace: tenant, name: 'm1' } }, tokens.operator)).status).toBe(404);

    // Assess: nothing dead-lettered, nothing crashed
    expect(app.broker.deadLetters).toEqual([]);
    expect(lines.filter((l) => /unexpected failure/i.test(l))).toEqual([]);
  }, 600_000);
});
