/**
 * HostClaims end to end, driven only through the Kubernetes API: the all-in-one runner with
 * claims on (watcher with its HostClaim side, in-process broker, the five transition functions
 * and the claim function over real HTTP), a real Ironic and two fake:// hosts. Three claims
 * for two hosts: two are bound and provisioned, one waits; deleting a bound claim frees its
 * host (deprovisioned by Ironic) and the waiting claim gets it, with no event sent by hand.
 * Once with clean delivery, once with the broker dropping, duplicating and delaying deliveries
 * (seeded), several in flight at a time, so they also arrive out of order.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import { isBoundTo } from '../../../shared/src/api/claim-rules.ts';
import { HOST_CLAIMS, HOST_DEPLOY_POLICIES } from '../../../shared/src/k8s/claim-store.ts';
import { GROUP, HOSTS, VERSION } from '../../../shared/src/k8s/host-store.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { startAllInOne } from '../../../shared/src/runner/all-in-one.ts';
import type { AllInOne, AllInOneOptions } from '../../../shared/src/runner/all-in-one.ts';
import { createPrng } from '../../chaos/prng.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';
import { pollUntil } from '../support/poll-until.ts';

const CHECKSUM = 'd41d8cd98f00b204e9800998ecf8427e';

const SEED = Number(process.env.CLAIM_E2E_SEED ?? 5122026);

/** Every delivery: dropped 10 %, else 0–2 extra copies, each held back up to 400 ms. */
function faultsOf(seed: number): NonNullable<AllInOneOptions['faults']> {
  const prng = createPrng(seed);
  return { drop: () => prng.chance(0.1), duplicate: () => prng.int(0, 2), delayMs: () => prng.int(0, 400) };
}

describe.each([
  { case: 'clean delivery', faults: undefined, brokerConcurrency: undefined },
  { case: `dropped, duplicated and delayed deliveries (seed ${SEED})`, faults: faultsOf(SEED), brokerConcurrency: 8 },
])('HostClaims end to end (all-in-one runner, real Ironic): $case', ({ faults, brokerConcurrency }) => {
  let bed: FunctionsBed;
  let app: AllInOne;
  const tenant = `e2e-${Math.random().toString(36).slice(2, 8)}`;
  const lines: string[] = [];
  const claimsAt = { group: GROUP, version: VERSION, plural: HOST_CLAIMS, namespace: tenant };
  const listClaims = async () => ((await bed.custom.listNamespacedCustomObject(claimsAt)) as { items: StoredClaim[] }).items;
  const listHosts = async () => ((await bed.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: HOSTS, namespace: bed.namespace })) as { items: StoredHost[] }).items;

  const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => pollUntil(what, probe, {
    timeoutMs,
    describe: async () => {
      const summary = (await listClaims()).map((c) => [c.metadata.name, c.status?.phase, c.status?.state, c.status?.bareMetalHost?.name, c.status?.errorMessage]);
      return `claims ${JSON.stringify(summary)}; hosts ${JSON.stringify((await listHosts()).map((h) => [h.metadata.name, h.status?.provisioning?.state, h.status?.errorMessage]))}`;
    },
  });

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'claime2e' });
    await bed.core.createNamespace({ body: { metadata: { name: tenant } } });
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    app = await startAllInOne({
      kubeConfig: bed.cluster.kubeConfig(), ironicUrl: bed.ironicEndpoint.url, log, namespace: bed.namespace, claims: true,
      env: { ENABLE_FAKE_BMC: 'true', BACKOFF_BASE_MS: '500', DEPLOY_KERNEL_URL: bed.config.DEPLOY_KERNEL_URL ?? '', DEPLOY_RAMDISK_URL: bed.config.DEPLOY_RAMDISK_URL ?? '' },
      pollActiveMs: 300, pollIdleMs: 1_000, resyncMs: 3_000, metricsPort: 'off',
      ...(faults ? { faults } : {}), ...(brokerConcurrency ? { brokerConcurrency } : {}),
    });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await bed?.core.deleteNamespace({ name: tenant }).catch(() => undefined);
    await bed?.stop();
  });

  it('refuses a claim event without a token at the claim function (authenticated events on)', async () => {
    const headers = { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'unauthenticated-claim', 'ce-source': '/metal3/watcher/local', 'ce-type': 'io.metal3.hostclaim.claim.requested', 'ce-subject': `${tenant}/nobody` };
    const answer = await fetch(app.claimUrl!, { method: 'POST', headers, body: JSON.stringify({ claim: { namespace: tenant, name: 'nobody' } }) });
    expect(answer.status).toBe(401);
  });

  it('binds and provisions two of three claims, and hands a freed host to the waiting one', async () => {
    // Prepare: the infrastructure team's hosts and policy; the tenant's user data and claims
    await bed.createSecret('creds', { username: 'admin', password: 'e2e-claim-bmc-4410' });
    for (const i of [0, 1]) {
      await bed.createHost(`gold-${i}`, { online: false, automatedCleaningMode: 'disabled', bmc: { address: `fake://gold-${i}`, credentialsName: 'creds' } }, { labels: { pool: 'gold' } });
    }
    await until('hosts available', async () => ((await listHosts()).every((h) => h.status?.provisioning?.state === 'available') ? true : undefined));
    await bed.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: HOST_DEPLOY_POLICIES, namespace: bed.namespace,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostDeployPolicy', metadata: { name: 'tenants' }, spec: { hostClaimNamespaces: { names: [tenant] } } },
    });
    await bed.core.createNamespacedSecret({ namespace: tenant, body: { metadata: { name: 'ud' }, stringData: { userData: '#cloud-config\n' } } });
    const image = { url: bed.files.urls['/images/host.qcow2'], checksum: CHECKSUM, checksumType: 'md5', format: 'qcow2' };

    // Act 1: three claims for two hosts
    for (const name of ['a', 'b', 'c']) {
      await bed.custom.createNamespacedCustomObject({
        ...claimsAt, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostClaim', metadata: { name }, spec: { online: true, image, userData: { name: 'ud' }, hostSelector: { matchLabels: { pool: 'gold' } } } },
      });
    }
    const provisioned = (c: StoredClaim) => c.status?.phase === 'Bound' && c.status.state === 'provisioned' && c.status.poweredOn === true;
    const first = await until('two claims provisioned, one pending', async () => {
      const claims = await listClaims();
      return claims.filter(provisioned).length === 2 && claims.filter((c) => c.status?.phase === 'Pending').length === 1 ? claims : undefined;
    });

    // Assess 1
    const hosts = await listHosts();
    expect(hosts.map((h) => first.filter((c) => isBoundTo(h, c)).length)).toEqual([1, 1]);
    const waiting = first.find((c) => c.status?.phase === 'Pending')!;
    expect(waiting.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Associated', status: 'False', reason: 'NoBareMetalHost' })]));

    // Act 2: a bound claim goes; its host is deprovisioned and handed to the waiting claim
    const leaving = first.find(provisioned)!;
    const freed = leaving.status!.bareMetalHost!.name;
    await bed.custom.deleteNamespacedCustomObject({ ...claimsAt, name: leaving.metadata.name });
    const after = await until('the waiting claim provisioned on the freed host', async () => {
      const claims = await listClaims();
      const w = claims.find((c) => c.metadata.name === waiting.metadata.name);
      return claims.length === 2 && w && provisioned(w) ? claims : undefined;
    }, 180_000);

    // Assess 2
    expect(after.find((c) => c.metadata.name === waiting.metadata.name)?.status?.bareMetalHost?.name).toBe(freed);
    const finalHosts = await listHosts();
    expect(finalHosts.map((h) => after.filter((c) => isBoundTo(h, c)).length)).toEqual([1, 1]);
    // nothing dead-lettered, nothing crashed
    expect(app.broker.deadLetters).toEqual([]);
    // the faults did fire
    if (faults) expect({ dropped: app.broker.stats.dropped > 0, duplicated: app.broker.stats.duplicated > 0 }).toEqual({ dropped: true, duplicated: true });
    expect(lines.filter((l) => /unexpected failure/i.test(l))).toEqual([]);
  }, 400_000);
});
