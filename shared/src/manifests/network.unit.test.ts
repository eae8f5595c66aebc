/**
 * Private by default: every generated Knative Service is cluster-local, and the generated
 * NetworkPolicies admit the Knative data plane to the functions, only the functions and the
 * watcher to Ironic, and only the monitoring namespace to the metrics ports. Each policy is
 * evaluated as a CNI would, against the pods the manifests create.
 */
import { describe, expect, it } from '@jest/globals';
import type { IIoK8sApiNetworkingV1NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { DEFAULT_METRICS_PORT } from '../metrics/server.ts';
import { buildIronicDeployment, buildIronicNetworkPolicy } from './ironic.ts';
import { buildIronicNotificationsDeployment, buildIronicNotificationsNetworkPolicy } from './ironic-notifications.ts';
import { AMQP_PORT, FUNCTION_METRICS_PORT, FUNCTION_PORT, FUNCTIONS, IRONIC_PORT } from './names.ts';
import { AUTOSCALER_METRICS_PORT, buildAllNetworkPolicies, CLUSTER_LOCAL, QUEUE_PROXY_PORTS, VISIBILITY_LABEL } from './network.ts';
import { withDefaults } from './options.ts';
import type { ManifestOptions } from './options.ts';
import { funcYamlOf } from './function-files.ts';
import { buildBase } from './render.ts';
import { buildAllFunctionServices, buildDeadLetterService, buildFunctionConfig } from './serving.ts';
import { buildWatcher } from './watcher.ts';

type Labels = Record<string, string>;
interface Pod { namespace: string; labels: Labels }
interface Selector { matchLabels?: Labels; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }

/** A label selector as the API defines it (In / NotIn / Exists / DoesNotExist). */
function selects(sel: Selector | undefined, labels: Labels): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values!.includes(labels[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && e.values!.includes(labels[e.key]!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Whether the policies let `from` open a TCP connection to `to` on `port` (no policy selecting `to`: allowed). */
function admits(policies: readonly IIoK8sApiNetworkingV1NetworkPolicy[], from: Pod, to: Pod, port: number): boolean {
  const applying = policies.filter((p) => p.metadata?.namespace === to.namespace && selects(p.spec?.podSelector as Selector, to.labels) && p.spec?.policyTypes?.includes('Ingress'));
  if (applying.length === 0) return true;
  const nsLabels = { 'kubernetes.io/metadata.name': from.namespace };
  return applying.some((p) => (p.spec?.ingress ?? []).some((rule) => {
    const portOk = !rule.ports || rule.ports.some((rp) => rp.port === port && (rp.protocol ?? 'TCP') === 'TCP');
    const peerOk = !rule.from || rule.from.some((peer) => {
      if (peer.ipBlock) return false;
      const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector as Selector, nsLabels) : from.namespace === p.metadata?.namespace;
      return nsOk && selects(peer.podSelector as Selector | undefined, from.labels);
    });
    return portOk && peerOk;
  }));
}

const json = <T>(o: { toJSON(): unknown }): T => JSON.parse(JSON.stringify(o)) as T;

function setup(options: Partial<ManifestOptions> = {}) {
  const o = withDefaults(options);
  const policies = [...buildAllNetworkPolicies(o), buildIronicNetworkPolicy(o), buildIronicNotificationsNetworkPolicy(o)].map((p) => json<IIoK8sApiNetworkingV1NetworkPolicy>(p));
  // the pods the manifests make: Knative copies a Service's template labels onto its pods
  const services = buildAllFunctionServices(o).map((s) => json<{ spec: { template: { metadata: { labels: Labels } } } }>(s));
  const functions: Pod[] = services.map((s) => ({ namespace: o.namespace, labels: s.spec.template.metadata.labels }));
  const deadLetter: Pod = { namespace: o.namespace, labels: json<{ spec: { template: { metadata: { labels: Labels } } } }>(buildDeadLetterService(o)).spec.template.metadata.labels };
  const watcher: Pod = { namespace: o.namespace, labels: json<{ spec: { template: { metadata: { labels: Labels } } } }>(buildWatcher(o)).spec.template.metadata.labels };
  const ironic: Pod = { namespace: o.namespace, labels: json<{ spec: { template: { metadata: { labels: Labels } } } }>(buildIronicDeployment(o)).spec.template.metadata.labels };
  const broker: Pod = { namespace: o.namespace, labels: json<{ spec: { template: { metadata: { labels: Labels } } } }>(buildIronicNotificationsDeployment(o)).spec.template.metadata.labels };
  const pod = (namespace: string, labels: Labels = {}): Pod => ({ namespace, labels });
  return { o, policies, functions, deadLetter, watcher, ironic, broker, pod };
}

describe('private by default', () => {
  it('makes every Knative Service cluster-local: the five functions and the dead-letter sink', () => {
    // Prepare
    const o = withDefaults();
    // Act
    const knative = Object.values(buildBase(o)).flat().map((m) => json<{ apiVersion: string; kind: string; metadata: { name: string; labels?: Labels } }>(m as never))
      .filter((m) => m.apiVersion === 'serving.knative.dev/v1' && m.kind === 'Service');
    // Assess
    expect(knative.map((s) => s.metadata.name).sort()).toEqual([...FUNCTIONS.map((f) => `bmh-${f}`), 'bmh-dead-letter'].sort());
    for (const s of knative) expect(s.metadata.labels?.[VISIBILITY_LABEL]).toBe(CLUSTER_LOCAL);
  });

  it('gives func deploy the same labels: cluster-local, and the component the policies select', () => {
    const o = withDefaults();
    for (const fn of FUNCTIONS) {
      const labels = (funcYamlOf(fn, o).deploy as { labels: Array<{ key: string; value: string }> }).labels;
      expect(labels).toEqual(expect.arrayContaining([{ key: VISIBILITY_LABEL, value: CLUSTER_LOCAL }, { key: 'app.kubernetes.io/component', value: fn }]));
    }
  });

  it('admits the Knative data plane to the functions\' serving ports, and nothing else', () => {
    const { policies, functions, deadLetter, pod } = setup();
    for (const target of [...functions, deadLetter]) {
      for (const ns of ['knative-eventing', 'knative-serving', 'kourier-system']) {
        for (const port of [...QUEUE_PROXY_PORTS, FUNCTION_PORT]) expect(admits(policies, pod(ns), target, port)).toBe(true);
      }
      // a pod of another namespace, a pod of ours, the hosts' namespace, monitoring: not on the serving ports
      for (const from of [pod('default'), pod('metal3', { 'app.kubernetes.io/part-of': 'metal3-functions' }), pod('metal3-hosts'), pod('monitoring')]) {
        for (const port of [...QUEUE_PROXY_PORTS, FUNCTION_PORT]) expect(admits(policies, from, target, port)).toBe(false);
      }
      // Knative's autoscaler scrapes queue-proxy; Eventing may not
      expect(admits(policies, pod('knative-serving'), target, AUTOSCALER_METRICS_PORT)).toBe(true);
      expect(admits(policies, pod('knative-eventing'), target, AUTOSCALER_METRICS_PORT)).toBe(false);
    }
  });

  it('admits only the functions and the watcher to Ironic (not the external function, which writes Kubernetes only)', () => {
    const { policies, functions, deadLetter, watcher, ironic, pod } = setup();
    const external = functions.find((f) => f.labels['app.kubernetes.io/component'] === 'external')!;
    for (const client of [...functions.filter((f) => f !== external), watcher]) expect(admits(policies, client, ironic, IRONIC_PORT)).toBe(true);
    for (const other of [external, deadLetter, pod('metal3'), pod('metal3', { 'app.kubernetes.io/part-of': 'metal3-functions' }), pod('knative-eventing'), pod('monitoring'),
      pod('metal3-hosts', watcher.labels)]) {
      expect(admits(policies, other, ironic, IRONIC_PORT)).toBe(false);
    }
  });

  it('admits only Ironic (publisher) and the watcher (subscriber) to the notifications broker, on AMQP only', () => {
    const { policies, functions, deadLetter, watcher, ironic, broker, pod } = setup();
    for (const client of [ironic, watcher]) {
      expect(admits(policies, client, broker, AMQP_PORT)).toBe(true);
      // not the Erlang distribution, epmd or the Prometheus plugin's port
      for (const port of [25672, 4369, 15692]) expect(admits(policies, client, broker, port)).toBe(false);
    }
    for (const other of [...functions, deadLetter, pod('metal3'), pod('metal3', { 'app.kubernetes.io/part-of': 'metal3-functions' }), pod('knative-eventing'), pod('monitoring'),
      pod('metal3-hosts', watcher.labels), pod('metal3-hosts', ironic.labels)]) {
      expect(admits(policies, other, broker, AMQP_PORT)).toBe(false);
    }
  });

  it('admits only the monitoring namespace to the metrics ports, and it is an option', () => {
    // Prepare
    const defaults = setup();
    const custom = setup({ monitoringNamespace: 'observability' });
    // Assess: functions serve ours on FUNCTION_METRICS_PORT (queue-proxy owns 9090), the watcher on the default
    expect(buildFunctionConfig(defaults.o).data?.METRICS_PORT).toBe(String(FUNCTION_METRICS_PORT));
    expect(FUNCTION_METRICS_PORT).not.toBe(AUTOSCALER_METRICS_PORT);
    for (const { policies, functions, watcher, pod } of [defaults, custom]) {
      const monitoring = pod(policies === defaults.policies ? 'monitoring' : 'observability');
      const other = pod(policies === defaults.policies ? 'observability' : 'monitoring');
      for (const f of functions) {
        expect(admits(policies, monitoring, f, FUNCTION_METRICS_PORT)).toBe(true);
        expect(admits(policies, other, f, FUNCTION_METRICS_PORT)).toBe(false);
        expect(admits(policies, pod('knative-eventing'), f, FUNCTION_METRICS_PORT)).toBe(false);
      }
      expect(admits(policies, monitoring, watcher, DEFAULT_METRICS_PORT)).toBe(true);
      expect(admits(policies, other, watcher, DEFAULT_METRICS_PORT)).toBe(false);
      expect(admits(policies, pod('metal3'), watcher, DEFAULT_METRICS_PORT)).toBe(false);
      expect(admits(policies, monitoring, watcher, IRONIC_PORT)).toBe(false);
    }
  });

  it('evaluates policies strictly (a pod no policy selects is open: the check can fail)', () => {
    const { policies, pod } = setup();
    expect(admits(policies, pod('default'), pod('metal3', { app: 'unrelated' }), 8080)).toBe(true);
  });
});
