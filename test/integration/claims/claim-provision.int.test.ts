/**
 * A HostClaim on real parts: the claim function binds a `fake://` host that the transition
 * functions registered, inspected and cleaned on a real Ironic; the provision function then
 * deploys the claim's image with a config drive built from the copy of the tenant's user data;
 * the claim mirrors the provisioned host; deleting the claim releases the host, the deprovision
 * function cleans it back to available, and another tenant's pending claim binds it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildClaimRequestedEvent } from '../../../events/src/build.ts';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import { createClaimHandler } from '../../../shared/src/handler/create-claim-handler.ts';
import { createRestClaimStoreFor } from '../../../shared/src/k8s/claim-store.ts';
import { GROUP, VERSION } from '../../../shared/src/k8s/host-store.ts';
import { HOST_CLAIMS, HOST_DEPLOY_POLICIES } from '../../../shared/src/k8s/claim-store.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { claim as claimFunction } from '../../../functions/claim/src/transition.ts';
import { drive, driveTo } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';
import { acceptedDeploys } from '../support/recording-fetch.ts';

const USER_DATA = '#cloud-config\nhostname: tenant-box\nchpasswd: { list: "root:tenant-secret-5521" }\n';
const CHECKSUM = 'd41d8cd98f00b204e9800998ecf8427e';

describe('claim on a real Ironic', () => {
  let bed: FunctionsBed;
  let close: () => void;
  let handler: ReturnType<typeof createClaimHandler>;
  const tenant = `tenant-${Math.random().toString(36).slice(2, 8)}`;
  const other = `${tenant}-b`;
  const claimsAt = (namespace: string) => ({ group: GROUP, version: VERSION, plural: HOST_CLAIMS, namespace });
  const getClaim = async (namespace: string, name: string) =>
    (await bed.custom.getNamespacedCustomObject({ ...claimsAt(namespace), name }).catch(() => undefined)) as StoredClaim | undefined;
  const kick = async (namespace: string, name: string) => {
    const c = await getClaim(namespace, name);
    return c ? handler.processEvent({ ...buildClaimRequestedEvent({ claim: c, reason: 'state-changed', source: '/metal3/watcher/test' }) }) : undefined;
  };

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'claimprov' });
    for (const ns of [tenant, other]) await bed.core.createNamespace({ body: { metadata: { name: ns } } });
    const store = createRestClaimStoreFor(bed.cluster.kubeConfig());
    close = store.close;
    handler = createClaimHandler(claimFunction, { claims: store.claims, config: { allowedSources: [], MAX_STEPS: 12 }, log: createLogger({ level: 'silent' }) });
    await bed.createSecret('creds', { username: 'admin', password: 'claim-bmc-pass-7713' });
    await bed.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: HOST_DEPLOY_POLICIES, namespace: bed.namespace,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostDeployPolicy', metadata: { name: 'tenants' }, spec: { hostClaimNamespaces: { names: [tenant, other] } } },
    });
    await bed.core.createNamespacedSecret({ namespace: tenant, body: { metadata: { name: 'ud' }, stringData: { userData: USER_DATA } } });
  }, 180_000);

  afterAll(async () => {
    close?.();
    for (const ns of [tenant, other]) await bed?.core.deleteNamespace({ name: ns }).catch(() => undefined);
    await bed?.stop();
  });

  it('provisions the claim\'s image with its user data, mirrors the host, and frees the host for the next claim', async () => {
    // Prepare: a host the infrastructure team enrolled, now available
    await bed.createHost('pool-0', { online: false, automatedCleaningMode: 'disabled', bmc: { address: 'fake://pool-0', credentialsName: 'creds' } }, { labels: { pool: 'gold' } });
    await driveTo(bed, 'pool-0', 'available', { timeoutMs: 90_000 });
    const image = { url: bed.files.urls['/images/host.qcow2'], checksum: CHECKSUM, checksumType: 'md5', format: 'qcow2' };
    const claim = (await bed.custom.createNamespacedCustomObject({
      ...claimsAt(tenant),
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostClaim', metadata: { name: 'box' }, spec: { online: true, image, userData: { name: 'ud' }, hostSelector: { matchLabels: { pool: 'gold' } } } },
    })) as StoredClaim;

    // Act 1: bind, then let the transition functions provision
    expect(await kick(tenant, 'box')).toMatchObject({ kind: 'progressed', state: 'Bound' });
    // provisioned, then powered on as the claim's online asks (the power function's step)
    const { host } = await drive(bed, 'pool-0', { timeoutMs: 90_000, until: (h) => h?.status?.provisioning?.state === 'provisioned' && h.status.poweredOn === true });
    await kick(tenant, 'box');

    // Assess 1
    const node = await bed.nodeOf('pool-0');
    expect(host?.spec).toMatchObject({ consumerRef: { kind: 'HostClaim', namespace: tenant, name: 'box', uid: claim.metadata.uid }, image: { url: image.url } });
    const [deploy, ...more] = acceptedDeploys(bed.recorded.requests, node!.uuid);
    expect(more).toHaveLength(0);
    expect((deploy?.body as { configdrive?: { user_data?: string } }).configdrive?.user_data).toBe(USER_DATA);
    const bound = (await getClaim(tenant, 'box'))!;
    expect(bound.status).toMatchObject({ phase: 'Bound', state: 'provisioned', poweredOn: true, bareMetalHost: { namespace: bed.namespace, name: 'pool-0' }, hostUID: host?.metadata.uid });
    expect(bound.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Provisioned', status: 'True' })]));
    // the tenant sees no BMC address, no credentials, no user data in its claim
    expect(JSON.stringify(bound)).not.toMatch(/fake:\/\/|claim-bmc-pass-7713|tenant-secret-5521/);

    // Act 2: a second tenant waits; the first deletes its claim; the host is deprovisioned; the second binds it
    await bed.custom.createNamespacedCustomObject({
      ...claimsAt(other),
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostClaim', metadata: { name: 'next' }, spec: { online: false, hostSelector: { matchLabels: { pool: 'gold' } } } },
    });
    expect(await kick(other, 'next')).toMatchObject({ state: 'Pending' });
    await bed.custom.deleteNamespacedCustomObject({ ...claimsAt(tenant), name: 'box' });
    const released = await kick(tenant, 'box');
    const { host: cleaned } = await driveTo(bed, 'pool-0', 'available', { timeoutMs: 90_000 });
    const rebound = await kick(other, 'next');

    // Assess 2
    expect(released).toMatchObject({ kind: 'progressed', state: 'removed' });
    expect(await getClaim(tenant, 'box')).toBeUndefined();
    expect(cleaned?.status?.provisioning).not.toHaveProperty('image');
    expect((await bed.nodeOf('pool-0'))?.provision_state).toBe('available');
    expect(rebound).toMatchObject({ kind: 'progressed', state: 'Bound' });
    expect((await bed.getHost('pool-0'))?.spec).toMatchObject({ consumerRef: { namespace: other, name: 'next' }, online: false });
  }, 300_000);
});
