/**
 * @module metrics/metrics: the Prometheus metrics a Metal³ operator scrapes.
 *
 * Where the meaning is upstream's, the name, labels and buckets are upstream's
 * (baremetal-operator `controllers/metal3.io/metrics.go`), so dashboards and
 * alerts written for the baremetal-operator keep working. Our own metrics
 * (events, delivery latency, Ironic requests, watcher polls) carry the
 * `metal3_functions_` prefix. One `Metrics` per process, injected; the default
 * is shared by everything in the process (the all-in-one runner included).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** upstream's buckets for the slow operations (seconds) */
const SLOW_OPERATION_BUCKETS = [30, 90, 180, 360, 720, 1440];
/** ours, for a step that normally takes well under a second */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** provisioning states whose duration upstream records, with the histogram's name */
const OPERATION_HISTOGRAMS = {
  registering: { name: 'metal3_operation_register_duration_seconds', help: 'Length of time per registration per host', slow: false },
  inspecting: { name: 'metal3_operation_inspect_duration_seconds', help: 'Length of time per hardware inspection per host', slow: true },
  provisioning: { name: 'metal3_operation_provision_duration_seconds', help: 'Length of time per hardware provision operation per host', slow: true },
  deprovisioning: { name: 'metal3_operation_deprovision_duration_seconds', help: 'Length of time per hardware deprovision operation per host', slow: true },
} as const;
export type TimedOperationState = keyof typeof OPERATION_HISTOGRAMS;

/** how a function answered one delivery (HandlerResult kinds) */
export type EventOutcome = 'noop' | 'progressed' | 'recorded' | 'retry' | 'invalid' | 'unauthenticated' | 'unauthorized' | 'notFound' | 'crashed';

export interface IronicRequestSample { component: string; method: string; path: string; status: number; ms: number }

export interface Metrics {
  readonly registry: Registry;
  /** one delivery handled by a function; `delaySeconds`: from the change the event reports to our answer */
  eventHandled(fn: string, eventType: string, outcome: EventOutcome, delaySeconds?: number): void;
  /** one reconcile of a host (upstream: every Reconcile call) */
  reconciled(namespace: string, host: string): void;
  stateChanged(prev: string, next: string): void;
  /** a finished operation: leaving one of upstream's timed states */
  operationFinished(state: string, namespace: string, host: string, seconds: number): void;
  hostError(errorType: string): void;
  /** a host held back by the provisioning limit before entering `to` (upstream's two delayed counters) */
  delayed(namespace: string, host: string, to: string): void;
  powerChange(namespace: string, host: string, on: boolean): void;
  credentials(kind: 'missing' | 'invalid' | 'updated'): void;
  ironicRequest(sample: IronicRequestSample): void;
  watcherPoll(seconds: number, nodes: number | undefined): void;
  /** an idle poll's change probe: `unchanged` when no node was written since the last list (the list is skipped) */
  watcherProbe(unchanged: boolean): void;
  /** an Ironic notification reached the watcher: `polled` when it brought the next poll forward, `ignored` otherwise (busy, or one is due already) */
  ironicNotification(eventType: string, result: 'polled' | 'ignored' | 'malformed'): void;
  /** whether the watcher is subscribed to Ironic's notifications (else it polls: the change probe) */
  ironicNotificationsConnected(connected: boolean): void;
  watcherEmitted(eventType: string, reason: string): void;
  /** where the per-state host gauge is read from at each scrape (the watcher's view of every host; keys from `hostCountKey`) */
  countHostsWith(source: () => ReadonlyMap<string, number>): void;
}

/** `/v1/nodes/<uuid or name>/states/power?fields=…` → `/v1/nodes/{node}/states/power` (bounded label values) */
export function ironicEndpoint(path: string): string {
  const bare = path.split('?')[0] ?? '';
  return bare
    .replace(/^\/v1\/(nodes|ports|allocations|deploy_templates|runbooks|portgroups|volume\/connectors|volume\/targets)\/[^/]+/, (_m, kind: string) => `/v1/${kind}/{${kind === 'nodes' ? 'node' : 'id'}}`)
    .replace(/\/vendor_passthru.*$/, '/vendor_passthru')
    .replace(/\/history\/[^/]+$/, '/history/{event}')
    .replace(/\/traits\/[^/]+$/, '/traits/{trait}');
}

/** 2xx/3xx/4xx/5xx or `error` when no answer came */
export const outcomeClass = (status: number): string => (status > 0 ? `${Math.floor(status / 100)}xx` : 'error');

export function createMetrics({ registry = new Registry(), defaultMetrics = true }: { registry?: Registry; defaultMetrics?: boolean } = {}): Metrics {
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const hostLabels = ['namespace', 'host'] as const;

  const reconcile = new Counter({ name: 'metal3_reconcile_total', help: 'The number of times hosts have been reconciled', labelNames: hostLabels, registers });
  const reconcileError = new Counter({ name: 'metal3_reconcile_error_total', help: 'The number of times the operator has failed to reconcile a host', registers });
  const hostError = new Counter({ name: 'metal3_host_error_total', help: 'The number of times hosts have entered an error state', labelNames: ['error_type'], registers });
  const powerChange = new Counter({ name: 'metal3_operation_power_change_total', help: 'Number of times a host has been powered on or off', labelNames: [...hostLabels, 'on_off'], registers });
  const credentials = {
    missing: new Counter({ name: 'metal3_credentials_missing_total', help: "Number of times a host's credentials are found to be missing", registers }),
    invalid: new Counter({ name: 'metal3_credentials_invalid_total', help: "Number of times a host's credentials are found to be invalid", registers }),
    updated: new Counter({ name: 'metal3_credentials_updated_total', help: "Number of times a host's credentials change", registers }),
  };
  // upstream's names, double underscore included
  const delayedProvisioning = new Counter({ name: 'metal3_delayed__provisioning_total', help: 'The number of times hosts have been delayed while provisioning due a busy provisioner', labelNames: hostLabels, registers });
  const delayedDeprovisioning = new Counter({ name: 'metal3_delayed__deprovisioning_total', help: 'The number of times hosts have been delayed while deprovisioning due a busy provisioner', labelNames: hostLabels, registers });
  const stateChanges = new Counter({ name: 'metal3_provisioning_state_change_total', help: 'Number of times a state transition has occurred', labelNames: ['prev_state', 'new_state'], registers });
  const operations = Object.fromEntries(Object.entries(OPERATION_HISTOGRAMS).map(([state, h]) => [
    state,
    new Histogram({ name: h.name, help: h.help, labelNames: hostLabels, registers, ...(h.slow ? { buckets: SLOW_OPERATION_BUCKETS } : {}) }),
  ])) as Record<TimedOperationState, Histogram<'namespace' | 'host'>>;

  const events = new Counter({ name: 'metal3_functions_events_total', help: 'CloudEvents handled by a function, by how it answered (noop, progressed, recorded, retry, invalid, unauthenticated, unauthorized, crashed)', labelNames: ['function', 'type', 'outcome'], registers });
  const delivery = new Histogram({ name: 'metal3_functions_delivery_latency_seconds', help: 'From the change an event reports (its time) to the function having acted on it and written status', labelNames: ['function'], buckets: LATENCY_BUCKETS, registers });
  const ironicRequests = new Counter({ name: 'metal3_functions_ironic_requests_total', help: 'Ironic API requests, by component, method, endpoint and status class', labelNames: ['component', 'method', 'endpoint', 'code'], registers });
  const ironicLatency = new Histogram({ name: 'metal3_functions_ironic_request_duration_seconds', help: 'Ironic API request duration', labelNames: ['component', 'method', 'endpoint'], buckets: LATENCY_BUCKETS, registers });
  const pollDuration = new Histogram({ name: 'metal3_functions_watcher_poll_duration_seconds', help: "The watcher's one Ironic list call per poll", buckets: LATENCY_BUCKETS, registers });
  const pollErrors = new Counter({ name: 'metal3_functions_watcher_poll_errors_total', help: 'Watcher polls that got no list from Ironic', registers });
  const probes = new Counter({ name: 'metal3_functions_watcher_change_probes_total', help: "Idle polls that first asked Ironic for its newest node write, by result (unchanged: the list was skipped)", labelNames: ['result'], registers });
  const notifications = new Counter({ name: 'metal3_functions_watcher_ironic_notifications_total', help: "Ironic's versioned notifications the watcher received, by event type and what it did (polled, ignored, malformed)", labelNames: ['event_type', 'result'], registers });
  const notificationsConnected = new Gauge({ name: 'metal3_functions_watcher_ironic_notifications_connected', help: "1 while the watcher is subscribed to Ironic's notifications, 0 while it polls instead", registers });
  const listSize = new Gauge({ name: 'metal3_functions_watcher_ironic_nodes', help: 'Ironic nodes in the last successful poll', registers });
  const emitted = new Counter({ name: 'metal3_functions_watcher_events_emitted_total', help: 'CloudEvents the watcher sent, by type and reason', labelNames: ['type', 'reason'], registers });
  let countHosts: (() => ReadonlyMap<string, number>) | undefined;
  new Gauge({
    name: 'metal3_functions_hosts', help: 'BareMetalHosts the watcher sees, by provisioning state and operational status', labelNames: ['provisioning_state', 'operational_status'], registers,
    // read at scrape time: exact, and nothing to keep up to date on every change
    collect() {
      this.reset();
      for (const [key, n] of countHosts?.() ?? []) {
        const [provisioningState = '', operationalStatus = ''] = key.split('\u0000');
        this.set({ provisioning_state: provisioningState, operational_status: operationalStatus }, n);
      }
    },
  });

  return {
    registry,
    eventHandled(fn, eventType, outcome, delaySeconds) {
      events.inc({ function: fn, type: eventType, outcome });
      if (outcome === 'crashed') reconcileError.inc();
      if (delaySeconds !== undefined && Number.isFinite(delaySeconds) && delaySeconds >= 0 && (outcome === 'progressed' || outcome === 'recorded')) delivery.observe({ function: fn }, delaySeconds);
    },
    reconciled(namespace, host) { reconcile.inc({ namespace, host }); },
    stateChanged(prev, next) { stateChanges.inc({ prev_state: prev, new_state: next }); },
    operationFinished(state, namespace, host, seconds) {
      const h = operations[state as TimedOperationState];
      if (h && Number.isFinite(seconds) && seconds >= 0) h.observe({ namespace, host }, seconds);
    },
    hostError(errorType) { hostError.inc({ error_type: errorType }); },
    delayed(namespace, host, to) { (to === 'deprovisioning' ? delayedDeprovisioning : delayedProvisioning).inc({ namespace, host }); },
    powerChange(namespace, host, on) { powerChange.inc({ namespace, host, on_off: on ? 'on' : 'off' }); },
    credentials(kind) { credentials[kind].inc(); },
    ironicRequest({ component, method, path, status, ms }) {
      const endpoint = ironicEndpoint(path);
      ironicRequests.inc({ component, method, endpoint, code: outcomeClass(status) });
      ironicLatency.observe({ component, method, endpoint }, ms / 1000);
    },
    watcherPoll(seconds, nodes) {
      pollDuration.observe(seconds);
      if (nodes === undefined) pollErrors.inc();
      else listSize.set(nodes);
    },
    watcherProbe(unchanged) { probes.inc({ result: unchanged ? 'unchanged' : 'changed' }); },
    ironicNotification(eventType, result) { notifications.inc({ event_type: eventType, result }); },
    ironicNotificationsConnected(connected) { notificationsConnected.set(connected ? 1 : 0); },
    watcherEmitted(eventType, reason) { emitted.inc({ type: eventType, reason }); },
    countHostsWith(source) { countHosts = source; },
  };
}

/** the key `hostCounts` takes: provisioning state and operational status */
export const hostCountKey = (provisioningState: string, operationalStatus: string): string => `${provisioningState}\u0000${operationalStatus}`;

let processMetrics: Metrics | undefined;
/** The process's metrics (one registry per process, shared by every part in it). */
export function defaultMetrics(): Metrics {
  processMetrics ??= createMetrics();
  return processMetrics;
}
