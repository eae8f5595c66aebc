/**
 * enroll on real parts: a real Ironic, the Kubernetes API fixture (or
 * KUBECONFIG's cluster) and ipmi_sim, driven event by event through
 * `processEvent` the way the watcher drives it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HOST_FINALIZER } from '../../../shared/src/state-machine/states.ts';
import { upstreamConditionsOf } from '../support/conditions.ts';
import { drive, driveTo } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';
import { createdNodes } from '../support/recording-fetch.ts';

const inError = (h: { status?: { operationalStatus?: string } } | undefined): boolean => h?.status?.operationalStatus === 'error';

describe('enroll (real Ironic, Kubernetes API, ipmi_sim)', () => {
  let bed: FunctionsBed;

  beforeAll(async () => {
    bed = await startFunctionsBed({ ipmiBmcs: 1, namespacePrefix: 'enroll' });
    await bed.createSecret('fake-creds', { username: 'admin', password: 'fake-pass-4471' });
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('registers a fake:// host: finalizer, node <ns>~<name>, boot MAC port, manage, then inspecting', async () => {
    // Prepare
    await bed.createHost('fake-a', { online: true, bootMACAddress: '52:54:00:aa:00:01', bmc: { address: 'fake://fake-a', credentialsName: 'fake-creds' } });

    // Act
    const { host } = await driveTo(bed, 'fake-a', 'inspecting');

    // Assess
    const node = await bed.nodeOf('fake-a');
    expect(node).toMatchObject({ name: `${bed.namespace}~fake-a`, driver: 'fake-hardware', provision_state: 'manageable' });
    expect(host?.metadata.finalizers).toContain(HOST_FINALIZER);
    expect(host?.status).toMatchObject({
      operationalStatus: 'OK',
      provisioning: { state: 'inspecting', ID: node?.uuid },
      goodCredentials: { credentials: { name: 'fake-creds', namespace: bed.namespace } },
      triedCredentials: { credentials: { name: 'fake-creds', namespace: bed.namespace } },
    });
    // what CAPM3 and kubectl read: registered (Manageable), on its way (Progressing: Inspecting), not yet offered
    expect(upstreamConditionsOf(host)).toEqual({
      Manageable: 'True/Manageable', AvailableForProvisioning: 'False/NotAvailable', Provisioned: 'False/NotProvisioned',
      Ready: 'False/NotProvisioned', Progressing: 'True/Inspecting', Healthy: 'Unknown/Unknown',
    });
    const ports = await bed.ironic.listPorts({ node: node!.uuid });
    expect(ports.map((p) => p.address)).toEqual(['52:54:00:aa:00:01']);
    const events = await bed.eventsOf('fake-a');
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Registering', 'Inspecting']));
    expect(events.every((e) => e.type === 'Normal')).toBe(true);
  });

  it('records a registration error and a Warning Event when the credentials Secret is missing', async () => {
    // Prepare
    await bed.createHost('no-secret', { online: true, bmc: { address: 'fake://no-secret', credentialsName: 'absent' } });

    // Act
    const { host } = await drive(bed, 'no-secret', { until: inError });

    // Assess
    expect(host?.status).toMatchObject({
      operationalStatus: 'error', errorType: 'registration error', errorCount: 1,
      errorMessage: `BMC credentials Secret ${bed.namespace}/absent not found`,
      provisioning: { state: 'registering' },
    });
    expect(await bed.nodeOf('no-secret')).toBeNull();
    expect(upstreamConditionsOf(host)).toMatchObject({ Manageable: 'False/RegistrationFailed', Ready: 'False/Error', Progressing: 'True/Registering' });
    const warnings = (await bed.eventsOf('no-secret')).filter((e) => e.type === 'Warning');
    expect(warnings).toEqual([expect.objectContaining({ note: `BMC credentials Secret ${bed.namespace}/absent not found` })]);
  });

  it.each([
    { case: 'unknown scheme', address: 'foo://10.0.0.1', expected: /scheme "foo" is unknown; supported: .*ipmi/ },
    { case: 'removed scheme', address: 'irmc://10.0.0.1', expected: /scheme "irmc" is not supported: removed upstream in v0\.13\.0; use redfish:\/\// },
  ])('records a registration error with a clear message for an $case', async ({ case: label, address, expected }) => {
    // Prepare
    const name = label.replace(' ', '-');
    await bed.createHost(name, { online: true, bmc: { address, credentialsName: 'fake-creds' } });

    // Act
    const { host } = await drive(bed, name, { until: inError });

    // Assess
    expect(host?.status?.errorType).toBe('registration error');
    expect(host?.status?.errorMessage).toMatch(expected);
    expect(await bed.nodeOf(name)).toBeNull();
  });

  it('re-registers a registered host with the new credentials when its Secret changes', async () => {
    // Prepare
    await bed.createSecret('rotating', { username: 'admin', password: 'first-pass-118' });
    await bed.createHost('rotate', { online: true, bmc: { address: 'fake://rotate', credentialsName: 'rotating' } });
    const { host: registered } = await driveTo(bed, 'rotate', 'inspecting');
    const goodVersion = (h: typeof registered) => (h?.status as { goodCredentials?: { credentialsVersion?: string } } | undefined)?.goodCredentials?.credentialsVersion;
    const firstVersion = goodVersion(registered);
    bed.recorded.clear();

    // Act: a new password, then whatever the watcher would deliver
    await bed.updateSecret('rotating', { username: 'admin', password: 'second-pass-229' });
    const { host: after } = await drive(bed, 'rotate', { until: (h) => goodVersion(h) !== firstVersion, timeoutMs: 4_000 });

    // Assess
    expect(goodVersion(after)).toBeDefined();
    const patches = bed.recorded.requests.filter((r) => r.method === 'PATCH' && JSON.stringify(r.body).includes('/driver_info'));
    expect(patches).toHaveLength(1);
  });

  it('reports a wrong IPMI password as a precise registration error within seconds (BMC pre-check)', async () => {
    // Prepare
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi-wrong', { username: sim.username, password: 'not-the-password' });
    await bed.createHost('ipmi-bad', { online: true, bmc: { address: sim.address, credentialsName: 'ipmi-wrong' } });
    const started = Date.now();

    // Act
    const { host } = await drive(bed, 'ipmi-bad', { until: inError, timeoutMs: 30_000 });

    // Assess
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(host?.status?.errorType).toBe('registration error');
    expect(host?.status?.errorMessage).toMatch(new RegExp(`^BMC ${sim.address.replace(/[.:/]/g, '\\$&')} check failed: .+`));
    expect(host?.status?.errorMessage).not.toContain('not-the-password');
    expect(await bed.nodeOf('ipmi-bad')).toBeNull();
  });

  it('registers with the corrected Secret after a credentials error (goodCredentials = the new version)', async () => {
    // Prepare: the host of the previous test, failed on its wrong password
    const sim = bed.bmcs[0]!;
    const failed = await bed.getHost('ipmi-bad');
    expect(failed?.status?.operationalStatus).toBe('error');

    // Act: the user fixes the password; after the backoff enroll tries again
    await bed.updateSecret('ipmi-wrong', { username: sim.username, password: sim.password });
    const secret = await bed.core.readNamespacedSecret({ namespace: bed.namespace, name: 'ipmi-wrong' });
    const { host } = await drive(bed, 'ipmi-bad', { until: (h) => h?.status?.provisioning?.state === 'inspecting', timeoutMs: 60_000 });

    // Assess: enroll only reads the Secret, so its version is the one the user's fix gave it
    const after = await bed.core.readNamespacedSecret({ namespace: bed.namespace, name: 'ipmi-wrong' });
    const version = after.metadata?.resourceVersion;
    expect(version).toBe(secret.metadata?.resourceVersion);
    expect(host?.status).toMatchObject({
      operationalStatus: 'OK', errorMessage: '',
      goodCredentials: { credentials: { name: 'ipmi-wrong' }, credentialsVersion: version },
      triedCredentials: { credentials: { name: 'ipmi-wrong' }, credentialsVersion: version },
    });
    const node = await bed.nodeOf('ipmi-bad');
    expect(node).toMatchObject({ driver: 'ipmi', provision_state: 'manageable' });
    expect(node?.driver_info).toMatchObject({ ipmi_address: '127.0.0.1', ipmi_port: sim.port, ipmi_username: sim.username, ipmi_password: '******' });
  });
});
