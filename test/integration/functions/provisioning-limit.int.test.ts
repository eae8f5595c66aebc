/**
 * The provisioning limit on real parts (the Kubernetes API fixture or KUBECONFIG's cluster, a real
 * Ironic): PROVISIONING_LIMIT=2, one step per delivery so hosts stay in `provisioning` between
 * deliveries. Sequential deliveries admit exactly two hosts and delay the rest; concurrent deliveries,
 * from as many "replicas" as there are handlers, never exceed the documented bound
 * (limit + concurrent admissions − 1), duplicates admit a host once, and every delayed host
 * provisions once a slot frees, with one deploy each.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHandler } from '../../../shared/src/handler/create-handler.ts';
import type { HostStore, StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { TRANSITION_FUNCTIONS } from '../../../shared/src/runner/all-in-one.ts';
import { busyHosts } from '../../../shared/src/state-machine/capacity.ts';
import { currentState } from '../../../shared/src/state-machine/guard.ts';
import { upstreamConditionsOf } from '../support/conditions.ts';
import { dueEvent, driveTo } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';
import { acceptedDeploys } from '../support/recording-fetch.ts';

const LIMIT = 2;

describe('provisioning limit (real Ironic, Kubernetes API)', () => {
  let bed: FunctionsBed;
  const image = () => ({ url: bed.files.urls['/images/host.qcow2'], checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' });

  /** hosts registered and available (no image yet), then all given an image at once */
  async function availableHosts(names: string[]): Promise<void> {
    await Promise.all(names.map((name) => bed.createHost(name, { online: true, automatedCleaningMode: 'disabled', bmc: { address: `fake://${name}`, credentialsName: 'creds' } })));
    for (const name of names) await driveTo(bed, name, 'available', { timeoutMs: 60_000 });
    for (const name of names) await bed.mergeHost(name, { spec: { image: image() } });
  }

  /** the provision event the watcher would send for the host now */
  async function provisionEvent(name: string) {
    const host = (await bed.getHost(name))!;
    const due = dueEvent(bed, host, await bed.nodeOf(name));
    expect(due?.transition).toBe('provision');
    return due!.event;
  }

  async function busyNow(): Promise<string[]> {
    const hosts = await bed.deps.hosts.listHosts(bed.namespace);
    return busyHosts(hosts).map((h) => h.metadata.name).sort();
  }

  /** deploy requests Ironic accepted for the host's node */
  async function deploysOf(name: string): Promise<number> {
    const node = await bed.nodeOf(name);
    return node ? acceptedDeploys(bed.recorded.requests, node.uuid).length : 0;
  }

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'limit', env: { PROVISIONING_LIMIT: String(LIMIT), MAX_STEPS: '1' } });
    await bed.createSecret('creds', { username: 'admin', password: 'limit-pass-5521' });
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('admits exactly PROVISIONING_LIMIT hosts, delays the rest without touching Ironic, and lets one in per freed slot', async () => {
    // Prepare
    const names = ['seq-0', 'seq-1', 'seq-2', 'seq-3'];
    await availableHosts(names);
    bed.recorded.clear();

    // Act: one provision delivery per host, one after the other
    for (const name of names) await bed.handlers.provision.processEvent(await provisionEvent(name));

    // Assess
    expect(await busyNow()).toEqual(['seq-0', 'seq-1']);
    for (const name of ['seq-2', 'seq-3']) {
      const host = await bed.getHost(name);
      expect(host?.status).toMatchObject({ operationalStatus: 'delayed', errorCount: 0, provisioning: { state: 'available' } });
      // a delayed host is still offered and not progressing, as upstream's conditions say
      expect(upstreamConditionsOf(host)).toMatchObject({ AvailableForProvisioning: 'True/Available', Progressing: 'False/NotProgressing', Ready: 'False/NotProvisioned' });
      expect((await bed.eventsOf(name)).map((e) => e.reason)).toContain('Delayed');
      const node = await bed.nodeOf(name);
      expect(bed.recorded.requests.filter((r) => r.method !== 'GET' && r.path.includes(node!.uuid))).toEqual([]);
    }

    // Act: seq-0 finishes; the longest-waiting delayed host's next delivery takes the slot, the other still waits
    await driveTo(bed, 'seq-0', 'provisioned', { timeoutMs: 60_000 });
    await bed.handlers.provision.processEvent(await provisionEvent('seq-2'));
    await bed.handlers.provision.processEvent(await provisionEvent('seq-3'));

    // Assess
    expect(await busyNow()).toEqual(['seq-1', 'seq-2']);
    expect((await bed.getHost('seq-2'))?.status).toMatchObject({ operationalStatus: 'OK', provisioning: { state: 'provisioning' } });
    expect((await bed.getHost('seq-3'))?.status).toMatchObject({ operationalStatus: 'delayed', provisioning: { state: 'available' } });

    // Act: everyone finishes (seq-3 gets in when a slot frees)
    for (const name of ['seq-1', 'seq-2', 'seq-3']) await driveTo(bed, name, 'provisioned', { timeoutMs: 60_000 });

    // Assess: one deploy per host
    for (const name of names) expect(await deploysOf(name)).toBe(1);
    expect(upstreamConditionsOf(await bed.getHost('seq-3'))).toMatchObject({ Provisioned: 'True/Provisioned', Ready: 'True/Provisioned' });
  }, 240_000);

  it('overshoots by at most the concurrent admissions − 1: the bound is reached when every replica counts before any writes', async () => {
    // Prepare: one host busy, three waiting; three "replicas" (handlers of their own) whose counts all
    // happen before any of them writes (a barrier in listHosts): the worst case the bound allows
    await availableHosts(['wc-busy', 'wc-0', 'wc-1', 'wc-2']);
    await bed.handlers.provision.processEvent(await provisionEvent('wc-busy'));
    expect(await busyNow()).toEqual(['wc-busy']);
    const replicas = 3;
    let waiting = 0;
    let release: () => void = () => undefined;
    const allCounted = new Promise<void>((r) => { release = r; });
    const barrierStore: HostStore = {
      ...bed.deps.hosts,
      listHosts: async (namespace: string): Promise<StoredHost[]> => {
        const hosts = await bed.deps.hosts.listHosts(namespace);
        if (++waiting >= replicas) release();
        await Promise.race([allCounted, new Promise((r) => setTimeout(r, 5_000))]);
        return hosts;
      },
    };
    const handlers = Array.from({ length: replicas }, () => createHandler(TRANSITION_FUNCTIONS.provision, { ...bed.deps, hosts: barrierStore }));
    const events = await Promise.all(['wc-0', 'wc-1', 'wc-2'].map(provisionEvent));

    // Act
    await Promise.all(events.map((ev, i) => handlers[i]!.processEvent(ev)));

    // Assess: 1 busy + 3 admitted = LIMIT − 1 + 3 concurrent admissions, never more
    const busy = await busyNow();
    expect(busy).toEqual(['wc-0', 'wc-1', 'wc-2', 'wc-busy']);
    expect(busy.length).toBeLessThanOrEqual(LIMIT - 1 + replicas);
    for (const name of ['wc-busy', 'wc-0', 'wc-1', 'wc-2']) await driveTo(bed, name, 'provisioned', { timeoutMs: 60_000 });
  }, 240_000);

  it('under concurrent duplicate deliveries on several replicas, admits each host once, stays within the bound, and provisions every host once', async () => {
    // Prepare: four waiting hosts, nothing busy; each event delivered three times at once, each copy
    // to a different replica
    const names = ['dup-0', 'dup-1', 'dup-2', 'dup-3'];
    await availableHosts(names);
    const replicas = Array.from({ length: 3 }, () => createHandler(TRANSITION_FUNCTIONS.provision, bed.deps));
    const events = await Promise.all(names.map(provisionEvent));
    let maxBusy = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxBusy = Math.max(maxBusy, (await busyNow()).length);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    // Act
    const results = await Promise.all(events.flatMap((ev) => replicas.map((r) => r.processEvent(ev))));
    sampling = false;
    await sampler;
    maxBusy = Math.max(maxBusy, (await busyNow()).length);

    // Assess: no delivery failed; at most limit + (distinct hosts admitted concurrently − 1)
    expect(results.filter((r) => r.kind === 'crashed' || r.kind === 'invalid')).toEqual([]);
    expect(maxBusy).toBeLessThanOrEqual(LIMIT + names.length - 1);
    for (const name of names) {
      const admissions = (await bed.eventsOf(name)).filter((e) => e.reason === 'Provisioning');
      expect(admissions.length).toBeLessThanOrEqual(1);
    }
    // every host provisions (the delayed ones once a slot frees), each with exactly one deploy
    for (const name of names) await driveTo(bed, name, 'provisioned', { timeoutMs: 90_000 });
    for (const name of names) expect(await deploysOf(name)).toBe(1);
    const states = await Promise.all(names.map(async (n) => currentState((await bed.getHost(n))!)));
    expect(states).toEqual(names.map(() => 'provisioned'));
  }, 300_000);
});
