/**
 * A forged enroll event on the real bed (Ironic, API fixture): claiming a new credentials
 * version used to skip the error backoff and, through "credentials unchanged", rewrite a
 * host's registration error to OK with errorCount 0. The version is now read from the Secret.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildRequestedEvent } from '../../events/src/build.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { driveTo } from '../integration/support/drive.ts';
import { startFunctionsBed } from '../integration/support/functions-bed.ts';
import type { FunctionsBed } from '../integration/support/functions-bed.ts';

describe('forged enroll events (real Ironic, Kubernetes API)', () => {
  let bed: FunctionsBed;

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'forged', env: { BACKOFF_BASE_MS: '600000' } });
    await bed.createSecret('creds', { username: 'admin', password: 'forged-pass-2291' });
  }, 120_000);
  afterAll(async () => { await bed?.stop(); });

  it('cannot clear a registration error or skip its backoff by claiming a new credentials version', async () => {
    // Prepare: an available host that last failed re-registration 4 times (status as enroll records it)
    await bed.createHost('victim', { online: false, automatedCleaningMode: 'disabled', bmc: { address: 'fake://victim', credentialsName: 'creds' } });
    const { host } = await driveTo(bed, 'victim', 'available');
    const at = new Date().toISOString();
    await bed.custom.patchNamespacedCustomObjectStatus({
      group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: bed.namespace, name: 'victim',
      body: { status: {
        ...host!.status, operationalStatus: 'error', errorType: 'registration error', errorMessage: 'BMC verification failed: bad credentials', errorCount: 4, lastUpdated: at,
        conditions: [{ type: 'Error', status: 'True', reason: 'RegistrationError', message: 'bad credentials', lastTransitionTime: at, observedGeneration: host!.metadata.generation }],
      } },
    }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const before = (await bed.getHost('victim'))!;
    const ironicBefore = bed.recorded.requests.length;
    // Act: events anyone in the cluster could send
    const results = [];
    for (const credentialsVersion of ['made-up', '999999', (before.status as { goodCredentials?: { credentialsVersion?: string } }).goodCredentials?.credentialsVersion ?? '']) {
      const event = buildRequestedEvent({ host: before, transition: 'enroll', reason: 'credentials-changed', source: '/metal3/watcher/local', credentialsVersion });
      results.push(await bed.handlers.enroll.processEvent({ ...event }));
    }
    // Assess
    const after = (await bed.getHost('victim')) as StoredHost;
    expect(results.map((r) => r.kind)).toEqual(['noop', 'noop', 'noop']);
    expect(after.status).toEqual(before.status);
    expect(after.status).toMatchObject({ operationalStatus: 'error', errorCount: 4 });
    expect(bed.recorded.requests.slice(ironicBefore)).toEqual([]);
  }, 120_000);
});
