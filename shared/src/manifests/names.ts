/**
 * @module manifests/names: the names every generated manifest agrees on
 * (namespace, Broker, Services, ServiceAccounts, images, ports).
 */
import { TRANSITION_NAMES } from '../state-machine/states.ts';
import type { TransitionName } from '../state-machine/states.ts';
import { CLAIM_TRANSITION } from '../state-machine/transitions.ts';
import type { ClaimTransitionName } from '../state-machine/transitions.ts';

/** Where the functions, the watcher, the Broker and Ironic run. */
export const NAMESPACE = 'metal3';
/**
 * Where the BareMetalHosts and their Secrets live by default: a namespace of their own, so that the
 * functions' Roles (which must allow reading Secrets) never reach Ironic's Secrets, and uninstalling
 * the operator never touches the hosts.
 */
export const HOST_NAMESPACE = 'metal3-hosts';
/** The one Broker every event goes through. */
export const BROKER = 'bmh';
/** Dead letters land here (an event-display Service; replace with a durable sink in production). */
export const DEAD_LETTER_SERVICE = 'bmh-dead-letter';
export const WATCHER = 'bmh-watcher';
export const IRONIC = 'ironic';
export const IRONIC_PORT = 6385;
/** The RabbitMQ Ironic publishes its notifications to and the watcher subscribes to (docs/ironic-notifications.md). */
export const IRONIC_NOTIFICATIONS = 'ironic-notifications';
export const AMQP_PORT = 5672;
/** ConfigMap whose keys become every function's environment (`envFrom`). */
export const FUNCTION_CONFIG = 'metal3-functions';
/** faas-js-runtime listens here; func deploy probes it. */
export const FUNCTION_PORT = 8080;
/**
 * Our metrics port in a function pod. Not the default 9090: Knative's queue-proxy, in the same pod,
 * serves the autoscaler's metrics on 9090 and its own on 9091.
 */
export const FUNCTION_METRICS_PORT = 9095;

/** The function that turns outside systems' requests into Kubernetes writes RBAC allows them (not subscribed to the Broker). */
export const EXTERNAL = 'external';
/** Every Knative function: the five host transitions, the claim function and the external function. */
export type FunctionName = TransitionName | ClaimTransitionName | typeof EXTERNAL;
export const FUNCTIONS: readonly FunctionName[] = [...TRANSITION_NAMES, CLAIM_TRANSITION, EXTERNAL];

/** Knative Service, ServiceAccount, Trigger and func.yaml name of a function. */
export const serviceNameOf = <F extends FunctionName>(fn: F): `bmh-${F}` => `bmh-${fn}`;

/** Component names that get a ServiceAccount and a Role. */
export type Component = FunctionName | 'watcher';
export const COMPONENTS: readonly Component[] = [...FUNCTIONS, 'watcher'];
export const serviceAccountOf = (c: Component): string => (c === 'watcher' ? WATCHER : serviceNameOf(c));

export const PART_OF = { 'app.kubernetes.io/part-of': 'metal3-functions' } as const;
