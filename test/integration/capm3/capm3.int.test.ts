/**
 * Cluster API Provider Metal3's use of a BareMetalHost, call for call (capm3-driver.ts), on real
 * parts: a real Ironic, ipmi_sim, the Kubernetes API (fixture or KUBECONFIG). Each step ends in the
 * state CAPM3 waits for:
 * - claim: label, consumerRef, owner reference, image, userData, online in one patch (and the
 *   cluster-name label on the BMC Secret) → `provisioned`, powered on; CAPM3's metadata kept;
 * - remediation: `reboot.metal3.io/metal3-remediation-<uid>` hard → `poweredOn: false`, held, then on;
 * - move: pause + status annotation, the copy created on a second cluster with a fresh Ironic,
 *   unpaused → restored and adopted there, never deployed again; the source, deleted while paused,
 *   is neither powered off nor deprovisioned;
 * - release: image/userData/online cleared → deprovisioned to `available`; then consumerRef cleared
 *   → the host stays available, free for the next claim.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Annotation, HOST_FINALIZER } from '../../../shared/src/state-machine/states.ts';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { TEST_SOURCE, drive, driveTo, dueEvent, sleep } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';
import {
  CAPM3_PAUSE, CLUSTER_NAME_LABEL, type Metal3Machine, associate, movedCopy, pauseForMove, releaseConsumer, releaseSpec, remediationKey, unpause,
} from './capm3-driver.ts';

const HOST = 'worker-0';

/** The fields CAPM3 writes, which the functions' own host view does not type */
interface CapiView {
  metadata: { labels?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[] };
  spec?: { consumerRef?: { kind?: string; name?: string; namespace?: string } };
}
const capi = (h: unknown): CapiView => (h ?? { metadata: {} }) as CapiView;

describe('CAPM3 scenarios (real Ironic, ipmi_sim, Kubernetes API)', () => {
  let source: FunctionsBed;
  let target: FunctionsBed | undefined;
  let machine: Metal3Machine;
  /** Ironic writes the functions made since `from` (GETs left out), node UUIDs elided */
  const writesSince = (bed: FunctionsBed, from: number) => bed.recorded.requests.slice(from).filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'U')}`);
  const provisionTargets = (bed: FunctionsBed, from: number) => bed.recorded.requests.slice(from)
    .filter((r) => r.path.endsWith('/states/provision')).map((r) => (r.body as { target?: string }).target);

  beforeAll(async () => {
    source = await startFunctionsBed({ namespacePrefix: 'capm3-src', ipmiBmcs: 1 });
    const sim = source.bmcs[0]!;
    await source.createSecret('worker-0-bmc', { username: sim.username, password: sim.password });
    await source.createSecret('worker-0-userdata', { userData: '#cloud-config\nhostname: worker-0\n' });
    machine = {
      name: 'cluster-a-workers-x7k2p', namespace: source.namespace, uid: randomUUID(), cluster: 'cluster-a',
      image: { url: source.files.urls['/images/host.qcow2']!, checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' },
      userData: 'worker-0-userdata', automatedCleaningMode: 'disabled',
    };
    // a host in the pool: registered and available, not consumed
    await source.createHost(HOST, {
      online: false, bootMACAddress: '52:54:00:c3:00:01', inspectionMode: 'disabled',
      // cleaning needs a deploy agent, which the bed's ipmi machines do not run: CAPM3 then sets disabled too
      automatedCleaningMode: 'disabled',
      bmc: { address: sim.address, credentialsName: 'worker-0-bmc' },
    });
    await driveTo(source, HOST, 'available', { timeoutMs: 120_000 });
  }, 240_000);

  afterAll(async () => {
    await target?.stop();
    await source?.stop();
  });

  it('claim: provisions the host CAPM3 associated and keeps CAPM3\'s label, consumerRef and owner reference', async () => {
    // Prepare
    const before = source.recorded.requests.length;
    // Act
    await associate((n, p) => source.mergeHost(n, p), source.core, (await source.getHost(HOST))!, machine);
    const { host } = await drive(source, HOST, { until: (h) => h?.status?.provisioning?.state === 'provisioned' && h.status.poweredOn === true, timeoutMs: 120_000 });
    // Assess
    expect(host?.status).toMatchObject({ operationalStatus: 'OK', provisioning: { state: 'provisioned', image: { url: machine.image.url } } });
    expect(capi(host).metadata.labels?.[CLUSTER_NAME_LABEL]).toBe('cluster-a');
    expect(capi(host).metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Metal3Machine', name: machine.name, uid: machine.uid })]);
    expect(capi(host).spec?.consumerRef).toMatchObject({ kind: 'Metal3Machine', name: machine.name });
    expect((await source.nodeOf(HOST))?.provision_state).toBe('active');
    expect(await source.bmcs[0]!.power()).toBe('on');
    // the relabelled BMC Secret (same credentials, new version) is not a reason to register again
    expect(provisionTargets(source, before)).toEqual(['active']);
  }, 180_000);

  it('remediation: the keyed hard reboot powers the host off, holds it off, and powers it on when removed', async () => {
    // Prepare
    const key = remediationKey(machine);
    const before = source.recorded.requests.length;
    // Act
    await source.mergeHost(HOST, { metadata: { annotations: { [key]: '{"mode":"hard"}' } } });
    const { host: off } = await drive(source, HOST, { until: (h) => h?.status?.poweredOn === false, timeoutMs: 60_000 });
    const simOff = await source.bmcs[0]!.power();
    await source.mergeHost(HOST, { metadata: { annotations: { [key]: null } } });
    const { host: on } = await drive(source, HOST, { until: (h) => h?.status?.poweredOn === true, timeoutMs: 60_000 });
    // Assess
    expect(simOff).toBe('off');
    expect(off?.status?.provisioning?.state).toBe('provisioned');
    expect(on?.status?.provisioning?.state).toBe('provisioned');
    expect(writesSince(source, before)).toEqual(['PUT /v1/nodes/U/states/power', 'PUT /v1/nodes/U/states/power']);
  }, 150_000);

  it('move: the paused copy on a fresh cluster and Ironic is restored and adopted; the paused source is deleted untouched', async () => {
    // Prepare: CAPM3 pauses the source and carries its status
    const paused = await pauseForMove((n, p) => source.mergeHost(n, p), (await source.getHost(HOST))!);
    const sourceBefore = source.recorded.requests.length;
    const sourceNode = (await source.nodeOf(HOST))!;
    target = await startFunctionsBed({ namespacePrefix: 'capm3-dst' });
    const sim = source.bmcs[0]!;
    await target.createSecret('worker-0-bmc', { username: sim.username, password: sim.password });
    await target.createSecret('worker-0-userdata', { userData: '#cloud-config\nhostname: worker-0\n' });
    const copy = movedCopy(paused);
    const spec = { ...copy.spec, userData: { name: 'worker-0-userdata', namespace: target.namespace }, consumerRef: { ...(copy.spec.consumerRef as object), namespace: target.namespace } };
    // Act 1: clusterctl creates the copy (paused), deletes the source and removes its finalizers
    const created = await target.createHost(HOST, spec, copy.metadata);
    // while paused nothing is due, and an event delivered anyway changes nothing
    const dueWhilePaused = dueEvent(target, created, null);
    const pausedAnswer = await target.handlers.enroll.processEvent(buildRequestedEvent({ host: created, transition: 'enroll', reason: 'spec-changed', source: TEST_SOURCE }));
    const whilePaused = target.recorded.requests.length;
    await source.deleteHost(HOST);
    // a delete reaching a paused host (finalizer still on) asks nothing of Ironic or the BMC
    const deleting = (await source.getHost(HOST))!;
    const dueOnDelete = dueEvent(source, deleting, await source.nodeOf(HOST));
    const deleteAnswer = await source.handlers.deprovision.processEvent(buildRequestedEvent({ host: deleting, transition: 'deprovision', reason: 'spec-changed', source: TEST_SOURCE }));
    await source.mergeHost(HOST, { metadata: { finalizers: null } });
    // Act 2: CAPM3 unpauses on the target
    await unpause((n, p) => target!.mergeHost(n, p), HOST);
    const { host } = await drive(target, HOST, { until: (h) => h?.status?.operationalStatus === 'OK' && h.status.provisioning?.state === 'provisioned', timeoutMs: 120_000 });
    // Assess: nothing happened while paused; then adopted, never deployed
    expect(dueWhilePaused).toBeUndefined();
    expect(pausedAnswer.kind).not.toBe('progressed');
    expect(whilePaused).toBe(0);
    expect(provisionTargets(target, 0)).toEqual(['manage', 'adopt']);
    expect((await target.nodeOf(HOST))?.provision_state).toBe('active');
    expect(host?.metadata.annotations?.[Annotation.Status]).toBeUndefined();
    expect(host?.metadata.annotations?.[Annotation.Paused]).toBeUndefined();
    expect(capi(host).spec?.consumerRef).toMatchObject({ name: machine.name });
    // the source: gone from Kubernetes, its Ironic node and the machine untouched
    expect(deleting.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(dueOnDelete).toBeUndefined();
    expect(deleteAnswer.kind).not.toBe('progressed');
    expect(await source.getHost(HOST)).toBeUndefined();
    expect(writesSince(source, sourceBefore)).toEqual([]);
    expect((await source.ironic.getNode(sourceNode.uuid))?.provision_state).toBe('active');
    expect(await sim.power()).toBe('on');
    expect(paused.metadata.annotations?.[Annotation.Paused]).toBe(CAPM3_PAUSE);
  }, 240_000);

  it('release: deprovisions to available once CAPM3 clears the spec, and stays available when it clears consumerRef', async () => {
    const bed = target!;
    // Act 1
    await releaseSpec((n, p) => bed.mergeHost(n, p), HOST);
    const { host: released } = await drive(bed, HOST, { until: (h) => h?.status?.provisioning?.state === 'available' && h.status.poweredOn === false, timeoutMs: 120_000 });
    const before = bed.recorded.requests.length;
    // Act 2
    await releaseConsumer((n, p) => bed.mergeHost(n, p), HOST);
    await sleep(300);
    const { host: free } = await drive(bed, HOST, { until: (h) => capi(h).spec?.consumerRef === undefined, timeoutMs: 10_000 });
    // Assess
    expect(released?.status).toMatchObject({ operationalStatus: 'OK', poweredOn: false });
    expect((await bed.nodeOf(HOST))?.provision_state).toBe('available');
    expect(free?.status?.provisioning?.state).toBe('available');
    expect(capi(free).metadata.labels?.[CLUSTER_NAME_LABEL]).toBeUndefined();
    expect(capi(free).metadata.ownerReferences ?? []).toEqual([]);
    expect(free?.metadata.finalizers).toContain(HOST_FINALIZER);
    expect(provisionTargets(bed, before)).toEqual([]);
  }, 180_000);
});

