import { describe, expect, it } from '@jest/globals';
import { createMetrics, hostCountKey, ironicEndpoint, outcomeClass } from './metrics.ts';
import { parsePrometheusText, sumOf } from './prometheus-text.ts';

const scrape = async (m: ReturnType<typeof createMetrics>) => parsePrometheusText(await m.registry.metrics());

describe('ironicEndpoint', () => {
  it.each([
    ['/v1/nodes?fields=uuid,name', '/v1/nodes'],
    ['/v1/nodes/5f0c1a9e-0c47-4a0e-9d3b-2b0f4c6d7e8f', '/v1/nodes/{node}'],
    ['/v1/nodes/metal3~host-1/states/provision', '/v1/nodes/{node}/states/provision'],
    ['/v1/nodes/abc/history/7d2', '/v1/nodes/{node}/history/{event}'],
    ['/v1/ports/1234', '/v1/ports/{id}'],
    ['/v1/nodes/abc/vendor_passthru/methods', '/v1/nodes/{node}/vendor_passthru'],
    ['/', '/'],
  ])('%s → %s (bounded label values)', (path, endpoint) => {
    expect(ironicEndpoint(path)).toBe(endpoint);
  });

  it('classes statuses, 0 (no answer) as error', () => {
    expect([200, 201, 404, 409, 503, 0].map(outcomeClass)).toEqual(['2xx', '2xx', '4xx', '4xx', '5xx', 'error']);
  });
});

describe('createMetrics', () => {
  it('exposes upstream names and labels with the values recorded', async () => {
    // Prepare
    const m = createMetrics({ defaultMetrics: false });
    // Act
    m.reconciled('ns', 'h1');
    m.reconciled('ns', 'h1');
    m.stateChanged('available', 'provisioning');
    m.operationFinished('provisioning', 'ns', 'h1', 42);
    m.operationFinished('available', 'ns', 'h1', 5); // not an operation upstream times
    m.hostError('provisioning error');
    m.powerChange('ns', 'h1', false);
    m.credentials('invalid');
    m.eventHandled('enroll', 'io.metal3.baremetalhost.enroll.requested', 'crashed');
    // Assess
    const s = await scrape(m);
    expect(sumOf(s, 'metal3_reconcile_total', { namespace: 'ns', host: 'h1' })).toBe(2);
    expect(sumOf(s, 'metal3_provisioning_state_change_total', { prev_state: 'available', new_state: 'provisioning' })).toBe(1);
    expect(sumOf(s, 'metal3_operation_provision_duration_seconds_sum', { host: 'h1' })).toBe(42);
    expect(sumOf(s, 'metal3_operation_provision_duration_seconds_bucket', { host: 'h1', le: '30' })).toBe(0);
    expect(sumOf(s, 'metal3_operation_provision_duration_seconds_bucket', { host: 'h1', le: '90' })).toBe(1);
    expect(s.some((x) => x.name.startsWith('metal3_operation_available'))).toBe(false);
    expect(sumOf(s, 'metal3_host_error_total', { error_type: 'provisioning error' })).toBe(1);
    expect(sumOf(s, 'metal3_operation_power_change_total', { host: 'h1', on_off: 'off' })).toBe(1);
    expect(sumOf(s, 'metal3_credentials_invalid_total')).toBe(1);
    expect(sumOf(s, 'metal3_reconcile_error_total')).toBe(1);
  });

  it('counts events by function, type and outcome; latency only for work done', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.eventHandled('power', 'io.metal3.baremetalhost.power.requested', 'progressed', 0.2);
    m.eventHandled('power', 'io.metal3.baremetalhost.power.requested', 'noop', 0.1);
    m.eventHandled('power', 'other', 'invalid');
    const s = await scrape(m);
    expect(sumOf(s, 'metal3_functions_events_total', { function: 'power', outcome: 'progressed' })).toBe(1);
    expect(sumOf(s, 'metal3_functions_events_total', { function: 'power', outcome: 'noop' })).toBe(1);
    expect(sumOf(s, 'metal3_functions_events_total', { function: 'power', type: 'other', outcome: 'invalid' })).toBe(1);
    expect(sumOf(s, 'metal3_functions_delivery_latency_seconds_count', { function: 'power' })).toBe(1);
    expect(sumOf(s, 'metal3_functions_delivery_latency_seconds_sum', { function: 'power' })).toBeCloseTo(0.2);
  });

  it('records Ironic requests by endpoint and the watcher poll', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.ironicRequest({ component: 'watcher', method: 'GET', path: '/v1/nodes?fields=uuid', status: 200, ms: 12 });
    m.ironicRequest({ component: 'enroll', method: 'PATCH', path: '/v1/nodes/abc', status: 409, ms: 3 });
    m.watcherPoll(0.012, 7);
    m.watcherPoll(5, undefined);
    const s = await scrape(m);
    expect(sumOf(s, 'metal3_functions_ironic_requests_total', { component: 'watcher', endpoint: '/v1/nodes', code: '2xx' })).toBe(1);
    expect(sumOf(s, 'metal3_functions_ironic_requests_total', { component: 'enroll', endpoint: '/v1/nodes/{node}', code: '4xx' })).toBe(1);
    expect(sumOf(s, 'metal3_functions_watcher_ironic_nodes')).toBe(7);
    expect(sumOf(s, 'metal3_functions_watcher_poll_errors_total')).toBe(1);
    expect(sumOf(s, 'metal3_functions_watcher_poll_duration_seconds_count')).toBe(2);
  });

  it('reads host counts at each scrape (a deleted host leaves no series)', async () => {
    const m = createMetrics({ defaultMetrics: false });
    let counts = new Map([[hostCountKey('available', 'OK'), 2], [hostCountKey('provisioning', 'OK'), 1]]);
    m.countHostsWith(() => counts);
    const first = await scrape(m);
    counts = new Map([[hostCountKey('available', 'OK'), 1]]);
    const second = await scrape(m);
    expect(sumOf(first, 'metal3_functions_hosts', { provisioning_state: 'provisioning', operational_status: 'OK' })).toBe(1);
    expect(sumOf(second, 'metal3_functions_hosts', { provisioning_state: 'available' })).toBe(1);
    expect(second.some((x) => x.name === 'metal3_functions_hosts' && x.labels.provisioning_state === 'provisioning')).toBe(false);
  });
});

describe('parsePrometheusText', () => {
  it('reads labels with escapes and refuses a malformed line', () => {
    expect(parsePrometheusText('# HELP x y\nx{a="q\\"uote",b="c"} 3\ny 1.5\n')).toEqual([
      { name: 'x', labels: { a: 'q"uote', b: 'c' }, value: 3 },
      { name: 'y', labels: {}, value: 1.5 },
    ]);
    expect(() => parsePrometheusText('not a line at all')).toThrow(/not a Prometheus sample line/);
  });
});
