/**
 * End to end: the demo scenario as a test. The embedded bed (API fixture,
 * real Ironic, two ipmi_sim BMCs) and the all-in-one runner (watcher + broker
 * + five functions over real HTTP); three fake:// and two ipmi:// hosts walk
 * register → available → provisioned → power off/on → deprovisioned →
 * deleted, driven only through the Kubernetes API.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import type { IronicRequestInfo } from '../../shared/src/ironic/client.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { createLogger } from '../../shared/src/log.ts';
import { parsePrometheusText, sumOf } from '../../shared/src/metrics/prometheus-text.ts';
import type { Sample } from '../../shared/src/metrics/prometheus-text.ts';
import { startAllInOne } from '../../shared/src/runner/all-in-one.ts';
import type { AllInOne } from '../../shared/src/runner/all-in-one.ts';
import { startBed } from '../bed/stack.ts';
import type { Bed } from '../bed/stack.ts';
import { runLifecycleScenario } from './scenario.ts';
import type { Phase, ScenarioHost } from './scenario.ts';

const NS = 'metal3';

describe('host lifecycle end to end (bed + all-in-one runner)', () => {
  let bed: Bed;
  let app: AllInOne;
  const ironicRequests: (IronicRequestInfo & { component: string })[] = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    // as shipped: Ironic publishes its notifications to RabbitMQ and the watcher follows them
    bed = await startBed({ ipmiBmcs: 2, notifications: true });
    const log = createLogger({ level: 'info', write: (l) => logLines.push(l) });
    app = await startAllInOne({
      kubeConfig: bed.kube.kubeConfig(), ironicUrl: bed.ironic.url, log, namespace: NS,
      env: { ...bed.functionEnv, BACKOFF_BASE_MS: '2000' }, pollActiveMs: 300,
      onIronicRequest: (i) => ironicRequests.push(i), ironicNotificationsUrl: bed.bus!.url,
    });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await bed?.stop();
  });

  it('takes 3 fake:// and 2 ipmi:// hosts through their whole lifecycle', async () => {
    // Prepare
    const hosts: ScenarioHost[] = [
      ...[0, 1, 2].map((i): ScenarioHost => ({
        name: `fake-${i}`, address: `fake://e2e-${i}`, username: 'admin', password: `e2e-pass-${i}-x9`,
        bootMACAddress: `52:54:00:30:00:0${i + 1}`,
      })),
      ...bed.bmcs.map((b, i): ScenarioHost => ({
        name: `ipmi-${i}`, address: b.address, username: b.username, password: b.password,
        bootMACAddress: `52:54:00:40:00:0${i + 1}`,
        extraSpec: { inspectionMode: 'disabled', automatedCleaningMode: 'disabled' },
      })),
    ];
    const image = { url: bed.files.urls['/images/host.qcow2'] ?? '', checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' };
    const custom = bed.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const snapshots = new Map<string, Partial<Record<Phase, StoredHost>>>();
    const bmcPower = new Map<string, string[]>();
    const scrape = async (): Promise<Sample[]> => parsePrometheusText(await (await fetch(app.metricsUrl!)).text());
    // the watcher's per-state gauge, scraped while the first host is provisioned
    let hostsWhileProvisioned: Sample[] | undefined;

    // Act
    const result = await runLifecycleScenario({
      kubeConfig: bed.kube.kubeConfig(), namespace: NS, hosts, image, phaseTimeoutMs: 150_000,
      afterPhase: async (host, phase) => {
        if (phase !== 'deleted') {
          const h = (await custom.getNamespacedCustomObject({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: NS, name: host.name })) as StoredHost;
          snapshots.set(host.name, { ...snapshots.get(host.name), [phase]: h });
        }
        if (phase === 'provisioned' && hostsWhileProvisioned === undefined) hostsWhileProvisioned = (await scrape()).filter((x) => x.name === 'metal3_functions_hosts');
        const sim = bed.bmcs.find((b) => b.address === host.address);
        if (sim && (phase === 'powered off' || phase === 'powered on')) bmcPower.set(host.name, [...(bmcPower.get(host.name) ?? []), `${phase}: ${await sim.power()}`]);
      },
    });

    // Assess: every host finished
    expect(result.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.failed}`)).toEqual([]);
    expect(app.broker.deadLetters).toEqual([]);
    // with authenticated events on: every event the watcher and the replies sent was admitted
    expect(app.broker.stats.rejected).toBe(0);
    expect(app.broker.stats.replies).toBeGreaterThan(0);

    // key status fields at each step
    for (const host of hosts) {
      const s = snapshots.get(host.name)!;
      const provisioned = s.provisioned!.status as Record<string, unknown> & NonNullable<StoredHost['status']>;
      expect(provisioned).toMatchObject({ operationalStatus: 'OK', poweredOn: true, provisioning: { state: 'provisioned', image: { url: image.url } } });
      expect((provisioned.provisioning as { ID?: string }).ID).toMatch(/^[0-9a-f-]{36}$/);
      expect(s['powered off']!.status?.poweredOn).toBe(false);
      expect(s['powered on']!.status?.poweredOn).toBe(true);
      const deprovisioned = s.deprovisioned!.status as Record<string, unknown> & NonNullable<StoredHost['status']>;
      expect(deprovisioned.provisioning).not.toHaveProperty('image');
      const history = deprovisioned.operationHistory as Record<string, { start?: string; end?: string }>;
      for (const op of ['register', 'provision', 'deprovision']) expect(history[op]).toEqual({ start: expect.any(String), end: expect.any(String) });
    }

    // the simulated BMCs really changed power
    expect(Object.fromEntries(bmcPower)).toEqual({ 'ipmi-0': ['powered off: off', 'powered on: on'], 'ipmi-1': ['powered off: off', 'powered on: on'] });

    // a Kubernetes Event per transition
    const events = await bed.kube.kubeConfig().makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: NS });
    for (const host of hosts) {
      const reasons = events.items.filter((e) => e.regarding?.name === host.name).map((e) => e.reason);
      expect(reasons).toEqual(expect.arrayContaining(['Registering', 'Preparing', 'Available', 'Provisioning', 'Provisioned', 'Deprovisioning', 'PoweringOffBeforeDelete', 'Deleting', 'Deleted']));
      if (host.name.startsWith('fake')) expect(reasons).toContain('Inspecting');
    }

    // Ironic request counts: one node per host, one delete per node, one list call per watcher poll;
    // the watcher stops polling first and its last poll settles, so the log and /metrics see the same polls
    app.watcher.stop();
    for (let seen = -1; seen !== ironicRequests.length;) {
      seen = ironicRequests.length;
      await new Promise((r) => setTimeout(r, 700));
    }
    const count = (f: (r: IronicRequestInfo & { component: string }) => boolean) => ironicRequests.filter(f).length;
    expect(count((r) => r.method === 'POST' && r.path === '/v1/nodes' && r.status === 201)).toBe(hosts.length);
    expect(count((r) => r.method === 'DELETE' && /^\/v1\/nodes\/[0-9a-f-]{36}$/.test(r.path) && r.status < 300)).toBe(hosts.length);
    const watcherCalls = ironicRequests.filter((r) => r.component === 'watcher' && r.path !== '/');
    expect(watcherCalls.every((r) => r.method === 'GET' && r.path.startsWith('/v1/nodes?'))).toBe(true);
    // stats.polls counts a poll when it starts, the request log when Ironic answers: one poll may be in flight;
    // a poll that probes and then lists makes two calls
    const pollsStarted = app.watcher.stats.polls;
    expect(watcherCalls.length).toBeGreaterThanOrEqual(pollsStarted - 1);
    // metrics, scraped from the runner's /metrics: values, not only names
    const m = await scrape();
    const n = hosts.length;
    for (const [prev, next] of [['registering', 'inspecting'], ['preparing', 'available'], ['available', 'provisioning'], ['provisioning', 'provisioned'], ['provisioned', 'deprovisioning'], ['deprovisioning', 'available'], ['available', 'powering off before delete'], ['powering off before delete', 'deleting']] as const) {
      expect({ prev, next, count: sumOf(m, 'metal3_provisioning_state_change_total', { prev_state: prev, new_state: next }) }).toEqual({ prev, next, count: next === 'inspecting' ? 3 : n });
    }
    for (const host of hosts) {
      expect({ host: host.name, provisions: sumOf(m, 'metal3_operation_provision_duration_seconds_count', { namespace: NS, host: host.name }) }).toEqual({ host: host.name, provisions: 1 });
      expect(sumOf(m, 'metal3_operation_power_change_total', { namespace: NS, host: host.name, on_off: 'off' })).toBeGreaterThanOrEqual(1);
      expect(sumOf(m, 'metal3_reconcile_total', { namespace: NS, host: host.name })).toBeGreaterThan(0);
    }
    expect(sumOf(m, 'metal3_functions_ironic_requests_total', { component: 'enroll', method: 'POST', endpoint: '/v1/nodes', code: '2xx' })).toBe(n);
    expect(sumOf(m, 'metal3_functions_ironic_requests_total', { component: 'deprovision', method: 'DELETE', endpoint: '/v1/nodes/{node}', code: '2xx' })).toBe(n);
    expect(sumOf(m, 'metal3_functions_ironic_requests_total', { component: 'watcher', endpoint: '/v1/nodes' })).toBe(watcherCalls.length);
    // a poll is a list, an idle change probe, or a probe and then a list
    const lists = sumOf(m, 'metal3_functions_watcher_poll_duration_seconds_count');
    const probes = sumOf(m, 'metal3_functions_watcher_change_probes_total');
    expect(lists + probes).toBe(watcherCalls.length);
    expect(sumOf(m, 'metal3_functions_watcher_change_probes_total', { result: 'unchanged' })).toBe(app.watcher.stats.listsSkipped);
    // Ironic announced the lifecycle's changes on the bus, and the watcher heard them
    expect(sumOf(m, 'metal3_functions_watcher_ironic_notifications_connected')).toBe(1);
    expect(sumOf(m, 'metal3_functions_watcher_ironic_notifications_total')).toBe(app.watcher.stats.notifications);
    expect(sumOf(m, 'metal3_functions_watcher_ironic_notifications_total', { event_type: 'baremetal.node.provision_set.success' })).toBeGreaterThanOrEqual(n);
    expect(sumOf(m, 'metal3_functions_watcher_ironic_notifications_total', { result: 'malformed' })).toBe(0);
    expect(sumOf(m, 'metal3_functions_events_total', { outcome: 'progressed' })).toBeGreaterThanOrEqual(n);
    expect(sumOf(m, 'metal3_functions_events_total', { outcome: 'crashed' })).toBe(0);
    expect(sumOf(m, 'metal3_functions_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(n);
    expect(sumOf(m, 'metal3_host_error_total')).toBe(0);
    // while the first host was provisioned, the gauge counted every host, that one among the provisioned
    expect(sumOf(hostsWhileProvisioned ?? [], 'metal3_functions_hosts')).toBe(n);
    expect(sumOf(hostsWhileProvisioned ?? [], 'metal3_functions_hosts', { provisioning_state: 'provisioned' })).toBeGreaterThanOrEqual(1);
    // every host gone: no series left
    expect(sumOf(m, 'metal3_functions_hosts')).toBe(0);
    // no BMC password anywhere in the logs
    for (const host of hosts) expect(logLines.join('\n')).not.toContain(host.password);
  }, 600_000);

  it('refuses events without a token at the broker and at every function (authenticated events on)', async () => {
    // Prepare: a well-formed event anyone in the cluster could send
    const headers = { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'unauthenticated-1', 'ce-source': '/metal3/watcher/local', 'ce-type': 'io.metal3.baremetalhost.enroll.requested', 'ce-subject': 'metal3/nobody' };
    const body = JSON.stringify({ host: { namespace: 'metal3', name: 'nobody', uid: 'u', generation: 1, resourceVersion: '1' }, observed: { errorCount: 0 }, reason: 'external' });
    // Act
    const answers = await Promise.all([app.broker.url, ...Object.values(app.functionUrls)].map(async (url) => (await fetch(url, { method: 'POST', headers, body })).status));
    // Assess
    expect(answers).toEqual(answers.map(() => 401));
  });
});
