/**
 * @module manifests/names: the names every generated manifest agrees on
 * (namespace, Broker, Services, ServiceAccounts, images, ports).
 */
import { TRANSITION_NAMES } from '../state-machine/states.ts';
import type { TransitionName } from '../state-machine/states.ts';

/** Where the functions, the watcher, the Broker and Ironic run. */
export const NAMESPACE = 'metal3';
/** The one Broker every event goes through. */
export const BROKER = 'bmh';
/** Dead letters land here (an event-display Service; replace with a durable sink in production). */
export const DEAD_LETTER_SERVICE = 'bmh-dead-letter';
export const WATCHER = 'bmh-watcher';
export const IRONIC = 'ironic';
export const IRONIC_PORT = 6385;
/** ConfigMap whose keys become every function's environment (`envFrom`). */
export const FUNCTION_CONFIG = 'metal3-functions';
/** faas-js-runtime listens here; func deploy probes it. */
export const FUNCTION_PORT = 8080;

export const FUNCTIONS: readonly TransitionName[] = TRANSITION_NAMES;

/** Knative Service, ServiceAccount, Trigger and func.yaml name of a function. */
export const serviceNameOf = (fn: TransitionName): `bmh-${TransitionName}` => `bmh-${fn}`;

/** Component names that get a ServiceAccount and a Role. */
export type Component = TransitionName | 'watcher';
export const COMPONENTS: readonly Component[] = [...TRANSITION_NAMES, 'watcher'];
export const serviceAccountOf = (c: Component): string => (c === 'watcher' ? WATCHER : serviceNameOf(c));

export const PART_OF = { 'app.kubernetes.io/part-of': 'metal3-functions' } as const;
